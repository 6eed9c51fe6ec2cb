// Stop / drop button for a run (POST /api/runs/{id}/stop): "Stop" for a
// running run (SIGTERM, then SIGKILL after the grace period), "Drop" for a
// queued one. 409 (already finished) is reported calmly.

import { h } from '../dom.js';
import { post } from '../api.js';
import { icon } from '../icons.js';
import { toast, toastError } from '../toast.js';

export function stopButton(run, { onDone, small = true } = {}) {
  const running = run.status === 'running';
  const btn = h('button', {
    class: `btn ${small ? 'sm' : ''} danger`, type: 'button', 'data-stop': run.id,
    title: running ? 'Stop: SIGTERM, then SIGKILL after the grace period' : 'Drop this queued run',
  }, icon(running ? 'stop' : 'x'), running ? 'Stop' : 'Drop');
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      const r = await post(`/runs/${run.id}/stop`);
      toast(running ? `Stopping run #${run.id}…` : `Dropped run #${run.id}.`, { kind: 'ok', timeout: 3000 });
      if (onDone) onDone(r);
    } catch (e) {
      if (e.status === 409) toast(`Run #${run.id} had already finished.`, { timeout: 3000 });
      else toastError(`Could not stop run #${run.id}`, e);
      btn.disabled = false;
    }
  });
  return btn;
}
