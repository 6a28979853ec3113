// Abuse protection against the real Worker: rate limits on new reports per network
// address and per e-mail address, on follow-ups per tracking link, and the optional
// Cloudflare Turnstile check (against a local stand-in of its verification endpoint).
// Locally, wrangler sets CF-Connecting-IP from the connection unless the request has one,
// so each test plays several citizens by sending it; Cloudflare itself replaces it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { fixture, multipart, pothole, postJson, potholeFields, send, sequenceOf, storedPhotoBlobs } from '../support/demo.mjs';
import { setupAdministrator, signIn } from '../support/staff.mjs';
import { SECRET, startTurnstile } from '../support/turnstile.mjs';

const figures = { sent: 0, accepted: 0, refused429: 0, refused422: 0, unavailable503: 0, other: 0 };
function count(status) {
  figures.sent += 1;
  if (status === 200 || status === 201 || status === 303) figures.accepted += 1;
  else if (status === 429) figures.refused429 += 1;
  else if (status === 422) figures.refused422 += 1;
  else if (status === 503) figures.unavailable503 += 1;
  else figures.other += 1;
  return status;
}

async function publish(admin, change, note) {
  const current = (await admin.get('/api/v1/staff/configuration')).body;
  const config = structuredClone(current.config);
  change(config);
  const saved = await admin.post('/api/v1/staff/configuration/versions', { config, note, based_on: current.version });
  assert.equal(saved.status, 201, JSON.stringify(saved.body));
}

const from = (address) => ({ 'CF-Connecting-IP': address });

describe('rate limits', () => {
  let worker, admin;
  before(async () => {
    worker = await startWorker();
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    await publish(admin, (config) => {
      config.abuse = {
        reports_per_address_per_hour: 3, reports_per_address_per_day: 5,
        reports_per_email_per_day: 4, actions_per_report_per_hour: 2,
      };
    }, 'Limiti bassi per la prova');
  });
  after(async () => { await worker?.stop(); });

  const file = async (address, overrides = {}, headers = {}) => {
    const answer = await postJson(`${worker.url}/api/v1/reports`, pothole(overrides), { ...from(address), ...headers });
    count(answer.status);
    return answer;
  };

  test('reports beyond the hourly limit of one address are refused with 429 and store nothing', async () => {
    const address = '203.0.113.10';
    const accepted = [];
    for (let i = 0; i < 3; i++) {
      const answer = await file(address, { reporter: { email: `cittadino${i}@example.it` } }, { 'Idempotency-Key': `rate-limit-test-${i}` });
      assert.equal(answer.status, 201, answer.text);
      accepted.push(answer.json);
    }
    const refused = await file(address, { reporter: { email: 'altro@example.it' } });
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.json.error, 'rate_limited');
    assert.equal(refused.json.limit, 'reports_from_address');
    assert.match(refused.json.message, /connection/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 3000 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    assert.equal(refused.json.retry_after_seconds, retryAfter);

    // With photos, the refusal comes before any photo is written.
    const photosBefore = storedPhotoBlobs(worker.stateDir).length;
    const withPhoto = await send(`${worker.url}/api/v1/reports`,
      multipart(potholeFields({ email: 'foto@example.it' }), [['buca.jpg', fixture('plain.jpg'), 'image/jpeg']]),
      { ...from(address), Accept: 'application/json' });
    count(withPhoto.status);
    assert.equal(withPhoto.status, 429, withPhoto.text);
    assert.equal(storedPhotoBlobs(worker.stateDir).length, photosBefore);

    // A retry of an accepted report still finds its ticket: it counts nothing.
    const retry = await file(address, { reporter: { email: 'cittadino0@example.it' } }, { 'Idempotency-Key': 'rate-limit-test-0' });
    assert.equal(retry.status, 200, retry.text);
    assert.equal(retry.json.public_number, accepted[0].public_number);

    // Another address is not held back, and the numbering has no gap.
    const other = await file('203.0.113.11', { reporter: { email: 'vicina@example.it' } });
    assert.equal(other.status, 201, other.text);
    assert.equal(sequenceOf(other.json.public_number), sequenceOf(accepted[2].public_number) + 1);
  });

  test('the form without JavaScript says in words that the limit was reached', async () => {
    const page = await send(`${worker.url}/segnala/invia`, multipart(potholeFields({ email: 'form@example.it' })), from('203.0.113.10'));
    count(page.status);
    assert.equal(page.status, 429);
    assert.match(page.headers.get('content-type'), /text\/html/);
    assert.ok(Number(page.headers.get('retry-after')) > 0);
    assert.match(page.text, /troppe segnalazioni da questa connessione/);
    // What was typed is kept for later.
    assert.match(page.text, /Buca profonda sulla carreggiata/);
  });

  test('reports signed with one e-mail address are limited per day whatever the address', async () => {
    const email = 'stessa.persona@example.it';
    for (let i = 0; i < 4; i++) {
      const answer = await file(`198.51.100.${i + 1}`, { reporter: { email } });
      assert.equal(answer.status, 201, answer.text);
    }
    const refused = await file('198.51.100.99', { reporter: { email: 'Stessa.Persona@Example.it' } });
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.json.limit, 'reports_from_email');
  });

  test('follow-ups through one tracking link are limited per hour, with a readable page', async () => {
    const report = (await file('192.0.2.50', { reporter: { email: 'segue@example.it' } })).json;
    const message = (text) => send(`${worker.url}/api/v1/reports/${report.tracking_token}/messages`,
      multipart({ text }), { Accept: 'application/json' });
    for (const text of ['Primo messaggio', 'Secondo messaggio']) {
      const sent = await message(text);
      count(sent.status);
      assert.equal(sent.status, 201, sent.text);
    }
    const refused = await message('Terzo messaggio');
    count(refused.status);
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.json.limit, 'actions_on_report');

    const page = await send(`${worker.url}/segnalazione/${report.tracking_token}/messaggio`,
      multipart({ text: 'Dalla pagina' }), { Origin: worker.url });
    count(page.status);
    assert.equal(page.status, 429, page.text.slice(0, 300));
    assert.match(page.text, /troppi messaggi su questa segnalazione/);

    const view = await (await fetch(`${worker.url}/api/v1/reports/${report.tracking_token}`)).json();
    const notes = JSON.stringify(view.history);
    assert.ok(notes.includes('Secondo messaggio') && !notes.includes('Terzo messaggio'), notes);
  });
});

