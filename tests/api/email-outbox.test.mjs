// E-mail through the outbox, end to end: the real Worker (wrangler dev) puts what each
// write owes on its local Queue, consumes it, renders in the Durable Object and sends
// through the Resend API of a local mail sink, which keeps what it got. Retries are
// shortened to 1 s, 2 s, 4 s... (MAIL_RETRY_SECONDS=1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startWorker } from '../support/worker.mjs';
import { eventually } from '../support/load.mjs';
import { startMailSink } from '../../scripts/mail-sink.mjs';
import { demoConfig, pothole, postJson } from '../support/demo.mjs';
import { createStaff, setupAdministrator, signIn } from '../support/staff.mjs';

const ROADS = 'strade-mobilita';
const ROADS_MAILBOX = demoConfig.offices.find((o) => o.id === ROADS).email;
const OLD_TOWN_MAILBOX = demoConfig.offices.find((o) => o.id === 'centro-storico').email;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until the sink holds `count` messages, then a little more for extras. */
async function messagesOnceSettled(sink, count, { within = 60_000, settle = 2_000 } = {}) {
  const deadline = Date.now() + within;
  while (sink.messages().length < count && Date.now() < deadline) await sleep(250);
  await sleep(settle);
  return sink.messages();
}

/** (recipient, subject) pairs, sorted, for comparing what was sent with what was owed. */
const sent = (messages) => messages.map((m) => `${m.to.join(',')} | ${m.subject}`).sort();

async function staffOf(worker) {
  await setupAdministrator(worker);
  const admin = await signIn(worker, 'admin@comune.example.it');
  await createStaff(admin, 'operatore.strade@comune.example.it', 'operator', ROADS);
  const operator = await signIn(worker, 'operatore.strade@comune.example.it');
  const work = async (report, commands) => {
    let version = (await operator.get(`/api/v1/staff/tickets/${report.public_number}`)).body.version;
    for (const command of commands) {
      const response = await operator.post(`/api/v1/staff/tickets/${report.public_number}/actions`, { version, ...command });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      version = response.body.version;
    }
  };
  return { admin, operator, work };
}

const file = async (worker, overrides) => {
  const response = await postJson(`${worker.url}/api/v1/reports`, pothole(overrides));
  assert.equal(response.status, 201, response.text);
  return response.json;
};

