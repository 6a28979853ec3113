// Moving a comune's tickets between two deployments, against two real Workers: the export
// of one imported into the other gives back every ticket byte for byte (history, answers,
// personal data, photos), citizens' links keep working, nobody is e-mailed again, and a
// bad or colliding body is refused whole with every problem named.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, startWorker } from '../support/worker.mjs';
import { PASSWORD, setupAdministrator, signIn, createStaff } from '../support/staff.mjs';

const run = promisify(execFile);
const TRANSFER = path.join(ROOT, 'scripts/transfer.mjs');
import { fixture, multipart, pothole, postJson, potholeFields, send } from '../support/demo.mjs';

describe('export and import of a comune\'s tickets', () => {
  let source;
  let target;
  let sourceAdmin;
  let targetAdmin;
  const tokens = [];

  const exportOf = async (admin, worker) => {
    const response = await fetch(`${worker.url}/api/v1/staff/export/tickets.jsonl`, { headers: { Cookie: admin.cookie } });
    return { response, text: await response.text() };
  };
  const importInto = (admin, worker, body, type = 'application/x-ndjson') => fetch(`${worker.url}/api/v1/staff/import/tickets`, {
    method: 'POST', body,
    headers: { Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf, 'Content-Type': type },
  }).then(async (response) => ({ status: response.status, body: await response.json() }));

  before(async () => {
    // Three tickets per store call, so the export is streamed over several pages.
    [source, target] = await Promise.all([startWorker({ vars: { EXPORT_PAGE_SIZE: '3' } }), startWorker()]);
    await Promise.all([setupAdministrator(source), setupAdministrator(target)]);
    [sourceAdmin, targetAdmin] = await Promise.all([
      signIn(source, 'admin@comune.example.it'), signIn(target, 'admin@comune.example.it'),
    ]);

    const filed = [];
    const photo = await send(`${source.url}/api/v1/reports`, multipart(
      potholeFields({ description: 'Buca con foto davanti al civico 8' }),
      [['buca.jpg', fixture('portrait-with-gps.jpg'), 'image/jpeg'], ['buca.png', fixture('with-text.png'), 'image/png']],
    ));
    assert.equal(photo.status, 201, photo.text);
    filed.push(photo.json);
    for (const report of [
      pothole({ description: 'Buca profonda, il tombino è sollevato', answers: { dimensione: 'grande' } }),
      pothole({ category: 'veicoli-abbandonati', description: 'Auto ferma da mesi in via Moroni', answers: { targa: 'AB 123 CD', 'da-quando': '2026-09-01' } }),
      pothole({ description: 'Buca già segnalata da altri vicini' }),
      pothole({ category: 'tari', kind: 'reclamo', description: 'Avviso TARI con superficie doppia', location: undefined }),
      pothole({ description: 'Asfalto rovinato ma nessuna buca vera', reporter: undefined }),
      pothole({ description: 'Buca piccola ma profonda vicino alla scuola' }),
    ]) {
      const created = await postJson(`${source.url}/api/v1/reports`, report);
      assert.equal(created.status, 201, created.text);
      filed.push(created.json);
    }
    tokens.push(...filed.map((r) => r.tracking_token));
    const act = async (number, body) => {
      const ticket = await sourceAdmin.get(`/api/v1/staff/tickets/${number}`);
      const response = await sourceAdmin.post(`/api/v1/staff/tickets/${number}/actions`, { version: ticket.body.version, ...body });
      assert.equal(response.status, 200, JSON.stringify(response.body));
    };
    const [first, second, , third, fourth, fifth] = filed.map((r) => r.public_number);
    await act(first, { action: 'take_in_charge', reply: 'Ce ne occupiamo noi.' });
    await act(first, { action: 'internal_note', text: 'Mandata la squadra di via Rovelli.' });
    await act(first, { action: 'resolve', answer: 'Buca chiusa con asfalto a freddo.' });
    await act(second, { action: 'reassign', office: 'centro-storico', reason: 'La via è in Città Alta.' });
    await act(third, { action: 'mark_duplicate', of: first });
    await act(fourth, { action: 'reject', reason: 'needs_official_channel', explanation: 'Serve un ricorso all\'ufficio tributi.' });
    await act(fifth, { action: 'reject', reason: 'not_a_problem', explanation: 'Nessuna buca al sopralluogo.' });
    await act(fifth, { action: 'reopen', reason: 'Il cittadino ha mandato una nuova foto.' });
  });
  after(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
  });

  test('the export is every ticket with its history, one JSON line each, for administrators only', async () => {
    const { response, text } = await exportOf(sourceAdmin, source);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^application\/x-ndjson/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.match(response.headers.get('content-disposition'), /attachment; filename="segnala-bergamo-\d{4}-\d{2}-\d{2}\.jsonl"/);
    const lines = text.trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(lines.length, 7, 'over three store pages');
    assert.deepEqual(lines.map((l) => l.number), [...lines.map((l) => l.number)].sort());
    assert.ok(lines.every((l) => l.format === 'segnala-ticket/1'));
    const resolved = lines.find((l) => l.history.some((e) => e.action === 'resolve'));
    assert.deepEqual(resolved.history.map((e) => e.action), ['created', 'take_in_charge', 'internal_note', 'resolve']);
    assert.equal(resolved.history[2].visibility, 'internal');
    assert.equal(resolved.photos.length, 2);
    assert.deepEqual(resolved.photos.map((p) => p.file), [`photos/${resolved.number}/1.jpg`, `photos/${resolved.number}/2.png`]);
    assert.equal(resolved.reporter.email, 'mario.rossi@example.it', 'personal data travel with the ticket');
    const vehicle = lines.find((l) => l.category === 'veicoli-abbandonati');
    assert.deepEqual(vehicle.answers, [{ code: 'targa', kind: 'line', value: 'AB 123 CD' }, { code: 'da-quando', kind: 'date', value: '2026-09-01' }]);
    assert.equal(lines.find((l) => l.status === 'rejected').rejection_reason, 'needs_official_channel');

    await createStaff(sourceAdmin, 'referente.export@comune.example.it', 'referent', 'strade-mobilita');
    const referent = await signIn(source, 'referente.export@comune.example.it');
    const refused = await exportOf(referent, source);
    assert.equal(refused.response.status, 403);
    const audit = await sourceAdmin.get('/api/v1/staff/audit');
    assert.ok(audit.body.some((e) => e.action === 'export_tickets'), JSON.stringify(audit.body).slice(0, 300));
  });

  test('imported into another deployment, the export comes back the same, photos included, and tells no citizen again', async () => {
    const { text } = await exportOf(sourceAdmin, source);
    const imported = await importInto(targetAdmin, target, text);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.equal(imported.body.imported, 7);
    assert.equal(imported.body.photos_missing.length, 2);

    for (const missing of imported.body.photos_missing) {
      const file = await fetch(`${source.url}/api/v1/staff/tickets/${missing.number}/photos/${missing.position}`, { headers: { Cookie: sourceAdmin.cookie } });
      assert.equal(file.status, 200);
      const bytes = Buffer.from(await file.arrayBuffer());
      const put = () => fetch(`${target.url}/api/v1/staff/import/tickets/${missing.id}/photos/${missing.position}`, {
        method: 'PUT', body: bytes,
        headers: { Cookie: targetAdmin.cookie, 'X-CSRF-Token': targetAdmin.csrf, 'Content-Type': file.headers.get('content-type') },
      });
      assert.equal((await put()).status, 201);
      assert.equal((await put()).status, 200, 'a retried upload changes nothing');
    }
    assert.equal((await exportOf(targetAdmin, target)).text, text, 'byte for byte');
    for (const missing of imported.body.photos_missing) {
      const path = `/api/v1/staff/tickets/${missing.number}/photos/${missing.position}`;
      const [from, to] = await Promise.all([
        fetch(`${source.url}${path}`, { headers: { Cookie: sourceAdmin.cookie } }),
        fetch(`${target.url}${path}`, { headers: { Cookie: targetAdmin.cookie } }),
      ]);
      assert.deepEqual(Buffer.from(await to.arrayBuffer()), Buffer.from(await from.arrayBuffer()), `${path}: the same file`);
    }
    // A photo is taken only where the export listed one.
    const first = imported.body.photos_missing[0];
    const extra = await fetch(`${target.url}/api/v1/staff/import/tickets/${first.id}/photos/3`, {
      method: 'PUT', body: fixture('plain.jpg'), headers: { Cookie: targetAdmin.cookie, 'X-CSRF-Token': targetAdmin.csrf },
    });
    assert.equal(extra.status, 404);

    // The citizens' links keep working, photos too; the duplicate still shows its original.
    for (const token of tokens) {
      const view = await fetch(`${target.url}/api/v1/reports/${token}`);
      assert.equal(view.status, 200, token);
    }
    const withPhotos = await (await fetch(`${target.url}/api/v1/reports/${tokens[0]}`)).json();
    assert.equal(withPhotos.photos.length, 2);
    const served = await fetch(new URL(withPhotos.photos[0].url, target.url));
    assert.equal(served.status, 200);

    // Nothing was sent for the imported steps; a new step is told as always.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(target.mail.messages().length, 0, JSON.stringify(target.mail.messages().map((m) => m.subject)));
    const open = JSON.parse(text.trim().split('\n').find((line) => JSON.parse(line).status === 'received'));
    const ticket = await targetAdmin.get(`/api/v1/staff/tickets/${open.number}`);
    const step = await targetAdmin.post(`/api/v1/staff/tickets/${open.number}/actions`, { version: ticket.body.version, action: 'take_in_charge' });
    assert.equal(step.status, 200, JSON.stringify(step.body));

    // Open data and statistics of the new deployment count the imported tickets.
    const stats = await (await fetch(`${target.url}/api/v1/open-data/statistics.json`)).json();
    assert.equal(stats.totals.reports, 7, JSON.stringify(stats.totals));
    // The next report continues the numbering.
    const next = await postJson(`${target.url}/api/v1/reports`, pothole({ description: 'Una nuova buca dopo il trasloco' }));
    assert.equal(next.status, 201);
    assert.equal(next.json.public_number.split('-')[1], '000008');
  });

  test('importing the same file again imports nothing twice, and names a ticket worked since', async () => {
    const { text } = await exportOf(sourceAdmin, source);
    // The previous test took the open ticket in charge in the new deployment.
    const worked = JSON.parse(text.trim().split('\n').find((line) => JSON.parse(line).status === 'received'));
    const again = await importInto(targetAdmin, target, text);
    assert.equal(again.status, 422, JSON.stringify(again.body));
    assert.deepEqual(again.body.fields.map((f) => [f.field, f.code]), [[`tickets.${worked.number}`, 'changed']]);
    const rest = text.trim().split('\n').filter((line) => JSON.parse(line).number !== worked.number).join('\n');
    const skipped = await importInto(targetAdmin, target, rest);
    assert.equal(skipped.status, 200, JSON.stringify(skipped.body));
    assert.equal(skipped.body.imported, 0);
    assert.equal(skipped.body.skipped, 6);
    assert.deepEqual(skipped.body.photos_missing, []);
  });

  test('a bad body is refused whole, each problem named by line and field', async () => {
    const fresh = await startWorker();
    try {
      await setupAdministrator(fresh);
      const admin = await signIn(fresh, 'admin@comune.example.it');
      const { text } = await exportOf(sourceAdmin, source);
      const lines = text.trim().split('\n');
      const broken = JSON.parse(lines[1]);
      broken.history = broken.history.slice(0, 1).concat(broken.history.slice(2));
      const body = [lines[0], JSON.stringify(broken), '{"format": "segnala-ticket/1"', lines[3]].join('\n');
      const refused = await importInto(admin, fresh, body);
      assert.equal(refused.status, 400, 'a line that is not JSON makes it a bad request');
      const fields = refused.body.fields.map((f) => f.field);
      assert.ok(fields.some((f) => f.startsWith('lines[2].history[')), fields.join(', '));
      assert.ok(fields.includes('lines[3]'), fields.join(', '));
      assert.equal((await exportOf(admin, fresh)).text, '', 'nothing stored');
      const wrongHistory = await importInto(admin, fresh, [lines[0], JSON.stringify(broken)].join('\n'));
      assert.equal(wrongHistory.status, 422);
      assert.deepEqual(wrongHistory.body.fields.map((f) => [f.field, f.code]), [['lines[2].history[0].office', 'not_the_office']]);
      assert.equal((await exportOf(admin, fresh)).text, '', 'still nothing stored');

      assert.equal((await importInto(admin, fresh, lines[0], 'application/json')).status, 415);
      assert.equal((await importInto(admin, fresh, '\n')).status, 422);
      const huge = await importInto(admin, fresh, 'x'.repeat(9 * 1024 * 1024));
      assert.equal(huge.status, 413);

      // A number already taken here refuses the batch, naming it.
      const here = await postJson(`${fresh.url}/api/v1/reports`, pothole());
      assert.equal(here.status, 201);
      const collision = await importInto(admin, fresh, lines[0]);
      assert.equal(collision.status, 422, JSON.stringify(collision.body));
      assert.deepEqual(collision.body.fields.map((f) => [f.field, f.code]), [[`tickets.${JSON.parse(lines[0]).number}.number`, 'number_taken']]);

      // A photo is taken only for an imported ticket, and must be an image.
      const notAnImage = await fetch(`${fresh.url}/api/v1/staff/import/tickets/${JSON.parse(lines[0]).id}/photos/1`, {
        method: 'PUT', body: 'not a photo', headers: { Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf },
      });
      assert.equal(notAnImage.status, 422);
      const unknown = await fetch(`${fresh.url}/api/v1/staff/import/tickets/0190a4f6-0000-7000-8000-000000000001/photos/1`, {
        method: 'PUT', body: fixture('plain.jpg'), headers: { Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf },
      });
      assert.equal(unknown.status, 404);
    } finally {
      await fresh.stop();
    }
  });

  test('scripts/transfer.mjs moves everything through a folder anyone can read', async () => {
    const fresh = await startWorker();
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'segnala-transfer-'));
    try {
      await setupAdministrator(fresh);
      const env = { ...process.env, SEGNALA_EMAIL: 'admin@comune.example.it', SEGNALA_PASSWORD: PASSWORD };
      const out = await run(process.execPath, [TRANSFER, 'export', source.url, folder], { env, timeout: 120_000 });
      assert.match(out.stdout, /exported 7 tickets and 2 photos/);
      const lines = fs.readFileSync(path.join(folder, 'tickets.jsonl'), 'utf8');
      const withPhotos = lines.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((t) => t.photos.length);
      for (const photo of withPhotos.photos) assert.ok(fs.statSync(path.join(folder, photo.file)).size > 0, photo.file);
      assert.equal(fs.statSync(path.join(folder, 'tickets.jsonl')).mode & 0o077, 0, 'personal data readable by the owner only');

      const into = await run(process.execPath, [TRANSFER, 'import', fresh.url, folder], { env, timeout: 120_000 });
      assert.match(into.stdout, /imported 7 tickets \(0 already there\) and 2 photos/);
      const again = await run(process.execPath, [TRANSFER, 'import', fresh.url, folder], { env, timeout: 120_000 });
      assert.match(again.stdout, /imported 0 tickets \(7 already there\) and 0 photos/);
      const admin = await signIn(fresh, 'admin@comune.example.it');
      assert.equal((await exportOf(admin, fresh)).text, lines);

      const wrong = await run(process.execPath, [TRANSFER, 'import', fresh.url, folder], {
        env: { ...env, SEGNALA_PASSWORD: 'non è la password giusta' }, timeout: 120_000,
      }).catch((error) => error);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /sign-in refused \(401\)/);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
      await fresh.stop();
    }
  });
});