describe('Turnstile on the report form', () => {
  let worker, admin, turnstile;
  before(async () => {
    turnstile = await startTurnstile();
    worker = await startWorker({
      vars: { TURNSTILE_SECRET: SECRET, TURNSTILE_VERIFY_URL: turnstile.verifyUrl, TURNSTILE_SCRIPT_URL: turnstile.scriptUrl },
    });
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    await publish(admin, (config) => {
      config.abuse = { ...(config.abuse ?? {}), turnstile: { site_key: '0x4AAAAAAAlocal-test' } };
    }, 'Controllo anti-spam');
  });
  after(async () => { await worker?.stop(); await turnstile?.close(); });

  const file = async (headers = {}, overrides = {}) => {
    const answer = await postJson(`${worker.url}/api/v1/reports`, pothole(overrides), headers);
    count(answer.status);
    return answer;
  };

  test('the public configuration tells clients how to draw the widget, and pages allow its script', async () => {
    const config = await (await fetch(`${worker.url}/api/v1/config`)).json();
    assert.deepEqual(config.turnstile, { site_key: '0x4AAAAAAAlocal-test', script_url: turnstile.scriptUrl });
    assert.equal(JSON.stringify(config).includes('siteverify'), false, 'the verification URL stays private');
    const page = await fetch(`${worker.url}/segnala/`);
    const policy = page.headers.get('content-security-policy');
    assert.ok(policy.includes(`script-src 'self' ${turnstile.url};`), policy);
    assert.ok(policy.includes(`frame-src ${turnstile.url};`), policy);
  });

  test('a report without a token is refused on the turnstile field with the others, and nothing is asked', async () => {
    const asked = turnstile.verifications.length;
    const refused = await file({}, { description: 'corta' });
    assert.equal(refused.status, 422, refused.text);
    const fields = refused.json.fields.map((f) => `${f.field}:${f.code}`);
    assert.ok(fields.includes('turnstile:required'), fields.join());
    assert.ok(fields.includes('description:too_short'), fields.join());
    assert.equal(turnstile.verifications.length, asked);
  });

  test('a verified token files the report once; the same token again, or a forged one, is refused', async () => {
    const token = turnstile.token();
    const first = await file({ 'CF-Turnstile-Response': token, 'CF-Connecting-IP': '203.0.113.77' });
    assert.equal(first.status, 201, first.text);
    const asked = turnstile.verifications.at(-1);
    assert.equal(asked.token, token);
    assert.equal(asked.secret, SECRET);
    assert.equal(asked.remoteip, '203.0.113.77');

    const again = await file({ 'CF-Turnstile-Response': token }, { description: 'Un altro problema, stessa prova anti-spam' });
    assert.equal(again.status, 422, again.text);
    assert.deepEqual(again.json.fields.map((f) => `${f.field}:${f.code}`), ['turnstile:turnstile_failed']);
    const forged = await file({ 'CF-Turnstile-Response': 'forged-token' });
    assert.equal(forged.status, 422);

    // Multipart posts carry it as the widget's own field.
    const form = await send(`${worker.url}/api/v1/reports`,
      multipart({ ...potholeFields({ description: 'Segnalazione dal modulo con la prova' }), 'cf-turnstile-response': turnstile.token() }),
      { Accept: 'application/json' });
    count(form.status);
    assert.equal(form.status, 201, form.text);
    assert.equal(sequenceOf(form.json.public_number), sequenceOf(first.json.public_number) + 1);
  });

  test('when the verification endpoint fails the report is not filed and the citizen is told to retry', async () => {
    turnstile.setDown(true);
    try {
      const refused = await file({ 'CF-Turnstile-Response': turnstile.token() });
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.json.error, 'verification_unavailable');
      const page = await send(`${worker.url}/segnala/invia`,
        multipart({ ...potholeFields(), 'cf-turnstile-response': turnstile.token() }));
      count(page.status);
      assert.equal(page.status, 503);
      assert.match(page.text, /controllo anti-spam/);
    } finally {
      turnstile.setDown(false);
    }
    const after = await file({ 'CF-Turnstile-Response': turnstile.token() });
    assert.equal(after.status, 201, after.text);
  });

  test('prints its figures', () => {
    console.log(`abuse: ${figures.sent} requests sent, ${figures.accepted} accepted, ${figures.refused429} refused 429, `
      + `${figures.refused422} refused 422, ${figures.unavailable503} answered 503, ${figures.other} other`);
    assert.equal(figures.other, 0);
  });
});
