// HTTP client for the Backbeat API (/api/*): JSON in and out, the session
// cookie rides along (same origin), errors become ApiError with the API's
// {error:{code,message,field}} (and `errors`, every invalid field of a
// body); a 401 anywhere raises the app-wide "session expired" notice.

export class ApiError extends Error {
  constructor(status, code, message, field = null, errors = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    // [{field, message}]: every invalid field at once (400/422 on a body).
    this.errors = errors || (field ? [{ field, message }] : []);
  }
}

export const UNAUTHORIZED_EVENT = 'backbeat:unauthorized';

/** Call the API. `body` (any JSON value) is sent as application/json. */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, signal, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET' && method !== 'HEAD') headers['Content-Type'] = 'application/json';
  if (body !== undefined) init.body = JSON.stringify(body);
  let res;
  try {
    res = await fetch(`/api${path}`, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'Cannot reach the Backbeat server. Is it running?');
  }
  if (res.status === 401) window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = data && data.error;
    throw new ApiError(
      res.status,
      (err && err.code) || `http_${res.status}`,
      (err && err.message) || `${res.status} ${res.statusText || 'error'}`.trim(),
      (err && err.field) || null,
      data && Array.isArray(data.errors) ? data.errors : null,
    );
  }
  return data;
}

export const get = (path, opts) => api(path, opts);
export const post = (path, body, opts) => api(path, { ...opts, method: 'POST', body });
export const patch = (path, body, opts) => api(path, { ...opts, method: 'PATCH', body });
export const del = (path, opts) => api(path, { ...opts, method: 'DELETE' });

/** Build a query string from an object, skipping empty values. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length)) continue;
    u.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}
