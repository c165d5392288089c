// api.js - pcod's HTTP API: POST /api/login, POST /api with X-CSRF-Token,
// POST /api/logout (pcod-control(7), HTTP API).  The session cookie is
// HttpOnly (the page never sees it); the CSRF token and who logged in are
// kept in sessionStorage, so a reload of the tab stays logged in and
// closing it forgets them.

const KEY = 'pcod.session';

export class ApiError extends Error {
  constructor(code, message, status = 0) {
    super(message || code);
    this.code = code;
    this.status = status;
  }
}

let session = load();
const hooks = { expired: () => {}, down: () => {}, up: () => {} };

function load() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY));
    if (s && typeof s.csrf === 'string' && typeof s.actor === 'string') return s;
  } catch (e) { /* none or damaged: log in */ }
  return null;
}

// hooks: expired(reason) when pcod refuses the session (401, 403 csrf);
// down(err) when pcod cannot be reached; up() when a call got through.
export function setHooks(h) { Object.assign(hooks, h); }

// {actor, role, csrf} or null.
export function current() { return session; }

export function forget() {
  session = null;
  sessionStorage.removeItem(KEY);
}

async function post(path, body, withCsrf) {
  const headers = { 'Content-Type': 'application/json' };
  if (withCsrf && session) headers['X-CSRF-Token'] = session.csrf;
  let r;
  try {
    r = await fetch(path, {
      method: 'POST', headers, body: JSON.stringify(body),
      credentials: 'same-origin', cache: 'no-store',
    });
  } catch (e) {
    const err = new ApiError('network', 'pcod cannot be reached');
    hooks.down(err);
    throw err;
  }
  let obj = null;
  try { obj = await r.json(); } catch (e) { obj = null; }
  return { status: r.status, obj };
}

// Log in: resolves to {actor, role}; rejects with ApiError (auth_failed,
// throttled, locked, network...).
export async function login(name, password) {
  const { status, obj } = await post('/api/login', { login: name, password }, false);
  if (status === 200 && obj && obj.csrf) {
    session = { actor: obj.actor, role: obj.role, csrf: obj.csrf };
    sessionStorage.setItem(KEY, JSON.stringify(session));
    hooks.up();
    return { actor: obj.actor, role: obj.role };
  }
  const e = (obj && obj.error) || {};
  throw new ApiError(e.code || `http_${status}`, e.message || `HTTP ${status}`, status);
}

// Run one control command; resolves to its result.
export async function call(cmd, args = {}) {
  if (!session) throw new ApiError('auth_failed', 'not logged in', 401);
  const { status, obj } = await post('/api', { cmd, args }, true);
  if (status === 401 || (status === 403 && obj && obj.error && obj.error.code === 'csrf')) {
    const e = (obj && obj.error) || {};
    forget();
    hooks.expired(status === 403 ? 'csrf' : 'expired');
    throw new ApiError(e.code || 'auth_failed', e.message || 'session expired', status);
  }
  if (status >= 500 && (!obj || (obj.error && obj.error.code === 'unavailable'))) {
    const err = new ApiError('network', `pcod answered HTTP ${status}`, status);
    hooks.down(err);
    throw err;
  }
  hooks.up();
  if (obj && obj.ok === true) return obj.result;
  const e = (obj && obj.error) || {};
  throw new ApiError(e.code || `http_${status}`, e.message || `HTTP ${status}`, status);
}

// End the session (best effort: the page forgets it anyway).
export async function logout() {
  if (session) {
    try { await post('/api/logout', {}, true); } catch (e) { /* gone anyway */ }
  }
  forget();
}
