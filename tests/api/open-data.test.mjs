// Public open data against the real Worker: the reports dataset in JSON, CSV and GeoJSON
// with every filter, pages and whole streamed exports, entity tags and CORS, statistics,
// clear errors, and a privacy check: tickets full of personal data, worked by staff with
// internal notes, and none of it in any public output.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshStateDir, startWorker } from '../support/worker.mjs';
import { pothole, postJson } from '../support/demo.mjs';
import { createStaff, setupAdministrator, signIn } from '../support/staff.mjs';

// Everything here identifies a person or is staff-only; none of it may be published.
const SECRETS = {
  name: 'Giuseppina Verdolini',
  email: 'giuseppina.verdolini@example.org',
  address: 'Via Pignolo 117',
  phone: '347 9988776',
  note: 'Nota interna: parlato con la signora al telefono',
  lat: '45.694444',
  lon: '9.660444',
};

function csvRecords(text) {
  // Minimal RFC 4180 reader (quoted cells may hold commas, quotes and line breaks).
  const rows = [];
  let row = [], cell = '', quoted = false;
  const body = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') { cell += '"'; i += 1; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && body[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 1; }
    else cell += c;
  }
  const [header, ...records] = rows;
  return records.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

describe('open data', () => {
  let worker, admin, operator;
  const filed = [];
  const base = () => `${worker.url}/api/v1/open-data`;
  const get = (path, headers = {}) => fetch(`${base()}/${path}`, { headers });
  const file = async (overrides = {}) => {
    const created = await postJson(`${worker.url}/api/v1/reports`, pothole(overrides));
    assert.equal(created.status, 201, created.text);
    filed.push(created.json.public_number);
    return created.json.public_number;
  };
  const act = async (number, command) => {
    const view = (await operator.get(`/api/v1/staff/tickets/${number}`)).body;
    const response = await operator.post(`/api/v1/staff/tickets/${number}/actions`, { version: view.version, ...command });
    assert.equal(response.status, 200, JSON.stringify(response.body));
  };

  before(async () => {
    // Whole exports stream three reports per store call, so eight reports take three calls.
    worker = await startWorker({ stateDir: freshStateDir('open-data'), vars: { OPEN_DATA_PAGE_SIZE: '3' } });
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    await createStaff(admin, 'operatore.strade@comune.example.it', 'operator', 'strade-mobilita');
    operator = await signIn(worker, 'operatore.strade@comune.example.it');

    const personal = {
      description: `Buca enorme davanti a casa mia in ${SECRETS.address}, chiamatemi al ${SECRETS.phone} o scrivete a ${SECRETS.email}`,
      address: SECRETS.address,
      location: { lat: Number(SECRETS.lat), lon: Number(SECRETS.lon) },
      reporter: { name: SECRETS.name, email: SECRETS.email },
    };
    const resolved = await file(personal);
    await act(resolved, { action: 'take_in_charge', reply: 'Presa in carico.' });
    await act(resolved, { action: 'internal_note', text: SECRETS.note });
    await act(resolved, { action: 'resolve', answer: 'Buca chiusa.' });
    const rejected = await file(personal);
    await act(rejected, { action: 'reject', reason: 'not_competent', explanation: 'Strada provinciale.' });
    const duplicate = await file(personal);
    await act(duplicate, { action: 'mark_duplicate', of: resolved });
    await file({ ...personal, category: 'rifiuti-abbandonati', kind: 'reclamo', location: { lat: 45.6841, lon: 9.6632 } });
    await file({ ...personal, category: 'tari', location: undefined });
    for (let i = 0; i < 3; i += 1) await file();
  });
  after(async () => { await worker?.stop(); });

  test('the three forms list the same reports with the same fields', async () => {
    const json = await get('reports.json?limit=1000');
    assert.equal(json.status, 200);
    assert.match(json.headers.get('content-type'), /^application\/json/);
    const page = await json.json();
    assert.equal(page.total, filed.length);
    assert.deepEqual(page.reports.map((r) => r.number), filed);
    assert.equal(page.next, undefined);
    assert.equal(page.licence.url, 'https://creativecommons.org/licenses/by/4.0/');

    const csv = await get('reports.csv');
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type'), /^text\/csv/);
    assert.match(csv.headers.get('content-disposition'), /attachment; filename="segnalazioni-bergamo.csv"/);
    const rows = csvRecords(await csv.text());
    assert.deepEqual(rows.map((r) => r.number), filed, 'streamed in three store calls, nothing lost or repeated');
    assert.deepEqual(Object.keys(rows[0]), Object.keys(page.reports[0]));

    const geo = await get('reports.geojson');
    assert.match(geo.headers.get('content-type'), /^application\/geo\+json/);
    const collection = await geo.json();
    assert.equal(collection.type, 'FeatureCollection');
    assert.deepEqual(collection.features.map((f) => f.id), filed);
    const tari = collection.features.find((f) => f.properties.category === 'tari');
    assert.equal(tari.geometry, null, 'a report without a place has no geometry');

    const [resolved, rejected, duplicate] = page.reports;
    assert.equal(resolved.status, 'resolved');
    assert.ok(resolved.taken_in_charge_at && resolved.resolved_at && resolved.closed_at);
    assert.equal(resolved.taken_in_charge_on_time, true);
    assert.equal(rejected.rejection_reason, 'not_competent');
    assert.equal(duplicate.duplicate_of, resolved.number);
    assert.equal(resolved.lat, 45.694);
    assert.equal(resolved.lon, 9.66);
    assert.equal(resolved.description, null, 'descriptions are private unless the comune publishes them');
    const english = await (await get('reports.json?lang=en&limit=1')).json();
    assert.equal(english.reports[0].status_name, 'Resolved');
  });

  test('every filter narrows all three forms', async () => {
    const cases = [
      ['status=resolved', 1],
      ['status=open', filed.length - 3],
      ['status=closed', 3],
      ['category=rifiuti-abbandonati', 1],
      ['theme=tributi-catasto', 1],
      ['office=strade-mobilita', filed.length - 2],
      ['kind=reclamo', 1],
      ['from=2000-01-01&to=2099-12-31', filed.length],
      ['from=2099-01-01', 0],
      ['bbox=9.663,45.684,9.664,45.685', 1],
      ['bbox=9.0,45.0,9.1,45.1', 0],
    ];
    for (const [query, expected] of cases) {
      const page = await (await get(`reports.json?${query}&limit=1000`)).json();
      assert.equal(page.total, expected, query);
      assert.equal(page.reports.length, expected, query);
      const rows = csvRecords(await (await get(`reports.csv?${query}`)).text());
      assert.equal(rows.length, expected, `csv ${query}`);
      const features = (await (await get(`reports.geojson?${query}`)).json()).features;
      assert.equal(features.length, expected, `geojson ${query}`);
    }
  });

  test('pages link to the next one until every report is read', async () => {
    let next = `${base()}/reports.json?limit=3&status=open`;
    const seen = [];
    while (next) {
      const response = await fetch(next);
      assert.equal(response.status, 200);
      const page = await response.json();
      seen.push(...page.reports.map((r) => r.number));
      if (page.next) assert.equal(response.headers.get('link'), `<${page.next}>; rel="next"`);
      next = page.next;
    }
    const open = (await (await get('reports.json?status=open&limit=1000')).json()).reports.map((r) => r.number);
    assert.deepEqual(seen, open);

    const csv = await get('reports.csv?limit=2');
    assert.equal(csvRecords(await csv.text()).length, 2);
    assert.match(csv.headers.get('link'), /reports\.csv\?limit=2&after=\d{4}-\d{6}>; rel="next"/);
  });

  test('answers carry an entity tag, CORS headers, and turn into 304 until something changes', async () => {
    for (const path of ['reports.json', 'reports.csv', 'reports.geojson', 'statistics.json', 'catalog.jsonld']) {
      const first = await get(path, { Origin: 'https://associazione.example.org' });
      assert.equal(first.status, 200, path);
      assert.equal(first.headers.get('access-control-allow-origin'), '*');
      assert.match(first.headers.get('access-control-expose-headers'), /ETag/);
      assert.match(first.headers.get('cache-control'), /public, max-age=300/);
      const tag = first.headers.get('etag');
      assert.match(tag, /^"[0-9a-f]{24}"$/);
      await first.arrayBuffer();
      const again = await get(path, { 'If-None-Match': tag });
      assert.equal(again.status, 304, path);
      assert.equal(again.headers.get('etag'), tag);
    }
    const preflight = await fetch(`${base()}/reports.json`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://associazione.example.org', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'if-none-match' },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers'), /If-None-Match/);

    const before = (await get('statistics.json')).headers.get('etag');
    const number = await file();
    const after = await get('statistics.json', { 'If-None-Match': before });
    assert.equal(after.status, 200, 'a new report changes the statistics');
    assert.notEqual(after.headers.get('etag'), before);
    assert.equal((await after.json()).totals.reports, filed.length);
    await act(number, { action: 'internal_note', text: 'Solo per noi' });
    assert.equal((await get('reports.json', { 'If-None-Match': after.headers.get('etag') })).status, 200);
  });

  test('the cron writes one snapshot a day, served as files that match the live data', async () => {
    assert.deepEqual(await (await get('snapshots.json')).json(), { snapshots: [] });
    assert.equal((await get('snapshots/latest/reports.csv')).status, 404, 'no snapshot before the first cron run');

    await worker.scheduled();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date());
    const listed = await get('snapshots.json');
    assert.equal(listed.status, 200);
    assert.equal(listed.headers.get('access-control-allow-origin'), '*');
    const { snapshots } = await listed.json();
    assert.equal(snapshots.length, 1);
    assert.equal(snapshots[0].date, today);
    assert.deepEqual(snapshots[0].files.map((f) => [f.name, f.url, f.reports ?? null]), [
      ['reports.csv', `/api/v1/open-data/snapshots/${today}/reports.csv`, filed.length],
      ['reports.geojson', `/api/v1/open-data/snapshots/${today}/reports.geojson`, filed.length],
      ['statistics.json', `/api/v1/open-data/snapshots/${today}/statistics.json`, null],
    ]);

    // The files hold what the live endpoints give (written in 3-report store calls).
    for (const [name, live] of [['reports.csv', 'reports.csv'], ['reports.geojson', 'reports.geojson']]) {
      const file = await get(`snapshots/${today}/${name}`);
      assert.equal(file.status, 200, name);
      // Bytes, not text: decoding would drop the CSV's byte-order mark.
      const bytes = Buffer.from(await file.arrayBuffer());
      assert.ok(bytes.equals(Buffer.from(await (await get(live)).arrayBuffer())), `${name} equals the live export`);
      const entry = snapshots[0].files.find((f) => f.name === name);
      assert.equal(bytes.length, entry.bytes);
      assert.equal(file.headers.get('content-type').split(';')[0], entry.media_type.split(';')[0]);
      assert.equal(file.headers.get('cache-control'), 'public, max-age=3600');
      assert.match(file.headers.get('content-disposition'), new RegExp(`filename="segnalazioni-bergamo-${today}\\.`));
      const tag = file.headers.get('etag');
      assert.ok(tag);
      assert.equal((await get(`snapshots/${today}/${name}`, { 'If-None-Match': tag })).status, 304);
    }
    const statistics = await (await get(`snapshots/${today}/statistics.json`)).json();
    assert.deepEqual(statistics.totals, (await (await get('statistics.json')).json()).totals);

    const latest = await fetch(`${base()}/snapshots/latest/reports.geojson`, { redirect: 'manual' });
    assert.equal(latest.status, 302);
    assert.equal(latest.headers.get('location'), `/api/v1/open-data/snapshots/${today}/reports.geojson`);

    // Later runs the same day leave it alone, even after a change.
    await file();
    await worker.scheduled();
    const again = (await (await get('snapshots.json')).json()).snapshots;
    assert.deepEqual(again, snapshots);

    for (const path of [`snapshots/${today}/index.json`, 'snapshots/2026-13-01/reports.csv', 'snapshots/ieri/reports.csv',
      `snapshots/${today}/reports.csv/x`, 'snapshots/latest/secret.txt']) {
      assert.equal((await get(path)).status, 404, path);
    }
  });

  test('the DCAT-AP_IT catalogue names the publisher, the licence and distributions that download', async () => {
    await worker.scheduled(); // the daily copies are distributions too
    const response = await get('catalog.jsonld');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^application\/ld\+json/);
    const catalog = await response.json();
    assert.equal(catalog['@context'].dcatapit, 'http://dati.gov.it/onto/dcatapit#');
    assert.equal(catalog['dct:publisher']['dct:identifier'], 'c_a794');
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(catalog['dct:modified']['@value'], today, 'modified is the day of the last change');
    const distributions = catalog['dcat:dataset'].flatMap((d) => d['dcat:distribution']);
    assert.equal(distributions.length, 7, 'live forms and daily copies');
    for (const distribution of distributions) {
      assert.equal(distribution['dct:license']['@id'], 'https://creativecommons.org/licenses/by/4.0/');
      const download = await fetch(distribution['dcat:downloadURL']['@id']);
      assert.equal(download.status, 200, distribution['dcat:downloadURL']['@id']);
      assert.equal(download.headers.get('content-type').split(';')[0], distribution['dcat:mediaType']);
      await download.arrayBuffer();
    }
  });

  test('bad requests get a 400 that names each parameter, and other paths a 404 or 405', async () => {
    const response = await get('reports.json?categroy=buche-stradali&from=ieri&limit=0&status=sparita');
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const body = await response.json();
    assert.equal(body.error, 'invalid_query');
    assert.deepEqual(body.fields.map((f) => f.field).sort(), ['categroy', 'from', 'limit', 'status']);
    const cursor = await (await get('reports.csv?after=2001-000001')).json();
    assert.deepEqual(cursor.fields.map((f) => f.field), ['after']);
    const statistics = await get('statistics.json?status=open');
    assert.equal(statistics.status, 400);
    assert.equal((await get('catalog.jsonld?lang=en')).status, 400, 'the catalogue takes no parameter');
    assert.equal((await get('reports.xlsx')).status, 404);
    assert.equal((await fetch(`${base()}/reports.json`, { method: 'POST' })).status, 405);
  });

  test('statistics count what was filed and how offices answered', async () => {
    const response = await get('statistics.json');
    const stats = await response.json();
    assert.equal(stats.totals.reports, filed.length);
    assert.equal(stats.totals.resolved, 1);
    assert.equal(stats.totals.closed, 3);
    const status = Object.fromEntries(stats.by_status.map((s) => [s.id, s.count]));
    assert.equal(status.resolved, 1);
    assert.equal(status.rejected, 1);
    assert.equal(status.duplicate, 1);
    assert.equal(stats.performance.take_in_charge.count, 3, 'resolved, rejected and merged were all acted on');
    assert.equal(stats.performance.take_in_charge_target.share, 1);
    assert.equal(stats.performance.resolution.count, 1);
    assert.ok(stats.performance.resolution.median_hours >= 0);
    assert.equal(stats.by_month.length, 12);
    assert.equal(stats.by_month.at(-1).received, filed.length);
    assert.equal(stats.backlog.at(-1).open, filed.length - 3);
    const roads = stats.performance_by_office.find((o) => o.id === 'strade-mobilita');
    assert.equal(roads.reports, filed.length - 2);

    const office = await (await get('statistics.json?office=tributi&lang=en')).json();
    assert.equal(office.totals.reports, 1);
    assert.equal(office.by_status[0].name, 'Received');
    const empty = await (await get('statistics.json?from=2001-01-01&to=2001-03-31')).json();
    assert.equal(empty.totals.reports, 0);
    assert.equal(empty.by_month.length, 3);

    const cached = await get('statistics.json');
    assert.deepEqual(await cached.json(), stats, 'the same version answers from the cache');
  });

  test('no personal data appears in any public output, even when descriptions are published', async () => {
    const outputs = async () => {
      const texts = [];
      for (const path of ['reports.json?limit=1000', 'reports.json?lang=en&limit=1000', 'reports.csv', 'reports.geojson',
        'reports.csv?status=closed', 'statistics.json', 'statistics.json?lang=en', 'snapshots.json',
        'snapshots/latest/reports.csv', 'snapshots/latest/reports.geojson', 'snapshots/latest/statistics.json']) {
        const response = await get(path);
        assert.equal(response.status, 200, path);
        texts.push([path, await response.text()]);
      }
      return texts;
    };
    const check = (texts, secrets) => {
      for (const [path, text] of texts) {
        for (const [what, secret] of Object.entries(secrets)) {
          assert.ok(!text.includes(secret), `${what} (${secret}) appears in ${path}`);
        }
        assert.ok(!/tracking_token|reporter|assignee|@example\.(org|it)/.test(text), `${path} names private fields`);
      }
    };
    check(await outputs(), SECRETS);

    // The comune decides to publish descriptions: they appear, with what citizens typed in
    // them, and still no name, e-mail field, typed address, note or exact point.
    const current = (await admin.get('/api/v1/staff/configuration')).body;
    const config = structuredClone(current.config);
    config.open_data = { ...(config.open_data ?? {}), publish_descriptions: true };
    const saved = await admin.post('/api/v1/staff/configuration/versions', {
      config, note: 'Pubblichiamo le descrizioni', based_on: current.version ?? 0,
    });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    let published;
    for (let attempt = 0; attempt < 40; attempt += 1) {
      published = await (await get('reports.json?limit=1000')).json();
      if (published.reports[0].description) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.match(published.reports[0].description, /Buca enorme/);
    // Snapshots written under the old policy are withdrawn at once, and the next cron run
    // writes new ones under the new policy.
    assert.deepEqual((await (await get('snapshots.json')).json()).snapshots, []);
    assert.equal((await get('snapshots/latest/reports.csv')).status, 404);
    await worker.scheduled();
    assert.equal((await (await get('snapshots.json')).json()).snapshots.length, 1);
    assert.match(await (await get('snapshots/latest/reports.csv')).text(), /Buca enorme/);
    const { name, note, lat, lon } = SECRETS;
    const texts = await outputs();
    check(texts.filter(([path]) => path.startsWith('statistics')), SECRETS);
    for (const [path, text] of texts) {
      for (const secret of [name, note, lat, lon]) assert.ok(!text.includes(secret), `${secret} appears in ${path}`);
    }
  });
});