describe('e-mail to citizens and offices', () => {
  let worker, staff;
  before(async () => {
    worker = await startWorker();
    staff = await staffOf(worker);
  });
  after(async () => { await worker?.stop(); });

  test('every public step reaches the reporter and the duplicate\'s reporter once, offices hear of new and passed tickets, internal steps send nothing', async () => {
    const original = await file(worker);
    const repeat = await file(worker, {
      description: 'La stessa buca, ancora aperta',
      reporter: { name: 'Luisa Bianchi', email: 'luisa.bianchi@example.it' },
      language: 'en',
    });
    const anonymous = await file(worker, { reporter: {}, description: 'Tombino rumoroso in via Roma' });
    await staff.work(repeat, [{ action: 'mark_duplicate', of: original.public_number }]);
    await staff.work(original, [
      { action: 'take_in_charge' },
      { action: 'internal_note', text: 'chiamare la ditta' },
      { action: 'set_priority', priority: 'high' },
      { action: 'resolve', answer: 'Buca chiusa con asfalto a freddo.' },
    ]);
    await staff.work(anonymous, [{ action: 'reassign', office: 'centro-storico', reason: 'È in Città Alta.' }]);
    const [o, r, a] = [original.public_number, repeat.public_number, anonymous.public_number];
    const name = demoConfig.name;
    const owed = [
      `mario.rossi@example.it | Segnalazione ${o}: ricevuta · ${name}`,
      `mario.rossi@example.it | Segnalazione ${o}: presa in carico · ${name}`,
      `mario.rossi@example.it | Segnalazione ${o}: risolta · ${name}`,
      `luisa.bianchi@example.it | Report ${r}: received · ${name}`,
      `luisa.bianchi@example.it | Report ${r}: merged with an identical report · ${name}`,
      `luisa.bianchi@example.it | Report ${r}: taken in charge · ${name}`,
      `luisa.bianchi@example.it | Report ${r}: resolved · ${name}`,
      `${ROADS_MAILBOX} | Nuova segnalazione ${o} per il vostro ufficio · ${name}`,
      `${ROADS_MAILBOX} | Nuova segnalazione ${r} per il vostro ufficio · ${name}`,
      `${ROADS_MAILBOX} | Nuova segnalazione ${a} per il vostro ufficio · ${name}`,
      `${OLD_TOWN_MAILBOX} | Segnalazione ${a} passata al vostro ufficio · ${name}`,
    ].sort();
    const messages = await messagesOnceSettled(worker.mail, owed.length);
    assert.deepEqual(sent(messages), owed);
    const resolved = messages.find((m) => m.subject.startsWith(`Segnalazione ${o}: risolta`));
    assert.match(resolved.text, /Buca chiusa con asfalto a freddo\./);
    assert.match(resolved.html, /^<!doctype html>/);
    assert.equal(resolved.from, `"${demoConfig.mail.from_name}" <${demoConfig.mail.from_address}>`);
    assert.equal(resolved.reply_to, demoConfig.mail.reply_to);
    assert.equal(new Set(messages.map((m) => m.idempotency_key)).size, messages.length);
    assert.ok(messages.every((m) => !/chiamare la ditta/.test(m.text)), 'internal notes stay inside');
  });

  test('staff see every e-mail about a ticket and how its delivery went', async () => {
    const report = await file(worker, { description: 'Segnaletica orizzontale cancellata' });
    await messagesOnceSettled(worker.mail, worker.mail.messages().length + 2, { settle: 500 });
    const view = (await staff.operator.get(`/api/v1/staff/tickets/${report.public_number}`)).body;
    assert.deepEqual(view.emails.map((e) => [e.kind, e.to, e.event, e.state, e.attempts]), [
      ['citizen', 'mario.rossi@example.it', 'created', 'sent', 1],
      ['office_new_ticket', ROADS_MAILBOX, 'created', 'sent', 1],
    ]);
  });

  test('switching the configuration to Postmark sends through Postmark\'s API from then on', async () => {
    const current = (await staff.admin.get('/api/v1/staff/configuration')).body;
    const config = { ...current.config, mail: { ...current.config.mail, provider: 'postmark', message_stream: 'notifiche' } };
    const saved = await staff.admin.post('/api/v1/staff/configuration/versions', {
      config, note: 'Invio con Postmark', based_on: current.version,
    });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    worker.mail.clear();
    const report = await file(worker, { description: 'Semaforo lampeggiante da ieri' });
    const messages = await messagesOnceSettled(worker.mail, 2);
    assert.deepEqual(messages.map((m) => [m.provider, m.message_stream]), [['postmark', 'notifiche'], ['postmark', 'notifiche']]);
    assert.ok(messages.some((m) => m.subject.startsWith(`Segnalazione ${report.public_number}: ricevuta`)));
  });
});

