// Notifications for citizens, checked in the Durable Object's own SQLite file after the
// real Worker ran: every public step of a report leaves one for its reporter (none for
// internal steps, none without an e-mail address), and a duplicate's reporter is told of
// the original's later steps. The e-mail outbox delivers them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startWorker } from '../support/worker.mjs';
import { pothole, postJson } from '../support/demo.mjs';
import { createStaff, setupAdministrator, signIn } from '../support/staff.mjs';

describe('notifications for citizens', () => {
  let worker, operator;
  before(async () => {
    worker = await startWorker();
    const admin = await (async () => { await setupAdministrator(worker); return signIn(worker, 'admin@comune.example.it'); })();
    await createStaff(admin, 'operatore.strade@comune.example.it', 'operator', 'strade-mobilita');
    operator = await signIn(worker, 'operatore.strade@comune.example.it');
  });
  after(async () => { await worker?.stop(); });

  async function work(report, commands) {
    let version = (await operator.get(`/api/v1/staff/tickets/${report.public_number}`)).body.version;
    for (const command of commands) {
      const response = await operator.post(`/api/v1/staff/tickets/${report.public_number}/actions`, { version, ...command });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      version = response.body.version;
    }
  }

  /** Notifications as (recipient number, event's ticket number, event kind), oldest first. */
  function notifications() {
    const dir = path.join(worker.stateDir, 'v3/do/segnala-ComuneStore');
    const file = fs.readdirSync(dir).find((name) => name.endsWith('.sqlite') && name !== 'metadata.sqlite');
    const db = new DatabaseSync(path.join(dir, file), { readOnly: true });
    try {
      return db.prepare(`SELECT r.public_number AS recipient, t.public_number AS about, e.kind
        FROM notifications n JOIN ticket_events e ON e.id = n.event_id
        JOIN tickets r ON r.id = n.recipient_ticket_id JOIN tickets t ON t.id = e.ticket_id
        WHERE n.sent_at IS NULL ORDER BY n.id`).all().map((row) => [row.recipient, row.about, row.kind]);
    } finally {
      db.close();
    }
  }

  test('public steps are told to the reporter and to the reporters of its duplicates, internal ones never', async () => {
    const original = (await postJson(`${worker.url}/api/v1/reports`, pothole())).json;
    const repeat = (await postJson(`${worker.url}/api/v1/reports`, pothole({ description: 'La stessa buca, ancora aperta' }))).json;
    const anonymous = (await postJson(`${worker.url}/api/v1/reports`, pothole({ reporter: {} }))).json;
    await work(repeat, [{ action: 'mark_duplicate', of: original.public_number }]);
    await work(original, [
      { action: 'take_in_charge' },
      { action: 'internal_note', text: 'chiamare la ditta' },
      { action: 'set_priority', priority: 'high' },
      { action: 'resolve', answer: 'Buca chiusa.' },
    ]);
    await work(anonymous, [{ action: 'take_in_charge' }]);
    await worker.stop();
    const [o, r] = [original.public_number, repeat.public_number];
    assert.deepEqual(notifications(), [
      [o, o, 'created'],
      [r, r, 'created'],
      [r, r, 'mark_duplicate'],
      [o, o, 'take_in_charge'],
      [r, o, 'take_in_charge'],
      [o, o, 'resolve'],
      [r, o, 'resolve'],
    ]);
  });
});
