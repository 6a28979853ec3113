// "My reports" against the real Worker: a one-time sign-in link by e-mail (only to an
// address that left a report; once; until it expires; never a wrong one), then the
// citizen's own reports and nothing of anyone else's, their data as a download, and the
// erasure of their personal data, which leaves the reports anonymised. Links last two
// seconds here (SIGN_IN_LINK_SECONDS) so expiry is tested for real.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { pothole, postJson } from '../support/demo.mjs';
import { createStaff, setupAdministrator, signIn } from '../support/staff.mjs';

describe('my reports', () => {
  let worker, operator;
  before(async () => {
    worker = await startWorker({ vars: { SIGN_IN_LINK_SECONDS: '4' } });
    await setupAdministrator(worker);
    const admin = await signIn(worker, 'admin@comune.example.it');
    await createStaff(admin, 'operatore.strade@comune.example.it', 'operator', 'strade-mobilita');
    operator = await signIn(worker, 'operatore.strade@comune.example.it');
  });
  after(async () => { await worker?.stop(); });

  const file = async (email, name = 'Lucia Neri') => {
    const created = await postJson(`${worker.url}/api/v1/reports`, pothole({
      description: `Buca ${Math.random()}`, reporter: { name, email },
    }));
    assert.equal(created.status, 201, created.text);
    return created.json;
  };
  const askLink = (email) => postJson(`${worker.url}/api/v1/citizen/sign-in`, { email, language: 'it' });
  const linkFor = async (email, count) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = worker.mail.messages().filter((m) => m.to.includes(email) && /accesso\//.test(m.text));
      if (found.length >= count || Date.now() > deadline) {
        assert.ok(found.length >= count, `no sign-in link for ${email}`);
        return found[count - 1].text.match(/\/le-mie-segnalazioni\/accesso\/([a-z2-7]{26})/)[1];
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const session = async (link) => {
    const response = await postJson(`${worker.url}/api/v1/citizen/session`, { link });
    const cookie = response.headers?.get?.('set-cookie') ?? null;
    return { ...response, cookie };
  };
  const withCookie = (cookie) => ({ Cookie: cookie.split(';')[0] });

  test('a link signs in once, shows only the citizen\'s own reports, and a used, wrong or expired one does not', async () => {
    const first = await file('Lucia.Neri@example.org');
    const second = await file('lucia.neri@example.org');
    const other = await file('paolo@example.org', 'Paolo Gialli');
    const asked = await askLink('lucia.neri@example.org');
    assert.equal(asked.status, 202, asked.text);
    const link = await linkFor('lucia.neri@example.org', 1);

    const signedIn = await session(link);
    assert.equal(signedIn.status, 200, signedIn.text);
    assert.match(signedIn.cookie, /^__Host-segnala_citizen=[\w-]{43}; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Lax$/);
    const mine = await fetch(`${worker.url}/api/v1/citizen/reports`, { headers: withCookie(signedIn.cookie) });
    assert.equal(mine.status, 200);
    const body = await mine.json();
    assert.deepEqual(body.reports.map((r) => r.public_number), [second.public_number, first.public_number]);
    assert.equal(body.reports[0].tracking_path, `/segnalazione/${second.tracking_token}`);
    assert.ok(!JSON.stringify(body).includes(other.tracking_token), 'never another citizen\'s report');

    assert.equal((await session(link)).status, 401, 'a link works once');
    assert.equal((await session(link)).json.error, 'used_link');
    assert.equal((await session('a'.repeat(26))).json.error, 'unknown_link');
    assert.equal((await session('not-a-link')).status, 401);
    assert.equal((await fetch(`${worker.url}/api/v1/citizen/reports`)).status, 401, 'no session, no reports');
    const forged = await fetch(`${worker.url}/api/v1/citizen/reports`, { headers: { Cookie: `__Host-segnala_citizen=${'x'.repeat(43)}` } });
    assert.equal(forged.status, 401);

    await askLink('lucia.neri@example.org');
    const late = await linkFor('lucia.neri@example.org', 2);
    await new Promise((resolve) => setTimeout(resolve, 4500));
    assert.equal((await session(late)).json.error, 'expired_link');
  });

  test('an address that left no report gets the same answer and no e-mail; bad input is named', async () => {
    const before = worker.mail.messages().length;
    const asked = await askLink('stranger@example.org');
    assert.equal(asked.status, 202);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(worker.mail.messages().slice(before).filter((m) => m.to.includes('stranger@example.org')).length, 0);
    const bad = await askLink('stranger@');
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.json.fields.map((f) => f.field), ['email']);
    const foreign = await postJson(`${worker.url}/api/v1/citizen/sign-in`, { email: 'x@example.org' }, { Origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
  });

  test('an address that reported and one that never did are answered alike, even at the daily limit', async () => {
    await file('paola@example.org');
    const answers = async (email) => {
      const statuses = [];
      for (let i = 0; i < 6; i += 1) statuses.push((await askLink(email)).status);
      return statuses;
    };
    const reported = await answers('paola@example.org');
    const never = await answers('mai.segnalato@example.org');
    assert.deepEqual(reported, [202, 202, 202, 202, 202, 429]);
    assert.deepEqual(never, reported, 'a refusal tells nothing about who has reported');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(worker.mail.messages().filter((m) => m.to.includes('mai.segnalato@example.org')).length, 0);
  });

  test('the citizen downloads their data and erases it: the reports stay, anonymised, and staff see no address', async () => {
    const report = await file('marta@example.org', 'Marta Blu');
    await askLink('marta@example.org');
    const signedIn = await session(await linkFor('marta@example.org', 1));
    const headers = withCookie(signedIn.cookie);
    const data = await fetch(`${worker.url}/api/v1/citizen/data`, { headers });
    assert.equal(data.status, 200);
    assert.match(data.headers.get('content-disposition'), /attachment/);
    const json = await data.json();
    assert.equal(json.format, 'segnala-citizen-data/1');
    assert.equal(json.reports[0].reporter.name, 'Marta Blu');
    assert.equal(json.reports[0].report.public_number, report.public_number);

    const unconfirmed = await postJson(`${worker.url}/api/v1/citizen/erase`, { confirm: false }, headers);
    assert.equal(unconfirmed.status, 422);
    const erased = await postJson(`${worker.url}/api/v1/citizen/erase`, { confirm: true }, headers);
    assert.equal(erased.status, 200, erased.text);
    assert.equal(erased.json.erased_reports, 1);
    assert.equal((await fetch(`${worker.url}/api/v1/citizen/reports`, { headers })).status, 401, 'the session ended');
    const staffView = (await operator.get(`/api/v1/staff/tickets/${report.public_number}`)).body;
    assert.ok(!JSON.stringify(staffView).includes('marta@example.org'));
    assert.ok(!JSON.stringify(staffView).includes('Marta Blu'));
    const tracking = await fetch(`${worker.url}/api/v1/reports/${report.tracking_token}`);
    assert.equal(tracking.status, 200, 'the report stays');
    const before = worker.mail.messages().length;
    const { version } = staffView;
    await operator.post(`/api/v1/staff/tickets/${report.public_number}/actions`, { version, action: 'take_in_charge' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok(!worker.mail.messages().slice(before).some((m) => m.to.includes('marta@example.org')), 'no e-mail after erasure');
    await askLink('marta@example.org');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(worker.mail.messages().filter((m) => m.to.includes('marta@example.org') && /accesso\//.test(m.text)).length, 1, 'no report left to sign in to');
  });
});
