// Load against the real Worker: many citizens filing at once (a quarter with a photo)
// while others read their reports' status; then staff acting on the same tickets at once.
// Every accepted report is stored exactly once, numbers are unique and gap-free, nothing
// answers 5xx, and no staff update is lost. `SEGNALA_LOAD=heavy` (scripts/stress) runs it
// larger. Speed is not asserted here (that is for the benchmarks): only correctness.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { setupAdministrator, signIn, createStaff } from '../support/staff.mjs';
import { HEAVY, citizenReport, figures, gapFree, pool, submit } from '../support/load.mjs';
import { fixture, pothole } from '../support/demo.mjs';

const REPORTS = HEAVY ? 600 : 60;
const CONCURRENCY = HEAVY ? 48 : 12;
const CONTENDED_TICKETS = HEAVY ? 40 : 8;
const STAFF_AT_ONCE = 5;

describe('load', () => {
  let worker, admin, operator;
  before(async () => {
    worker = await startWorker();
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    await createStaff(admin, 'operatore.strade@comune.example.it', 'operator', 'strade-mobilita');
    operator = await signIn(worker, 'operatore.strade@comune.example.it');
  });
  after(async () => { await worker?.stop(); });

  const exported = async () => {
    const response = await fetch(`${worker.url}/api/v1/staff/export/tickets.jsonl`, { headers: { Cookie: admin.cookie } });
    assert.equal(response.status, 200);
    return (await response.text()).trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  };

  test('concurrent reports and status reads: each accepted report stored once, numbers gap-free, no 5xx', async () => {
    const stats = figures('load/submissions');
    const reads = figures('load/status-reads');
    const accepted = [];
    const started = Date.now();
    const results = await pool(REPORTS, CONCURRENCY, async (i) => {
      const report = citizenReport(i);
      const answer = await submit(worker.url, report, stats);
      if (answer.status === 201) {
        accepted.push({ ...answer.json, email: report.email, photo: report.photo });
        // Someone reads an earlier report's status meanwhile.
        const earlier = accepted[Math.floor(Math.random() * accepted.length)];
        const read = await fetch(`${worker.url}/api/v1/reports/${earlier.tracking_token}`);
        reads.note(read.status);
        await read.arrayBuffer();
      }
      return answer;
    });
    const seconds = (Date.now() - started) / 1000;
    const byStatus = {};
    for (const r of results) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;

    const stored = await exported();
    const storedTokens = new Set(stored.map((t) => t.tracking_token));
    const lost = accepted.filter((a) => !storedTokens.has(a.tracking_token)).length;
    stats.print({ reports: REPORTS, concurrency: CONCURRENCY, stored: stored.length, lost, seconds: seconds.toFixed(1),
      per_second: (REPORTS / seconds).toFixed(1) });
    reads.print();

    assert.deepEqual(byStatus, { 201: REPORTS }, JSON.stringify(results.filter((r) => r.status !== 201).slice(0, 3)));
    assert.equal(stats.counts['5xx'], 0);
    assert.equal(reads.counts.accepted, reads.counts.sent, 'every status read answered 200');
    assert.equal(lost, 0);
    assert.equal(stored.length, REPORTS, 'stored exactly once: as many tickets as accepted reports');
    assert.equal(new Set(stored.map((t) => t.number)).size, stored.length, 'numbers unique');
    assert.ok(gapFree(stored.map((t) => t.number)), 'numbers gap-free');
    for (const ticket of stored) {
      const mine = accepted.find((a) => a.tracking_token === ticket.tracking_token);
      assert.equal(ticket.number, mine.public_number);
      assert.equal(ticket.reporter.email, mine.email, 'each ticket holds its own citizen');
      assert.equal(ticket.photos.length, mine.photo ? 1 : 0);
    }
  });

  test('staff acting on the same tickets at once: one wins per version, no update is lost', async () => {
    const stats = figures('load/staff-actions');
    const tickets = (await exported()).slice(0, CONTENDED_TICKETS);
    const outcomes = await pool(tickets.length, Math.min(CONCURRENCY, 8), async (i) => {
      const number = tickets[i].number;
      const view = (await admin.get(`/api/v1/staff/tickets/${number}`)).body;
      // Five people press a button on the same version; then notes pile up one by one on
      // whatever version each sees, retrying on a stale one, as the dashboard makes them.
      const race = await Promise.all(Array.from({ length: STAFF_AT_ONCE }, (_, k) =>
        (k % 2 ? operator : admin).post(`/api/v1/staff/tickets/${number}/actions`,
          { version: view.version, action: 'internal_note', text: `gara ${k}` })));
      race.forEach((r) => stats.note(r.status));
      const notes = await Promise.all(Array.from({ length: STAFF_AT_ONCE }, async (_, k) => {
        for (let attempt = 0; attempt < 20; attempt++) {
          const current = (await operator.get(`/api/v1/staff/tickets/${number}`)).body;
          const answer = await operator.post(`/api/v1/staff/tickets/${number}/actions`,
            { version: current.version, action: 'internal_note', text: `nota ${k}` });
          stats.note(answer.status);
          if (answer.status === 200) return true;
          assert.equal(answer.status, 409, JSON.stringify(answer.body));
        }
        return false;
      }));
      return { number, race: race.map((r) => r.status), notes };
    });
    for (const { number, race, notes } of outcomes) {
      assert.deepEqual(race.filter((s) => s === 200).length, 1, `${number}: ${race}`);
      assert.deepEqual(race.filter((s) => s === 409).length, STAFF_AT_ONCE - 1, `${number}: ${race}`);
      assert.ok(notes.every(Boolean), `${number}: every note got in`);
      const view = (await admin.get(`/api/v1/staff/tickets/${number}`)).body;
      const texts = view.history.map((e) => e.note ?? e.text).filter(Boolean);
      for (let k = 0; k < STAFF_AT_ONCE; k++) assert.ok(texts.includes(`nota ${k}`), `${number} lost nota ${k}: ${texts}`);
      assert.equal(view.history.length, 1 + 1 + STAFF_AT_ONCE, `${number}: created, one race winner, ${STAFF_AT_ONCE} notes`);
      assert.equal(view.version, 1 + 1 + STAFF_AT_ONCE);
    }
    stats.print({ tickets: tickets.length, lost_updates: 0 });
    assert.equal(stats.counts['5xx'], 0);
  });
  test('a citizen\'s messages with photos sent at once are all kept, each photo at its own place', async () => {
    const stats = figures('load/citizen-photos');
    const AT_ONCE = 4;
    const filed = await fetch(`${worker.url}/api/v1/reports`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': '10.250.0.1' },
      body: JSON.stringify(pothole({ description: 'Buca che il cittadino fotografa più volte' })),
    });
    assert.equal(filed.status, 201);
    const { tracking_token: token } = await filed.json();
    const answers = await Promise.all(Array.from({ length: AT_ONCE }, async (_, k) => {
      const form = new FormData();
      form.append('text', `Altra foto, la numero ${k}`);
      form.append('photos', new Blob([fixture('plain.jpg')], { type: 'image/jpeg' }), `foto-${k}.jpg`);
      const answer = await fetch(`${worker.url}/api/v1/reports/${token}/messages`, { method: 'POST', body: form });
      stats.note(answer.status);
      return { status: answer.status, text: await answer.text() };
    }));
    assert.deepEqual(answers.filter((a) => a.status !== 201), [], 'every message accepted');
    const view = await (await fetch(`${worker.url}/api/v1/reports/${token}`)).json();
    assert.equal(view.photos.length, AT_ONCE);
    const urls = new Set(view.photos.map((p) => p.url));
    assert.equal(urls.size, AT_ONCE, 'each photo at its own position');
    for (const url of urls) assert.equal((await fetch(`${worker.url}${url}`)).status, 200, url);
    stats.print({ photos_kept: view.photos.length });
  });
});
