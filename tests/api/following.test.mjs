// Following a public report against the real Worker: anyone asks with an address, gets a
// confirmation link, and once confirmed hears of each change of status (never the office's
// words nor the reporter's details), with List-Unsubscribe one-click headers; unsubscribing
// by the one-click POST erases the address. The report form's nearby suggestions and the
// public page (which works without JavaScript) use only what open data publishes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { pothole, postJson } from '../support/demo.mjs';
import { createStaff, setupAdministrator, signIn } from '../support/staff.mjs';

describe('following a report', () => {
  let worker, operator;
  before(async () => {
    worker = await startWorker();
    await setupAdministrator(worker);
    const admin = await signIn(worker, 'admin@comune.example.it');
    await createStaff(admin, 'operatore.strade@comune.example.it', 'operator', 'strade-mobilita');
    operator = await signIn(worker, 'operatore.strade@comune.example.it');
  });
  after(async () => { await worker?.stop(); });

  const file = async (overrides = {}) => {
    const created = await postJson(`${worker.url}/api/v1/reports`, pothole({ description: `Buca ${Math.random()}`, ...overrides }));
    assert.equal(created.status, 201, created.text);
    return created.json;
  };
  const work = async (report, ...commands) => {
    for (const command of commands) {
      const { version } = (await operator.get(`/api/v1/staff/tickets/${report.public_number}`)).body;
      const done = await operator.post(`/api/v1/staff/tickets/${report.public_number}/actions`, { version, ...command });
      assert.equal(done.status, 200, JSON.stringify(done.body));
    }
  };
  const followApi = (number, body, headers) => postJson(`${worker.url}/api/v1/public-reports/${number}/subscriptions`, body, headers);
  const mailTo = async (address, count, match = () => true) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = worker.mail.messages().filter((m) => m.to.includes(address) && match(m));
      if (found.length >= count || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const linkIn = (message, pattern) => {
    const found = message.text.match(pattern);
    assert.ok(found, message.text);
    return new URL(found[0]).pathname;
  };

  test('a confirmed follower hears of each change of status, without the office\'s words, and one click ends it', async () => {
    const report = await file();
    const asked = await followApi(report.public_number, { email: 'Carla.Verdi@example.org', language: 'it' });
    assert.equal(asked.status, 202, asked.text);
    assert.equal(asked.json.status, 'confirmation_sent');
    const [confirmation] = await mailTo('carla.verdi@example.org', 1);
    assert.match(confirmation.subject, new RegExp(report.public_number));
    assert.deepEqual(confirmation.headers, {}, 'no unsubscribe header before there is anything to stop');
    await work(report, { action: 'take_in_charge', reply: 'Arriviamo domani' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal((await mailTo('carla.verdi@example.org', 1)).length, 1, 'nothing before the address is confirmed');

    const confirmLink = `${worker.url}${linkIn(confirmation, /http\S+\/conferma/)}`;
    const opened = await fetch(confirmLink);
    assert.equal(opened.status, 200);
    assert.equal(opened.headers.get('cache-control'), 'private, no-store');
    const askPage = await opened.text();
    assert.match(askPage, /data-slot="sub-confirm"(?![^>]*hidden)/, 'opening the link shows the button');
    assert.doesNotMatch(askPage, /data-slot="sub-confirmed"(?![^>]*hidden)/);
    const confirmPage = await fetch(confirmLink, { method: 'POST' });
    assert.equal(confirmPage.status, 200);
    assert.equal(confirmPage.headers.get('cache-control'), 'private, no-store');
    assert.match(await confirmPage.text(), /Indirizzo confermato/);
    assert.match(await (await fetch(confirmLink)).text(), /data-slot="sub-confirmed"(?![^>]*hidden)/, 'once confirmed, the link says so');

    await work(report, { action: 'resolve', answer: 'Buca chiusa, grazie Mario Rossi' });
    const [, step] = await mailTo('carla.verdi@example.org', 2);
    assert.match(step.subject, /risolta/);
    for (const secret of ['Buca chiusa', 'Mario', 'mario.rossi@example.it', report.tracking_token]) {
      assert.ok(!step.text.includes(secret) && !step.html.includes(secret), secret);
    }
    const unsubscribe = step.headers['List-Unsubscribe'];
    assert.match(unsubscribe, /^<http:\/\/127\.0\.0\.1:\d+\/segui\/[a-z2-7]{26}\/disiscriviti>$/);
    assert.equal(step.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
    assert.ok(step.text.includes(unsubscribe.slice(1, -1)), 'the link is in the text too');

    // A mail client's one-click request: a POST with no origin, as RFC 8058 describes.
    const path = new URL(unsubscribe.slice(1, -1)).pathname;
    const clicked = await fetch(`${worker.url}${path}`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click',
    });
    assert.equal(clicked.status, 200);
    assert.match(await clicked.text(), /Il tuo indirizzo è stato cancellato/);
    const again = await fetch(`${worker.url}${path}`, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    assert.equal(again.status, 200, 'a second click changes nothing');
    const reopened = await postJson(`${worker.url}/api/v1/reports/${report.tracking_token}/not-solved`, { reason: 'La buca è ancora lì' });
    assert.equal(reopened.status, 201, reopened.text);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal((await mailTo('carla.verdi@example.org', 2)).length, 2, 'nothing after unsubscribing');
    const staffView = (await operator.get(`/api/v1/staff/tickets/${report.public_number}`)).body;
    assert.ok(!JSON.stringify(staffView).includes('carla.verdi'), 'staff never see a follower\'s address');
  });

  test('bad requests are refused with the field named, closed reports with the reason, and other sites not at all', async () => {
    const report = await file();
    const missing = await followApi(report.public_number, { language: 'it' });
    assert.equal(missing.status, 422);
    assert.deepEqual(missing.json.fields.map((f) => [f.field, f.code]), [['email', 'required']]);
    const malformed = await followApi(report.public_number, { email: 'carla@gmail', language: 'fr' });
    assert.deepEqual(malformed.json.fields.map((f) => f.field), ['email', 'language']);
    const unknownField = await followApi(report.public_number, { email: 'a@example.org', mail: 'x' });
    assert.equal(unknownField.status, 422);
    assert.equal((await followApi('2026-999999', { email: 'a@example.org' })).status, 404);
    assert.equal((await followApi('nonsense', { email: 'a@example.org' })).status, 404);
    const foreign = await followApi(report.public_number, { email: 'a@example.org' }, { Origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    await work(report, { action: 'reject', reason: 'not_competent', explanation: 'Strada provinciale' });
    const closed = await followApi(report.public_number, { email: 'a@example.org' });
    assert.equal(closed.status, 409);
    assert.equal(closed.json.error, 'closed');
  });

  test('one address is sent at most five confirmations a day', async () => {
    const reports = [];
    for (let i = 0; i < 6; i += 1) reports.push(await file());
    for (const report of reports.slice(0, 5)) {
      assert.equal((await followApi(report.public_number, { email: 'flooded@example.org' })).status, 202);
    }
    const sixth = await followApi(reports[5].public_number, { email: 'flooded@example.org' });
    assert.equal(sixth.status, 429);
    assert.equal(sixth.json.error, 'too_many_today');
    await mailTo('flooded@example.org', 5);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(worker.mail.messages().filter((m) => m.to.includes('flooded@example.org')).length, 5);
  });

  test('the form\'s suggestions are open reports of the topic nearby, with only what open data publishes', async () => {
    const here = { lat: 45.7010, lon: 9.6800 };
    const near = await file({ location: { lat: 45.7012, lon: 9.6801 } });
    await file({ category: 'segnaletica', location: here });
    await file({ location: { lat: 45.7100, lon: 9.6800 } });
    const suggestions = await fetch(`${worker.url}/api/v1/reports/nearby?category=buche-stradali&lat=${here.lat}&lon=${here.lon}`);
    assert.equal(suggestions.status, 200);
    const { reports } = await suggestions.json();
    assert.deepEqual(reports.map((r) => r.number), [near.public_number]);
    assert.equal(reports[0].path, `/segnalazioni/${near.public_number}`);
    assert.ok(reports[0].metres <= 150);
    const text = JSON.stringify(reports);
    for (const secret of ['Mario', 'mario.rossi', 'Via Borgo Palazzo', near.tracking_token]) assert.ok(!text.includes(secret), secret);
    const bad = await fetch(`${worker.url}/api/v1/reports/nearby?category=nope&lat=x`);
    assert.equal(bad.status, 400);
    assert.deepEqual((await bad.json()).fields.map((f) => f.field), ['category', 'lat', 'lon']);
  });

  test('the public page shows the record and its form follows the report without JavaScript', async () => {
    const report = await file();
    const page = await fetch(`${worker.url}/segnalazioni/${report.public_number}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, new RegExp(`Segnalazione <span data-slot="number">${report.public_number}`));
    assert.match(html, /Ricevuta/);
    for (const secret of ['Mario', 'Via Borgo Palazzo', report.tracking_token, 'Buca 0.']) assert.ok(!html.includes(secret), secret);
    const post = (body, headers = {}) => fetch(`${worker.url}/segnalazioni/${report.public_number}/segui`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: worker.url, ...headers }, body,
    });
    const refused = await post('email=not-an-address');
    assert.equal(refused.status, 400);
    const refusedHtml = await refused.text();
    assert.match(refusedHtml, /aria-invalid="true"/);
    assert.match(refusedHtml, /value="not-an-address"/);
    assert.match(refusedHtml, /L'indirizzo email non è valido/);
    const sent = await post('email=dario%40example.org&language=it');
    assert.equal(sent.status, 200);
    assert.match(await sent.text(), /Controlla la tua casella email/);
    assert.equal((await mailTo('dario@example.org', 1)).length, 1);
    assert.equal((await post('email=dario%40example.org', { Origin: 'https://evil.example' })).status, 403);
    const english = await fetch(`${worker.url}/en/public-reports/${report.public_number}`);
    assert.match(await english.text(), /Follow this report/);
    assert.equal((await fetch(`${worker.url}/segnalazioni/2026-999999`)).status, 404);
    assert.equal((await fetch(`${worker.url}/segui/${'a'.repeat(26)}/conferma`)).status, 404);
    assert.equal((await fetch(`${worker.url}/segui/${'a'.repeat(26)}/conferma`, { method: 'POST' })).status, 404);
  });
});
