// Staff sessions for API tests: the first administrator through the setup token, other
// accounts through the administration API, and requests carrying the session cookie and
// CSRF token as the dashboard sends them.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './worker.mjs';

export const PASSWORD = 'frase lunga per i test 2026';

/** The staff route table, from the same source the Worker dispatches with. */
export function staffRoutes() {
  const cli = path.join(ROOT, 'target/debug/segnala-cli');
  try {
    return JSON.parse(execFileSync(cli, ['staff-routes'], { encoding: 'utf8' }));
  } catch {
    return JSON.parse(execFileSync('cargo', ['run', '-q', '-p', 'segnala-cli', '--', 'staff-routes'], { cwd: ROOT, encoding: 'utf8' }));
  }
}

export async function json(url, options = {}) {
  const response = await fetch(url, { ...options, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  return { status: response.status, headers: response.headers, body };
}

export async function setupAdministrator(worker, account = {}) {
  const response = await json(`${worker.url}/api/v1/staff/setup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      setup_token: worker.setupToken,
      email: 'admin@comune.example.it',
      name: 'Amministratrice Demo',
      password: PASSWORD,
      ...account,
    }),
  });
  if (response.status !== 201) throw new Error(`setup: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Signs in; returns a client whose requests carry the cookie and the CSRF token. */
export async function signIn(worker, email, password = PASSWORD) {
  const response = await fetch(`${worker.url}/api/v1/staff/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`sign in ${email}: ${response.status} ${JSON.stringify(body)}`);
  const cookie = response.headers.get('set-cookie').split(';')[0];
  return client(worker, cookie, body.csrf_token, body.user);
}

export function client(worker, cookie, csrf, user) {
  const call = (method, route, body, extraHeaders = {}) => json(`${worker.url}${route}`, {
    method,
    headers: {
      Cookie: cookie,
      ...(csrf ? { 'X-CSRF-Token': csrf } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...extraHeaders,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return {
    cookie, csrf, user,
    get: (route) => call('GET', route),
    post: (route, body, headers) => call('POST', route, body, headers),
    patch: (route, body) => call('PATCH', route, body),
    put: (route, body) => call('PUT', route, body),
    delete: (route) => call('DELETE', route),
  };
}

export async function createStaff(admin, email, role, office) {
  const response = await admin.post('/api/v1/staff/users', {
    email, name: email.split('@')[0], role, office, password: PASSWORD,
  });
  if (response.status !== 201) throw new Error(`create ${email}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}