describe('delivery when the mail provider fails', () => {
  let worker, staff;
  before(async () => {
    worker = await startWorker();
    staff = await staffOf(worker);
  });
  after(async () => { await worker?.stop(); });

  test('a 500, a 429 with Retry-After and a request that never answers are retried until each message is sent once', async () => {
    worker.mail.clear();
    const before = worker.mail.requests();
    worker.mail.fail([{ status: 500 }, { status: 429, retryAfter: 1 }, { hang: true }]);
    const report = await file(worker, { description: 'Lampione spento da una settimana' });
    const messages = await messagesOnceSettled(worker.mail, 2, { within: 90_000 });
    assert.equal(messages.length, 2, 'the citizen and the office, once each');
    assert.equal(worker.mail.requests() - before, 5, 'three failed attempts, two that went through');
    const view = (await staff.operator.get(`/api/v1/staff/tickets/${report.public_number}`)).body;
    assert.ok(view.emails.every((e) => e.state === 'sent'), JSON.stringify(view.emails));
    assert.equal(view.emails.reduce((sum, e) => sum + e.attempts, 0), 5);
  });

  test('an address the provider refuses fails at once with its reason, and staff can send it again', async () => {
    worker.mail.clear();
    const refused = 'casella.inesistente@example.it';
    worker.mail.fail({ to: refused, status: 422, body: { statusCode: 422, name: 'validation_error', message: 'Invalid `to` field.' } });
    const report = await file(worker, { reporter: { email: refused }, description: 'Cartello divelto dal vento' });
    const deadline = Date.now() + 30_000;
    let email;
    while (Date.now() < deadline) {
      email = (await staff.operator.get(`/api/v1/staff/tickets/${report.public_number}`)).body.emails[0];
      if (email?.state === 'failed') break;
      await sleep(250);
    }
    assert.equal(email.to, refused);
    assert.equal(email.state, 'failed');
    assert.equal(email.attempts, 1, 'not retried');
    assert.match(email.last_error, /validation_error: Invalid `to` field\./);
    await messagesOnceSettled(worker.mail, 1, { settle: 500 });
    assert.deepEqual(worker.mail.messages().map((m) => m.to[0]), [ROADS_MAILBOX], 'only the office got its message');
    worker.mail.clear();

    const resent = await staff.operator.post(`/api/v1/staff/tickets/${report.public_number}/emails/${email.id}/resend`);
    assert.equal(resent.status, 200, JSON.stringify(resent.body));
    assert.equal(resent.body.emails[0].state, 'pending');
    const messages = await messagesOnceSettled(worker.mail, 1);
    assert.deepEqual(messages.map((m) => m.to[0]), [refused]);
    const again = await staff.operator.post(`/api/v1/staff/tickets/${report.public_number}/emails/${email.id}/resend`);
    assert.equal(again.status, 409, 'only a failed e-mail can be sent again');
    const audit = (await staff.admin.get('/api/v1/staff/audit')).body;
    assert.ok(audit.some((entry) => entry.action === 'resend_email' && entry.subject === report.public_number));
    const unknown = await staff.operator.post(`/api/v1/staff/tickets/${report.public_number}/emails/999999/resend`);
    assert.equal(unknown.status, 404);
  });
});

describe('outbox when the queue delivers each message twice', () => {
  let worker, staff;
  before(async () => {
    worker = await startWorker({ vars: { FAULTS: 'duplicate-outbox' } });
    staff = await staffOf(worker);
  });
  after(async () => { await worker?.stop(); });

  test('a queue message delivered twice sends one e-mail', async () => {
    worker.mail.clear();
    await file(worker, { description: 'Marciapiede sconnesso' });
    const messages = await messagesOnceSettled(worker.mail, 2, { settle: 4_000 });
    assert.equal(messages.length, 2);
    assert.equal(new Set(messages.map((m) => m.idempotency_key)).size, 2);
  });

  test('with the mail sink down while tickets are created and worked, every e-mail arrives exactly once when it is back', async () => {
    worker.mail.clear();
    worker.mail.down();
    const reports = [];
    for (let i = 0; i < 3; i += 1) reports.push(await file(worker, { description: `Buca numero ${i + 1} in via Borgo Palazzo` }));
    await staff.work(reports[0], [{ action: 'take_in_charge' }, { action: 'resolve', answer: 'Riparata.' }]);
    await sleep(5_000);
    assert.equal(worker.mail.messages().length, 0);
    assert.ok(worker.mail.requests() > 0, 'the Worker kept trying');
    worker.mail.up();
    const owed = 3 * 2 + 2; // each report: citizen and office; then two steps of the first
    const messages = await messagesOnceSettled(worker.mail, owed, { within: 120_000, settle: 4_000 });
    assert.equal(messages.length, owed, sent(messages).join('\n'));
    assert.equal(new Set(sent(messages)).size, owed, 'no e-mail twice');
  });
});

describe('outbox messages the queue gives up on', () => {
  let worker, staff;
  before(async () => {
    worker = await startWorker({ vars: { FAULTS: 'outbox-consumer' } });
    staff = await staffOf(worker);
  });
  after(async () => { await worker?.stop(); });

  test('land in the dead-letter queue, whose consumer marks them failed for staff to send again', async () => {
    const report = await file(worker, { reporter: {}, description: 'Panchina rotta nel parco' });
    const deadline = Date.now() + 120_000;
    let email;
    while (Date.now() < deadline) {
      email = (await staff.operator.get(`/api/v1/staff/tickets/${report.public_number}`)).body.emails[0];
      if (email?.state === 'failed') break;
      await sleep(500);
    }
    assert.equal(email.state, 'failed', JSON.stringify(email));
    assert.match(email.last_error, /the outbox queue gave up on it/);
    assert.equal(worker.mail.messages().length, 0);
    // wrangler logs a batch only once its handler has returned, just after the row changed.
    const logged = await eventually(() => /QUEUE segnala-outbox-failed/.test(worker.logs()), { timeoutMs: 10_000, every: 200 });
    assert.ok(logged, 'the dead-letter consumer never ran');
  });
});

