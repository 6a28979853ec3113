// Several comuni in one deployment: the built Worker serves the two demo comuni of
// config/comuni.json, Bergamo (also the catch-all, so 127.0.0.1 reaches it) and
// Borgoverde (borgoverde.localhost). Each host sees only its own comune: configuration,
// pages and colour, reports and their numbers, staff and their sessions, e-mails, open
// data and snapshots.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { atHost } from '../support/hosts.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fixture, multipart, pothole, potholeFields } from '../support/demo.mjs';
import { PASSWORD } from '../support/staff.mjs';

const BORGOVERDE = 'borgoverde.localhost';
// Inside Borgoverde's boundary, far outside Bergamo's.
const IN_BORGOVERDE = { lat: 45.81, lon: 9.62 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('several comuni in one deployment', () => {
  let worker;
  let bergamo;
  let borgoverde;

  before(async () => {
    worker = await startWorker({
      vars: ({ url, port }) => ({
        PUBLIC_URL: `bergamo=${url},borgoverde=http://${BORGOVERDE}:${port}`,
      }),
    });
    bergamo = atHost(worker, '127.0.0.1');
    borgoverde = atHost(worker, BORGOVERDE);
  });
  after(async () => { await worker?.stop(); });

  const fileReport = (at, report) => at.request('/api/v1/reports', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(report),
  });

  /** The first administrator of the comune at `at`, signed in: cookie and CSRF token. */
  async function administratorOf(at, email) {
    const setup = await at.request('/api/v1/staff/setup', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ setup_token: worker.setupToken, email, name: 'Amministratore', password: PASSWORD }),
    });
    assert.equal(setup.status, 201, setup.text);
    const session = await at.request('/api/v1/staff/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    assert.equal(session.status, 200, session.text);
    const cookie = session.headers['set-cookie'][0].split(';')[0];
    return { cookie, csrf: session.body.csrf_token };
  }

  test('each host gets its own comune: configuration, pages and colour', async () => {
    const own = await borgoverde.request('/api/v1/config');
    assert.equal(own.status, 200);
    assert.equal(own.body.id, 'borgoverde');
    assert.equal(own.body.primary_color, '#1b5e20');
    assert.equal(own.body.public_url, `http://${BORGOVERDE}:${worker.port}`);
    assert.equal((await bergamo.request('/api/v1/config')).body.id, 'bergamo');
    // A host no comune lists reaches the catch-all.
    assert.equal((await atHost(worker, 'segnala.example.workers.dev').request('/api/v1/health')).body.comune, 'bergamo');

    const home = await borgoverde.request('/');
    assert.equal(home.status, 200);
    assert.match(home.text, /Comune di Borgoverde/);
    assert.doesNotMatch(home.text, /Bergamo/);
    assert.match(home.text, /href="\/css\/comuni\/borgoverde\/segnala\.css"/);
    const bergamoHome = await bergamo.request('/');
    assert.match(bergamoHome.text, /Comune di Bergamo/);
    assert.match(bergamoHome.text, /href="\/css\/segnala\.css"/);

    const stylesheet = await borgoverde.request('/css/comuni/borgoverde/segnala.css');
    assert.equal(stylesheet.status, 200);
    assert.notEqual(stylesheet.text, (await bergamo.request('/css/segnala.css')).text, 'its own colour');

    // Pages as the assets server has them, its redirects kept inside the comune's own
    // pages, and the comune's own not-found page.
    assert.match((await borgoverde.request('/segnala/')).text, /Comune di Borgoverde/);
    for (const path of ['/segnala', '/segnala/index.html']) {
      const moved = await borgoverde.request(path);
      assert.ok([301, 302, 307, 308].includes(moved.status), `${path}: status ${moved.status}`);
      assert.equal(moved.headers.location, '/segnala/', path);
    }
    const missing = await borgoverde.request('/nessuna-pagina/');
    assert.equal(missing.status, 404);
    assert.match(missing.text, /Comune di Borgoverde/);
    // Another comune's tree and the page models are never pages.
    assert.equal((await bergamo.request('/_comuni/borgoverde/')).status, 404);
    assert.equal((await borgoverde.request('/_comuni/borgoverde/index.html')).status, 404);
    assert.equal((await borgoverde.request('/internal/tracking/')).status, 404);
  });

  test('a report belongs to the comune it was filed with: its store, its numbers, its boundary', async () => {
    const description = 'Buca nella piazza del municipio di Borgoverde';
    const filed = await fileReport(borgoverde, pothole({ description, location: IN_BORGOVERDE, reporter: { email: 'anna@example.it' } }));
    assert.equal(filed.status, 201, filed.text);
    assert.match(filed.body.public_number, /^\d{4}-000001$/, 'numbered from 1 in its own store');
    // The same point is outside Bergamo.
    const outside = await fileReport(bergamo, pothole({ location: IN_BORGOVERDE }));
    assert.equal(outside.status, 422);
    assert.equal(outside.body.fields[0].code, 'outside_boundary');

    const token = filed.body.tracking_token;
    assert.equal((await borgoverde.request(`/api/v1/reports/${token}`)).status, 200);
    assert.equal((await bergamo.request(`/api/v1/reports/${token}`)).status, 404, 'unknown to the other comune');
    assert.equal((await bergamo.request(`/segnalazione/${token}`)).status, 404);

    const bergamoFirst = await fileReport(bergamo, pothole({ description: 'Buca in via Borgo Palazzo a Bergamo' }));
    assert.equal(bergamoFirst.status, 201);
    assert.equal(bergamoFirst.body.public_number, filed.body.public_number, 'each comune counts on its own');

    const openData = await bergamo.request('/api/v1/open-data/reports.json');
    assert.ok(openData.body.reports.every((r) => r.category !== undefined));
    assert.equal(openData.body.reports.length, 1);
    assert.equal((await borgoverde.request('/api/v1/open-data/reports.json')).body.reports.length, 1);

    // The confirmation e-mail comes from Borgoverde and links to Borgoverde.
    const deadline = Date.now() + 30_000;
    let message;
    while (!message && Date.now() < deadline) {
      message = worker.mail.messages().find((m) => m.to.includes('anna@example.it'));
      if (!message) await sleep(250);
    }
    assert.ok(message, 'the reporter was told');
    assert.match(message.text, /Borgoverde/);
    assert.doesNotMatch(message.text, /Bergamo/);
    assert.ok(message.text.includes(`http://${BORGOVERDE}:${worker.port}/segnalazione/${token}`), message.text);
  });

  test("one comune's staff never see another's tickets, nor sign in there", async () => {
    const ours = await administratorOf(borgoverde, 'admin@comune.borgoverde.example');
    // The same setup token sets up each comune's first administrator once.
    const theirs = await administratorOf(bergamo, 'admin@comune.bergamo.example');

    const list = async (at, who) => at.request('/api/v1/staff/tickets?per_page=100', { headers: { Cookie: who.cookie } });
    const ourTickets = (await list(borgoverde, ours)).body.tickets;
    assert.deepEqual(ourTickets.map((t) => t.excerpt), ['Buca nella piazza del municipio di Borgoverde']);
    const theirTickets = (await list(bergamo, theirs)).body.tickets;
    assert.ok(theirTickets.length > 0);
    assert.ok(theirTickets.every((t) => !t.excerpt.includes('Borgoverde')));

    // The same number is each comune's own ticket.
    const number = ourTickets[0].number;
    const ticket = async (at, who) => at.request(`/api/v1/staff/tickets/${number}`, { headers: { Cookie: who.cookie } });
    assert.match((await ticket(borgoverde, ours)).text, /Borgoverde/);
    assert.doesNotMatch((await ticket(bergamo, theirs)).text, /Borgoverde/);

    // A session is valid only at its own comune, whatever host it is sent to.
    assert.equal((await list(bergamo, ours)).status, 401);
    assert.equal((await list(borgoverde, theirs)).status, 401);
    // And an account exists only where it was made.
    const elsewhere = await bergamo.request('/api/v1/staff/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'admin@comune.borgoverde.example', password: PASSWORD }),
    });
    assert.equal(elsewhere.status, 401);
  });

  test("a comune's photos are kept under its own prefix and served only to its host", async () => {
    const form = multipart(
      { ...potholeFields({ lat: String(IN_BORGOVERDE.lat), lon: String(IN_BORGOVERDE.lon), email: '' }) },
      [['buca.jpg', fixture('plain.jpg'), 'image/jpeg']],
    );
    const encoded = new Request('http://encoder/', { method: 'POST', body: form });
    const filed = await borgoverde.request('/api/v1/reports', {
      method: 'POST',
      headers: { 'Content-Type': encoded.headers.get('content-type') },
      body: Buffer.from(await encoded.arrayBuffer()),
    });
    assert.equal(filed.status, 201, filed.text);
    const token = filed.body.tracking_token;
    assert.equal((await borgoverde.request(`/api/v1/reports/${token}/photos/1`)).status, 200);
    assert.equal((await bergamo.request(`/api/v1/reports/${token}/photos/1`)).status, 404);

    // The local R2 keeps its object index in SQLite: every key of this photo is Borgoverde's.
    const keys = [];
    const walk = (dir) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.sqlite')) {
          const db = new DatabaseSync(file, { readOnly: true });
          try { keys.push(...db.prepare('SELECT key FROM _mf_objects').all().map((r) => r.key)); } catch { /* not an object index */ }
          db.close();
        }
      }
    };
    walk(path.join(worker.stateDir, 'v3/r2'));
    const photoKeys = keys.filter((k) => k.includes('/tickets/') || k.includes('photo'));
    assert.ok(photoKeys.length >= 1, JSON.stringify(keys));
    assert.ok(photoKeys.every((k) => k.startsWith('borgoverde/')), JSON.stringify(photoKeys));
  });

  test("the cron works every comune: each gets its own open-data snapshot", async () => {
    await worker.scheduled();
    const deadline = Date.now() + 30_000;
    let listed = [];
    while (Date.now() < deadline) {
      listed = await Promise.all([bergamo, borgoverde].map(async (at) => (await at.request('/api/v1/open-data/snapshots.json')).body.snapshots));
      if (listed.every((s) => s.length > 0)) break;
      await sleep(500);
    }
    assert.ok(listed.every((s) => s.length === 1), JSON.stringify(listed));
    const csv = async (at) => {
      const latest = await at.request('/api/v1/open-data/snapshots/latest/reports.csv');
      assert.ok([302, 303, 307].includes(latest.status), `status ${latest.status}`);
      const dated = await at.request(latest.headers.location);
      assert.equal(dated.status, 200);
      return dated.text;
    };
    const [ours, theirs] = [await csv(borgoverde), await csv(bergamo)];
    // Borgoverde filed two reports (one with a photo), Bergamo one: a header and a line each.
    assert.equal(ours.trim().split('\n').length, 3, ours);
    assert.equal(theirs.trim().split('\n').length, 2, theirs);
    assert.notEqual(ours, theirs);
  });
});
