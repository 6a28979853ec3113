// Staff authentication against the real Worker: the one-time setup, sign-in with hashed
// passwords and throttling, sessions with CSRF tokens, revocation, and the route-table
// proof that every staff route refuses whoever it must.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshStateDir, startWorker } from '../support/worker.mjs';
import { pothole, postJson } from '../support/demo.mjs';
import { PASSWORD, client, createStaff, json, setupAdministrator, signIn, staffRoutes } from '../support/staff.mjs';

describe('staff authentication', () => {
  let worker;
  let admin;
  let ticketNumber;
  before(async () => {
    worker = await startWorker({ stateDir: freshStateDir('staff-auth') });
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    const created = await postJson(`${worker.url}/api/v1/reports`, pothole());
    ticketNumber = created.json.public_number;
  });
  after(async () => { await worker?.stop(); });

  const login = (email, password, headers = {}) => json(`${worker.url}/api/v1/staff/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ email, password }),
  });

  test('setup works once, and only with the configured token', async () => {
    const setup = (body) => json(`${worker.url}/api/v1/staff/setup`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    const wrong = await setup({ setup_token: 'guess', email: 'x@comune.example.it', name: 'X', password: PASSWORD });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.error, 'wrong_setup_token');
    const again = await setup({ setup_token: worker.setupToken, email: 'x@comune.example.it', name: 'X', password: PASSWORD });
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'already_set_up');
  });

  test('setup refuses a weak password by naming the field', async () => {
    const fresh = await startWorker({ stateDir: freshStateDir('staff-setup') });
    try {
      const weak = await json(`${fresh.url}/api/v1/staff/setup`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ setup_token: fresh.setupToken, email: 'a@comune.example.it', name: 'A', password: 'password1234' }),
      });
      assert.equal(weak.status, 422);
      assert.deepEqual(weak.body.fields.map((f) => [f.field, f.code]), [['password', 'too_common']]);
      for (const token of ['', 'corto']) {
        const disabled = await startWorker({ stateDir: freshStateDir('staff-nosetup'), vars: { SETUP_TOKEN: token } });
        try {
          const refused = await json(`${disabled.url}/api/v1/staff/setup`, {
            method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ setup_token: token, email: 'a@comune.example.it', name: 'A', password: PASSWORD }),
          });
          assert.equal(refused.status, 403, `token ${JSON.stringify(token)}`);
          assert.equal(refused.body.error, 'setup_disabled');
        } finally { await disabled.stop(); }
      }
    } finally { await fresh.stop(); }
  });

  test('signing in sets a host-only, HttpOnly, Secure, SameSite=Lax cookie and returns a CSRF token', async () => {
    const response = await login('ADMIN@comune.example.it', PASSWORD);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const cookie = response.headers.get('set-cookie');
    assert.match(cookie, /^__Host-segnala_staff=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=36000; HttpOnly; Secure; SameSite=Lax$/);
    assert.equal(response.body.user.role, 'administrator');
    assert.match(response.body.csrf_token, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(!JSON.stringify(response.body).includes('argon2'), 'the hash never leaves the store');
    assert.deepEqual(response.body.permissions, ['work_tickets', 'assign_colleagues', 'view_statistics', 'manage_staff', 'manage_configuration', 'transfer_data']);
  });

  test('a wrong password and an unknown account get the same answer', async () => {
    const wrong = await login('admin@comune.example.it', 'non è questa la password');
    const unknown = await login('nessuno@comune.example.it', 'non è questa la password');
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(wrong.body.error, 'invalid_credentials');
    const missing = await login('', '');
    assert.equal(missing.status, 422);
    assert.deepEqual(missing.body.fields.map((f) => f.field), ['email', 'password']);
  });

  test('five wrong passwords lock the account for fifteen minutes, even for the right password', async () => {
    await createStaff(admin, 'bersaglio@comune.example.it', 'operator', 'urp');
    for (let i = 0; i < 5; i++) {
      assert.equal((await login('bersaglio@comune.example.it', `tentativo sbagliato ${i}`)).status, 401);
    }
    const locked = await login('bersaglio@comune.example.it', PASSWORD);
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error, 'too_many_attempts');
    assert.ok(Number(locked.headers.get('retry-after')) > 800);
  });

  test('logging out ends the session', async () => {
    const session = await signIn(worker, 'admin@comune.example.it');
    assert.equal((await session.get('/api/v1/staff/session')).status, 200);
    const out = await session.delete('/api/v1/staff/session');
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
    assert.equal((await session.get('/api/v1/staff/session')).status, 401);
  });

  test('disabling an account ends its open sessions at once', async () => {
    const user = await createStaff(admin, 'uscente@comune.example.it', 'operator', 'strade-mobilita');
    const session = await signIn(worker, 'uscente@comune.example.it');
    assert.equal((await session.get('/api/v1/staff/tickets')).status, 200);
    const disabled = await admin.patch(`/api/v1/staff/users/${user.id}`, { active: false });
    assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
    const after = await session.get('/api/v1/staff/tickets');
    assert.equal(after.status, 401);
    assert.equal(after.body.error, 'session_ended');
    assert.equal((await login('uscente@comune.example.it', PASSWORD)).status, 401);
    const audit = await admin.get('/api/v1/staff/audit');
    assert.ok(audit.body.some((entry) => entry.action === 'change_user' && entry.subject === user.id && entry.detail.sessions_ended));
  });

  test('a change from another site is refused, whatever the session', async () => {
    const response = await admin.post(`/api/v1/staff/tickets/${ticketNumber}/actions`,
      { version: 1, action: 'internal_note', text: 'da un altro sito' },
      { Origin: 'https://attacker.example' });
    assert.equal(response.status, 403);
    assert.equal(response.body.error, 'cross_origin');
  });

  test('every staff route refuses anonymous callers, wrong roles and missing CSRF tokens', async () => {
    const routes = staffRoutes();
    assert.ok(routes.length >= 15, 'the table lists every route');
    const operator = await (async () => {
      await createStaff(admin, 'tabella@comune.example.it', 'operator', 'strade-mobilita');
      return signIn(worker, 'tabella@comune.example.it');
    })();
    const withoutCsrf = client(worker, operator.cookie, null, operator.user);
    const forged = client(worker, '__Host-segnala_staff=' + 'A'.repeat(43), 'x', null);
    const concrete = (route) => route.path
      .replace('{number}', ticketNumber)
      .replace('{position}', '1')
      .replace('{id}', operator.user.id);
    const send = (who, route) => {
      const body = route.method === 'GET' ? undefined : {};
      const path = concrete(route);
      switch (route.method) {
        case 'GET': return who.get(path);
        case 'POST': return who.post(path, body);
        case 'PATCH': return who.patch(path, body);
        case 'PUT': return who.put(path, body);
        case 'DELETE': return who.delete(path);
        default: throw new Error(route.method);
      }
    };
    const anonymous = client(worker, '', null, null);
    // Pages answer people, not scripts: a redirect to the sign-in page that brings them
    // back, or an error page for a role that may not see them.
    const openPage = (cookie, route) => fetch(`${worker.url}${concrete(route)}`, {
      redirect: 'manual', headers: cookie ? { Cookie: cookie } : {}, signal: AbortSignal.timeout(30_000),
    });
    const pages = routes.filter((route) => route.kind === 'page');
    assert.ok(pages.length >= 5, 'the table lists the dashboard pages');
    for (const route of pages) {
      const label = `page ${route.path}`;
      const path = concrete(route);
      if (route.access.kind === 'public') {
        assert.ok([200, 303].includes((await openPage(null, route)).status), `${label} is open to everyone`);
        continue;
      }
      for (const cookie of [null, forged.cookie]) {
        const response = await openPage(cookie, route);
        assert.equal(response.status, 303, `${label} with ${cookie ? 'a forged cookie' : 'no session'}`);
        const location = new URL(response.headers.get('location'));
        assert.equal(location.pathname, '/staff/accesso/', label);
        assert.equal(location.searchParams.get('next'), path, `${label} brings the user back`);
        assert.equal(response.headers.get('cache-control'), 'no-store');
      }
      const asOperator = await openPage(operator.cookie, route);
      if (route.access.permission === 'work_tickets') {
        assert.ok([200, 303].includes(asOperator.status), `${label} as an operator: ${asOperator.status}`);
      } else {
        assert.equal(asOperator.status, 403, `${label} as an operator`);
        assert.match(await asOperator.text(), /Accesso non consentito/);
      }
      const asAdmin = await openPage(admin.cookie, route);
      assert.ok([200, 303].includes(asAdmin.status), `${label} as an administrator: ${asAdmin.status}`);
      if (asAdmin.status === 200) {
        assert.match(asAdmin.headers.get('content-security-policy'), /script-src 'self';.*frame-ancestors 'none'/);
        assert.equal(asAdmin.headers.get('x-frame-options'), 'DENY');
      }
    }
    for (const route of routes.filter((r) => r.kind === 'api')) {
      const label = `${route.method} ${route.path}`;
      if (route.access.kind === 'public') {
        const response = await send(anonymous, route);
        assert.ok(response.status >= 400 && response.status < 500, `${label}: empty body is refused (${response.status})`);
        continue;
      }
      assert.equal((await send(anonymous, route)).status, 401, `${label} without a session`);
      assert.equal((await send(forged, route)).status, 401, `${label} with a forged cookie`);
      const operatorMay = route.access.permission === 'work_tickets';
      if (!operatorMay) {
        const refused = await send(operator, route);
        assert.equal(refused.status, 403, `${label} as an operator`);
        assert.equal(refused.body.error, 'forbidden');
      } else if (route.method !== 'GET') {
        const refused = await send(withoutCsrf, route);
        assert.equal(refused.status, 403, `${label} without the CSRF token`);
        assert.equal(refused.body.error, 'csrf_failed');
      }
    }
    const unknown = await operator.get('/api/v1/staff/nothing-here');
    assert.equal(unknown.status, 404);
    assert.equal((await operator.post('/api/v1/staff/tickets', {})).status, 405);
    // The page models are never served as they are, signed in or not.
    for (const model of ['/staff/scheda/', '/staff/non-consentito/', '/staff/nothing/']) {
      assert.equal((await openPage(admin.cookie, { path: model })).status, 404, model);
    }
  });

  test('signing in sends the user back where they were headed, never to another site', async () => {
    const open = (path, cookie) => fetch(`${worker.url}${path}`, {
      redirect: 'manual', headers: cookie ? { Cookie: cookie } : {}, signal: AbortSignal.timeout(30_000),
    });
    const back = await open('/staff/accesso/?next=' + encodeURIComponent('/staff/segnalazioni/?status=all'), admin.cookie);
    assert.equal(back.status, 303);
    assert.equal(new URL(back.headers.get('location')).pathname + new URL(back.headers.get('location')).search,
      '/staff/segnalazioni/?status=all');
    for (const next of ['https://evil.example/', '//evil.example/staff/', '/staff/../api/v1/staff/users']) {
      const response = await open('/staff/accesso/?next=' + encodeURIComponent(next), admin.cookie);
      const location = new URL(response.headers.get('location'));
      assert.equal(location.host, new URL(worker.url).host, next);
      assert.equal(location.pathname, '/staff/segnalazioni/', next);
    }
    const home = await open('/staff/', admin.cookie);
    assert.equal(new URL(home.headers.get('location')).pathname, '/staff/segnalazioni/');
    const badNumber = await open('/staff/segnalazioni/not-a-number', admin.cookie);
    assert.equal(badNumber.status, 404);
    // Without single sign-on configured, an Access header signs nobody in.
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k' })).toString('base64url');
    const claims = Buffer.from(JSON.stringify({ aud: ['x'], email: 'admin@comune.example.it', exp: 4102444800, iss: 'https://x' })).toString('base64url');
    const ignored = await fetch(`${worker.url}/staff/segnalazioni/`, {
      redirect: 'manual', headers: { 'Cf-Access-Jwt-Assertion': `${header}.${claims}.c2ln` },
    });
    assert.equal(new URL(ignored.headers.get('location')).pathname, '/staff/accesso/');
    assert.equal(ignored.headers.get('set-cookie'), null);
  });
});
