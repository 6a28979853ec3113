// Office work on tickets against the real Worker: inboxes scoped to the office, filters,
// every action through the state machine with its history, what the citizen then sees,
// concurrent conflicting actions, bulk actions and the CSV export.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshStateDir, startWorker } from '../support/worker.mjs';
import { pothole, postJson } from '../support/demo.mjs';
import { createStaff, json, setupAdministrator, signIn } from '../support/staff.mjs';

describe('staff work on tickets', () => {
  let worker, admin, referent, operator, tributi;
  before(async () => {
    worker = await startWorker({ stateDir: freshStateDir('staff-tickets') });
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    await createStaff(admin, 'referente.strade@comune.example.it', 'referent', 'strade-mobilita');
    await createStaff(admin, 'operatore.strade@comune.example.it', 'operator', 'strade-mobilita');
    await createStaff(admin, 'operatore.tributi@comune.example.it', 'operator', 'tributi');
    referent = await signIn(worker, 'referente.strade@comune.example.it');
    operator = await signIn(worker, 'operatore.strade@comune.example.it');
    tributi = await signIn(worker, 'operatore.tributi@comune.example.it');
  });
  after(async () => { await worker?.stop(); });

  const file = async (overrides = {}) => {
    const created = await postJson(`${worker.url}/api/v1/reports`, pothole(overrides));
    assert.equal(created.status, 201, created.text);
    return created.json;
  };
  const act = (who, number, version, command) =>
    who.post(`/api/v1/staff/tickets/${number}/actions`, { version, ...command });
  const publicView = async (token) => (await json(`${worker.url}/api/v1/reports/${token}`)).body;

  test('an office works a ticket from received to resolved, and the citizen sees each public step', async () => {
    const report = await file();
    const number = report.public_number;
    let view = (await operator.get(`/api/v1/staff/tickets/${number}`)).body;
    assert.equal(view.status, 'received');
    assert.equal(view.reporter.email, 'mario.rossi@example.it');
    assert.deepEqual(view.allowed_actions.includes('take_in_charge'), true);

    const steps = [
      { action: 'take_in_charge', reply: 'Abbiamo preso in carico la segnalazione.' },
      { action: 'internal_note', text: 'Ditta Rossi, ordine 42' },
      { action: 'set_priority', priority: 'high' },
      { action: 'start_work' },
      { action: 'public_reply', text: 'Intervento previsto per giovedì.' },
      { action: 'resolve', answer: 'Buca chiusa con asfalto a freddo.' },
    ];
    for (const step of steps) {
      const response = await act(operator, number, view.version, step);
      assert.equal(response.status, 200, `${step.action}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.version, view.version + 1);
      view = response.body;
    }
    assert.equal(view.status, 'resolved');
    assert.equal(view.priority, 'high');
    assert.equal(view.assignee, operator.user.id, 'taking a ticket assigns it to the taker');
    const kinds = view.history.map((e) => [e.kind, e.visibility, e.actor.name]);
    assert.deepEqual(kinds, [
      ['created', 'public', 'Cittadino'],
      ['take_in_charge', 'public', 'operatore.strade'],
      ['internal_note', 'internal', 'operatore.strade'],
      ['set_priority', 'internal', 'operatore.strade'],
      ['start_work', 'public', 'operatore.strade'],
      ['public_reply', 'public', 'operatore.strade'],
      ['resolve', 'public', 'operatore.strade'],
    ]);

    const seen = await publicView(report.tracking_token);
    assert.equal(seen.status, 'resolved');
    assert.deepEqual(seen.history.map((e) => e.kind), ['created', 'take_in_charge', 'start_work', 'public_reply', 'resolve']);
    assert.equal(seen.history.at(-1).note, 'Buca chiusa con asfalto a freddo.');
    const text = JSON.stringify(seen);
    assert.ok(!text.includes('Ditta Rossi'), 'internal notes never reach the citizen');
    assert.ok(!text.includes('operatore.strade'), 'staff names are not public');

    const again = await act(operator, number, view.version, { action: 'resolve', answer: 'di nuovo' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'transition_refused');
    const reopened = await act(operator, number, view.version, { action: 'reopen', reason: 'La buca si è riaperta' });
    assert.equal(reopened.status, 200);
    assert.equal(reopened.body.status, 'taken_in_charge');
  });

  test('actions missing their text or naming unknown things are refused by field', async () => {
    const { public_number: number } = await file();
    const cases = [
      [{ action: 'resolve', answer: '  ' }, 'answer', 'required'],
      [{ action: 'reject', reason: 'not_competent', explanation: '' }, 'explanation', 'required'],
      [{ action: 'reassign', office: 'astronomia', reason: 'prova' }, 'office', 'unknown_office'],
      [{ action: 'public_reply', text: 'x'.repeat(4001) }, 'text', 'too_long'],
      [{ action: 'mark_duplicate', of: '2026-999999' }, 'of', 'unknown_ticket'],
    ];
    for (const [command, field, code] of cases) {
      const response = await act(operator, number, 1, command);
      assert.equal(response.status, 422, JSON.stringify(response.body));
      assert.deepEqual(response.body.fields.map((f) => [f.field, f.code]), [[field, code]]);
    }
    const unknownAction = await act(operator, number, 1, { action: 'explode' });
    assert.equal(unknownAction.status, 422);
    const view = (await operator.get(`/api/v1/staff/tickets/${number}`)).body;
    assert.equal(view.version, 1, 'nothing was written');
  });

  test('inboxes are scoped to the office; other offices do not even see the number', async () => {
    const { public_number: number } = await file();
    const mine = (await operator.get('/api/v1/staff/tickets?status=open&per_page=100')).body;
    assert.ok(mine.tickets.some((t) => t.number === number));
    assert.ok(mine.tickets.every((t) => t.office.id === 'strade-mobilita'));
    const theirs = (await tributi.get('/api/v1/staff/tickets')).body;
    assert.equal(theirs.total, 0);
    assert.equal((await tributi.get(`/api/v1/staff/tickets/${number}`)).status, 404);
    assert.equal((await act(tributi, number, 1, { action: 'internal_note', text: 'x' })).status, 404);
    const everyone = (await admin.get('/api/v1/staff/tickets?office=strade-mobilita')).body;
    assert.ok(everyone.total >= mine.total);
  });

  test('the inbox filters, searches, sorts, pages and counts; bad filters are named', async () => {
    await file({ description: 'Tombino rumoroso in via Quarenghi angolo via Paglia', address: 'Via Quarenghi 5' });
    const found = (await operator.get('/api/v1/staff/tickets?q=quarenghi')).body;
    assert.equal(found.total, 1);
    assert.equal(found.tickets[0].address, 'Via Quarenghi 5');
    const paged = (await operator.get('/api/v1/staff/tickets?per_page=1&page=2&sort=oldest')).body;
    assert.equal(paged.tickets.length, 1);
    assert.equal(paged.per_page, 1);
    assert.ok(paged.pages >= 2);
    const counts = paged.counts;
    assert.equal(typeof counts.received, 'number');
    assert.equal(typeof counts.overdue, 'number');
    const bad = await operator.get('/api/v1/staff/tickets?status=perso&from=ieri&colore=rosso');
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.fields.map((f) => f.field), ['status', 'from', 'colore']);
  });

  test('the map holds every filtered ticket with a point as GeoJSON, whatever the page size', async () => {
    await file({ description: 'Prima buca per la mappa di via Moroni' });
    await file({ description: 'Seconda buca per la mappa di via Moroni' });
    await file({ description: 'Buca senza punto per la mappa di via Moroni', location: undefined, address: 'Via Moroni 3' });
    const response = await operator.get('/api/v1/staff/tickets.geojson?q=mappa+di+via+Moroni&per_page=1&page=1');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^application\/geo\+json/);
    assert.equal(response.body.type, 'FeatureCollection');
    assert.equal(response.body.features.length, 2, 'both with a point, though a page holds one');
    const [lon, lat] = response.body.features[0].geometry.coordinates;
    assert.ok(lon > 9 && lon < 10 && lat > 45 && lat < 46, 'longitude first');
    assert.equal((await tributi.get('/api/v1/staff/tickets.geojson?q=mappa+di+via+Moroni')).body.features.length, 0);
    assert.equal((await operator.get('/api/v1/staff/tickets.geojson?status=perso')).status, 422);
  });

  test('two staff acting on the same version at once: exactly one wins, the others are told to reload', async () => {
    const { public_number: number } = await file();
    const attempts = await Promise.all([
      act(operator, number, 1, { action: 'take_in_charge' }),
      act(referent, number, 1, { action: 'start_work' }),
      act(admin, number, 1, { action: 'set_priority', priority: 'urgent' }),
      act(operator, number, 1, { action: 'internal_note', text: 'nota concorrente' }),
      act(referent, number, 1, { action: 'reject', reason: 'not_a_problem', explanation: 'Nessun problema' }),
    ]);
    const statuses = attempts.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409], JSON.stringify(attempts.map((r) => r.body)));
    for (const loser of attempts.filter((r) => r.status === 409)) {
      assert.equal(loser.body.error, 'stale_version');
      assert.match(loser.body.message, /reload/);
    }
    const view = (await admin.get(`/api/v1/staff/tickets/${number}`)).body;
    assert.equal(view.version, 2);
    assert.equal(view.history.length, 2, 'one event for the one accepted action');
  });

  test('referents assign colleagues; operators may only take tickets themselves', async () => {
    const { public_number: number } = await file();
    const refused = await act(operator, number, 1, { action: 'assign', assignee: referent.user.id });
    assert.equal(refused.status, 403);
    const taken = await act(operator, number, 1, { action: 'assign', assignee: operator.user.id });
    assert.equal(taken.status, 200);
    const given = await act(referent, number, 2, { action: 'assign', assignee: referent.user.id });
    assert.equal(given.status, 200);
    const outsider = await act(referent, number, 3, { action: 'assign', assignee: tributi.user.id });
    assert.equal(outsider.status, 422);
    assert.equal(outsider.body.fields[0].code, 'not_a_colleague');
    const colleagues = (await referent.get('/api/v1/staff/colleagues')).body;
    const names = colleagues.map((c) => c.email);
    assert.ok(names.includes('operatore.strade@comune.example.it'));
    assert.ok(!names.includes('operatore.tributi@comune.example.it'));
    const history = given.body.history.at(-1);
    assert.equal(history.kind, 'assign');
    assert.equal(history.assignee.name, 'referente.strade');
  });

  test('reassigning hands the ticket to the other office and tells the citizen why', async () => {
    const report = await file();
    const moved = await act(operator, report.public_number, 1, {
      action: 'reassign', office: 'tributi', reason: 'Riguarda il canone di occupazione del suolo',
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.left_your_office, true);
    assert.equal((await operator.get(`/api/v1/staff/tickets/${report.public_number}`)).status, 404);
    const view = (await tributi.get(`/api/v1/staff/tickets/${report.public_number}`)).body;
    assert.equal(view.office.id, 'tributi');
    assert.equal(view.status, 'received');
    const seen = await publicView(report.tracking_token);
    const last = seen.history.at(-1);
    assert.equal(last.kind, 'reassign');
    assert.equal(last.note, 'Riguarda il canone di occupazione del suolo');
    assert.equal(last.office.id, 'tributi');
  });

  test('a duplicate is closed pointing to its original, which lists it', async () => {
    const original = await file();
    const repeat = await file({ description: 'Ancora la buca davanti al civico 12, profonda' });
    const merged = await act(operator, repeat.public_number, 1, { action: 'mark_duplicate', of: original.public_number });
    assert.equal(merged.status, 200, JSON.stringify(merged.body));
    assert.equal(merged.body.status, 'duplicate');
    assert.equal(merged.body.duplicate_of, original.public_number);
    const originalView = (await operator.get(`/api/v1/staff/tickets/${original.public_number}`)).body;
    assert.deepEqual(originalView.duplicates, [repeat.public_number]);
    const seen = await publicView(repeat.tracking_token);
    assert.equal(seen.status, 'duplicate');
    assert.equal(seen.history.at(-1).note, original.public_number);
  });

  test('bulk actions apply to each selected ticket and report each outcome', async () => {
    const a = await file();
    const b = await file();
    const response = await referent.post('/api/v1/staff/tickets/bulk-actions', {
      tickets: [{ number: a.public_number, version: 1 }, { number: b.public_number, version: 7 }],
      command: { action: 'set_priority', priority: 'urgent' },
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const [first, second] = response.body.results;
    assert.equal(first.ok, true);
    assert.equal(first.version, 2);
    assert.equal(second.ok, false);
    assert.equal(second.error, 'stale_version');
    const empty = await referent.post('/api/v1/staff/tickets/bulk-actions', { tickets: [], command: { action: 'start_work' } });
    assert.equal(empty.status, 422);
  });

  test('the CSV export holds the filtered list and defuses formulas from citizens', async () => {
    const report = await file({ description: '=HYPERLINK("http://attacker.example","clicca") buca profonda' });
    const response = await fetch(`${worker.url}/api/v1/staff/tickets.csv?q=HYPERLINK`, { headers: { Cookie: operator.cookie } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(response.headers.get('content-disposition'), /^attachment; filename="segnalazioni-\d{4}-\d{2}-\d{2}\.csv"$/);
    const text = await response.text();
    const lines = text.replace(/^\ufeff/, '').trim().split('\r\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^numero,stato,priorita,/);
    assert.ok(lines[1].startsWith(report.public_number));
    assert.ok(lines[1].includes(`"'=HYPERLINK(""http://attacker.example"",""clicca"") buca profonda"`), lines[1]);
  });

  test('a script in a description comes back as plain data, never interpreted', async () => {
    const payload = '<script>alert("xss")</script><img src=x onerror=alert(1)> buca';
    const report = await file({ description: payload });
    const response = await fetch(`${worker.url}/api/v1/staff/tickets/${report.public_number}`, { headers: { Cookie: operator.cookie } });
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal((await response.json()).description, payload);
  });
});
