// What each preference means and which values it accepts (PRODUCT.md's
// Preferences table and api.md's ranges), for the Preferences page's labels,
// inputs and client-side checks. Pure; unit-tested in tests/e2e/unit.

export const PREF_GROUPS = [
  { title: 'Runs', keys: ['defaultTimeoutMs', 'maxConcurrentRuns', 'stopGraceMs'] },
  { title: 'Logs', keys: ['logRetentionPerJob', 'maxLogBytes'] },
  { title: 'AI', keys: ['aiMode', 'claudeBinary', 'claudeModel', 'claudeEffort', 'claudePermissionMode', 'codexBinary', 'codexModel', 'codexEffort', 'codexSandbox', 'aiStallTimeoutMs', 'maxConcurrentAiRuns', 'aiDailyBudgetUsd', 'aiMaxBudgetUsdPerRun'] },
];

export const PREFS = {
  defaultTimeoutMs: { label: 'Default timeout', kind: 'int', min: 1000, max: 604800000, unit: 'ms', def: 1800000,
    meaning: 'How long a run may take before it is stopped, for jobs without their own timeout.' },
  maxConcurrentRuns: { label: 'Runs at once', kind: 'int', min: 1, max: 256, def: 4,
    meaning: 'How many runs execute at the same time, all jobs together; more wait in the queue.' },
  stopGraceMs: { label: 'Stop grace period', kind: 'int', min: 0, max: 600000, unit: 'ms', def: 5000,
    meaning: 'After SIGTERM, how long a stopped run gets before SIGKILL.' },
  logRetentionPerJob: { label: 'Runs kept per job', kind: 'int', min: 1, max: 1000000, def: 50,
    meaning: 'Only the newest runs of each job keep their history row and log.' },
  maxLogBytes: { label: 'Log size cap per run', kind: 'int', min: 4096, max: 1099511627776, unit: 'bytes', def: 52428800,
    meaning: 'Output beyond this is dropped, with a marker line in the log.' },
  aiMode: { label: 'Default AI backend', kind: 'enum', values: ['claude', 'codex'], def: 'claude',
    meaning: 'Which CLI runs AI jobs that do not choose one.' },
  claudeBinary: { label: 'Claude CLI', kind: 'string', def: 'claude', required: true,
    meaning: 'Command name (found on PATH) or absolute path of the claude CLI.' },
  claudeModel: { label: 'Claude model', kind: 'string', def: '', placeholder: 'CLI default',
    meaning: 'Model for AI jobs run with Claude, e.g. sonnet or opus; empty uses the CLI’s default.' },
  claudeEffort: { label: 'Claude reasoning effort', kind: 'enum', values: ['', 'low', 'medium', 'high', 'xhigh', 'max'], def: '',
    meaning: 'Empty uses the CLI’s default.' },
  claudePermissionMode: { label: 'Claude permission mode', kind: 'enum', values: ['default', 'acceptEdits', 'plan', 'dontAsk', 'auto', 'bypassPermissions'], def: 'bypassPermissions',
    meaning: 'What Claude may do without asking. bypassPermissions lets it read and change files freely (refused when Backbeat runs as root).' },
  codexBinary: { label: 'Codex CLI', kind: 'string', def: 'codex', required: true,
    meaning: 'Command name (found on PATH) or absolute path of the codex CLI.' },
  codexModel: { label: 'Codex model', kind: 'string', def: '', placeholder: 'CLI default',
    meaning: 'Model for AI jobs run with Codex; empty uses the CLI’s default.' },
  codexEffort: { label: 'Codex reasoning effort', kind: 'enum', values: ['', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'], def: '',
    meaning: 'Empty uses the CLI’s default.' },
  codexSandbox: { label: 'Codex sandbox', kind: 'enum', values: ['read-only', 'workspace-write', 'danger-full-access'], def: 'danger-full-access',
    meaning: 'What Codex may touch: read-only, the working directory, or everything.' },
  aiStallTimeoutMs: { label: 'AI stall timeout', kind: 'int', min: 0, max: 604800000, unit: 'ms', def: 900000,
    meaning: 'An AI run with no output for this long is stopped (ends “timeout”), for AI jobs without their own stall timeout; 0 turns it off.' },
  maxConcurrentAiRuns: { label: 'AI runs at once', kind: 'int', min: 1, max: 256, def: 2,
    meaning: 'How many AI runs (Claude, Codex) execute at the same time, within “Runs at once”; more wait in the queue while other runs go ahead.' },
  aiDailyBudgetUsd: { label: 'Daily AI budget', kind: 'usd', max: 1000000, placeholder: 'no limit',
    meaning: 'At most this many US dollars for all AI runs that finished in the last 24 hours; an AI run that would go past it is not started (recorded “dropped”). Empty: no limit.' },
  aiMaxBudgetUsdPerRun: { label: 'Budget per AI run', kind: 'usd', max: 1000000, placeholder: 'no limit',
    meaning: 'At most this many US dollars for one AI run, for AI jobs without their own; the run is stopped when it is reached (“budget of $0.50 reached”). Empty: no limit.' },
};

/** Parse and check a raw input value: {value} or {error}. */
export function checkPref(key, raw) {
  const spec = PREFS[key];
  if (!spec) return { value: raw };
  if (spec.kind === 'int') {
    const text = String(raw).trim();
    if (!/^\d+$/.test(text)) return { error: 'Enter a whole number.' };
    const n = Number(text);
    if (n < spec.min || n > spec.max) return { error: `Must be between ${spec.min.toLocaleString('en')} and ${spec.max.toLocaleString('en')}.` };
    return { value: n };
  }
  if (spec.kind === 'usd') {
    const text = String(raw).trim().replace(/^\$/, '');
    if (!text) return { value: null };
    const n = Number(text);
    if (!/^\d*\.?\d+$|^\d+\.$/.test(text) || !(n > 0)) return { error: 'Enter an amount in US dollars above 0, e.g. 5 or 2.50 (empty for no limit).' };
    if (n > spec.max) return { error: `At most ${spec.max.toLocaleString('en')}.` };
    return { value: n };
  }
  if (spec.kind === 'enum') {
    if (!spec.values.includes(raw)) return { error: `Must be one of: ${spec.values.map((v) => v || '(empty)').join(', ')}.` };
    return { value: raw };
  }
  const s = String(raw).trim();
  if (spec.required && !s) return { error: 'Must not be empty.' };
  return { value: s };
}

/** "$1.23": an amount of US dollars with two decimals. */
export function usd(n) {
  return `$${(Number(n) || 0).toFixed(2)}`;
}

/** "spent today: $1.23 of $5.00" (its budget), or "spent today: $1.23" without one. */
export function spentToday(spent, budget) {
  return budget == null ? `spent today: ${usd(spent)}` : `spent today: ${usd(spent)} of ${usd(budget)}`;
}

/** Human form of a number with a unit: 1800000 ms → "30 min", 52428800 bytes → "50 MiB". */
export function humanPref(key, n) {
  const spec = PREFS[key];
  if (!spec || !Number.isFinite(n)) return '';
  if (spec.unit === 'ms') {
    if (n < 1000) return `${n} ms`;
    const parts = [];
    let s = Math.floor(n / 1000);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const hh = Math.floor(s / 3600); s -= hh * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    if (d) parts.push(`${d} d`);
    if (hh) parts.push(`${hh} h`);
    if (m) parts.push(`${m} min`);
    if (s) parts.push(`${s} s`);
    return parts.join(' ') || '0 s';
  }
  if (spec.unit === 'bytes') {
    const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = n;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
    return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
  }
  return '';
}