describe('outbox rows whose queue message was lost', () => {
  test('are put back on the queue by the cron sweep and sent', async () => {
    // One sink for both runs of the Worker.
    const mail = await startMailSink();
    let worker = await startWorker({ mail });
    const stateDir = worker.stateDir;
    try {
      mail.down();
      await file(worker);
      await sleep(1_500);
      await worker.stop();
      // As if the queue had lost the messages more than 13 hours ago.
      const dir = path.join(stateDir, 'v3/do/segnala-ComuneStore');
      const name = fs.readdirSync(dir).find((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
      const db = new DatabaseSync(path.join(dir, name));
      db.exec(`UPDATE outbox SET enqueued_at = '2026-01-01T00:00:00.000Z', last_attempt_at = NULL, leased_until = NULL`);
      db.close();
      mail.up();
      worker = await startWorker({ stateDir, mail });
      await worker.scheduled();
      const messages = await messagesOnceSettled(mail, 2, { settle: 3_000 });
      assert.equal(messages.length, 2, sent(messages).join('\n'));
    } finally {
      await worker.stop();
      await mail.close();
    }
  });
});

describe('confirmation of the citizen\'s address', () => {
  let worker, staff;
  before(async () => {
    worker = await startWorker();
    staff = await staffOf(worker);
    const current = (await staff.admin.get('/api/v1/staff/configuration')).body;
    const config = { ...current.config, mail: { ...current.config.mail, confirm_addresses: true } };
    const saved = await staff.admin.post('/api/v1/staff/configuration/versions', {
      config, note: 'Conferma degli indirizzi email', based_on: current.version,
    });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
  });
  after(async () => { await worker?.stop(); });

  test('the first e-mail asks to confirm, later ones wait for the link, and following it sends them', async () => {
    const report = await file(worker);
    const first = (await messagesOnceSettled(worker.mail, 2)).find((m) => m.to[0] === 'mario.rossi@example.it');
    const link = /(http:\/\/127\.0\.0\.1:\d+\/conferma-email\/[A-Za-z0-9_-]+)/.exec(first.text)?.[1];
    assert.ok(link, first.text);
    await staff.work(report, [{ action: 'take_in_charge' }]);
    await sleep(3_000);
    assert.equal(worker.mail.messages().length, 2, 'taken in charge: held until the address is confirmed');

    const opened = await fetch(link, { redirect: 'manual' });
    assert.equal(opened.status, 200, 'opening the link shows a button');
    const asked = await opened.text();
    assert.match(asked, /<button[^>]*type="submit"[^>]*>Conferma l(&#39;|&#x27;|')indirizzo<\/button>/);
    assert.match(asked, new RegExp(`<strong data-slot="number">${report.public_number}</strong>`));
    assert.equal(opened.headers.get('cache-control'), 'private, no-store');
    await sleep(2_000);
    assert.equal(worker.mail.messages().length, 2, 'opening the link (as a mail scanner does) confirms nothing');

    const confirmed = await fetch(link, { method: 'POST', redirect: 'manual' });
    assert.equal(confirmed.status, 303);
    const location = confirmed.headers.get('location');
    assert.ok(location.endsWith(`/segnalazione/${report.tracking_token}?email=confirmed`), location);
    const page = await (await fetch(location)).text();
    assert.match(page, /data-slot="email-confirmed"(?![^>]*hidden)/);
    const messages = await messagesOnceSettled(worker.mail, 3);
    assert.equal(messages.length, 3);
    assert.match(messages[2].subject, /presa in carico/);
    assert.doesNotMatch(messages[2].text, /conferma-email/);

    const again = await fetch(link, { method: 'POST', redirect: 'manual' });
    assert.equal(again.status, 303, 'confirming twice is harmless');
    for (const method of ['GET', 'POST']) {
      const unknown = await fetch(`${worker.url}/conferma-email/AAAAAAAAAAAAAAAAAAAAAA`, { method, redirect: 'manual' });
      assert.equal(unknown.status, 404, method);
    }
  });
});
