// Single sign-on behind Cloudflare Access against the real Worker: a valid Access token
// (signature checked against the team's published keys, audience, issuer and expiry
// checked) signs staff in to the account with its e-mail; anything else leads to the
// ordinary sign-in page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startWorker } from '../support/worker.mjs';
import { AUDIENCE, startAccessTeam } from '../support/access.mjs';
import { createStaff, json, setupAdministrator, signIn } from '../support/staff.mjs';

describe('single sign-on behind Cloudflare Access', () => {
  let worker, team;
  before(async () => {
    team = await startAccessTeam();
    worker = await startWorker({ vars: { ACCESS_TEAM_DOMAIN: team.teamDomain, ACCESS_AUD: AUDIENCE } });
    await setupAdministrator(worker);
    const admin = await signIn(worker, 'admin@comune.example.it');
    await createStaff(admin, 'operatore.strade@comune.example.it', 'operator', 'strade-mobilita');
    const disabled = await createStaff(admin, 'ex.dipendente@comune.example.it', 'operator', 'urp');
    assert.equal((await admin.patch(`/api/v1/staff/users/${disabled.id}`, { active: false })).status, 200);
  });
  after(async () => {
    await worker?.stop();
    await team?.stop();
  });

  const open = (path, headers = {}) => fetch(`${worker.url}${path}`, {
    redirect: 'manual', headers, signal: AbortSignal.timeout(30_000),
  });

  test('a valid token signs the staff member in and the page is asked again with the session', async () => {
    const token = team.token({ email: 'Operatore.Strade@comune.example.it' });
    const first = await open('/staff/segnalazioni/?status=all', { 'Cf-Access-Jwt-Assertion': token });
    assert.equal(first.status, 303);
    assert.equal(new URL(first.headers.get('location')).pathname + new URL(first.headers.get('location')).search,
      '/staff/segnalazioni/?status=all', 'the same page again');
    const cookie = first.headers.get('set-cookie').split(';')[0];
    assert.match(cookie, /^__Host-segnala_staff=/);
    const page = await open('/staff/segnalazioni/?status=all', { Cookie: cookie, 'Cf-Access-Jwt-Assertion': token });
    assert.equal(page.status, 200);
    const session = await json(`${worker.url}/api/v1/staff/session`, { headers: { Cookie: cookie } });
    assert.equal(session.body.user.email, 'operatore.strade@comune.example.it');
    // Access also sets the token as a cookie; that works the same way.
    const byCookie = await open('/staff/accesso/', { Cookie: `CF_Authorization=${token}` });
    assert.equal(byCookie.status, 303);
    assert.match(byCookie.headers.get('set-cookie'), /__Host-segnala_staff=/);
  });

  test('signing out also ends the Access session, so the next page does not sign in again', async () => {
    const response = await open('/staff/uscita/');
    assert.equal(response.status, 303);
    assert.equal(new URL(response.headers.get('location')).pathname, '/cdn-cgi/access/logout');
  });

  test('the sign-in is recorded in the audit log as made through Access', async () => {
    const token = team.token({ email: 'admin@comune.example.it' });
    const first = await open('/staff/registro/', { 'Cf-Access-Jwt-Assertion': token });
    const cookie = first.headers.get('set-cookie').split(';')[0];
    const log = await json(`${worker.url}/api/v1/staff/audit`, { headers: { Cookie: cookie } });
    assert.equal(log.status, 200);
    assert.equal(log.body[0].action, 'login');
    assert.equal(log.body[0].detail.method, 'cloudflare_access');
  });

  test('forged, foreign, expired and unmatched tokens lead to the ordinary sign-in page', async () => {
    const stranger = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const email = 'operatore.strade@comune.example.it';
    const now = Math.floor(Date.now() / 1000);
    const refused = {
      'signed with another key': team.token({ email, key: stranger }),
      'for another application': team.token({ email, claims: { aud: ['another-app'] } }),
      'from another team': team.token({ email, claims: { iss: 'https://attacker.cloudflareaccess.com' } }),
      expired: team.token({ email, claims: { exp: now - 3600, nbf: now - 7200 } }),
      'with an unknown key id': team.token({ email, header: { kid: 'unknown' } }),
      'with alg none': team.token({ email, header: { alg: 'none' } }).replace(/\.[^.]+$/, '.'),
      'for an unknown e-mail': team.token({ email: 'nessuno@comune.example.it' }),
      'for a disabled account': team.token({ email: 'ex.dipendente@comune.example.it' }),
      'tampered with': (() => {
        const [head, , signature] = team.token({ email: 'operatore.strade@comune.example.it' }).split('.');
        const body = Buffer.from(JSON.stringify({ aud: [AUDIENCE], email: 'admin@comune.example.it', exp: now + 600, iss: team.teamDomain })).toString('base64url');
        return `${head}.${body}.${signature}`;
      })(),
      'not a token': 'garbage',
    };
    for (const [label, token] of Object.entries(refused)) {
      const response = await open('/staff/segnalazioni/', { 'Cf-Access-Jwt-Assertion': token });
      assert.equal(response.status, 303, label);
      assert.equal(new URL(response.headers.get('location')).pathname, '/staff/accesso/', label);
      assert.equal(response.headers.get('set-cookie'), null, `${label}: no session`);
    }
    // Each refused token differs from the accepted one of the first test in one respect
    // only, so each check (signature included) is proven to refuse on its own.
    assert.ok(team.certRequests() <= 3, `the team's keys are cached (${team.certRequests()} fetches)`);
  });
});
