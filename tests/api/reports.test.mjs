// Filing a report and reading it back by tracking token, against the real Worker and its
// Durable Object store; bad input; persistence across a restart of the local runtime.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshStateDir, startWorker } from '../support/worker.mjs';
import { pothole, postJson } from '../support/demo.mjs';

describe('reports', () => {
  let worker;
  let stateDir;
  before(async () => {
    stateDir = freshStateDir('reports');
    worker = await startWorker({ stateDir });
  });
  after(async () => { await worker?.stop(); });

  const post = (body, headers) => postJson(`${worker.url}/api/v1/reports`, body, headers);

  test('a valid report creates a ticket with a public number and a tracking token', async () => {
    const created = await post(pothole());
    assert.equal(created.status, 201, created.text);
    const body = created.json;
    assert.match(body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'uuid v7');
    assert.match(body.public_number, /^\d{4}-\d{6}$/);
    assert.match(body.tracking_token, /^[a-z2-7]{26}$/);
    assert.equal(body.status, 'received');
    assert.deepEqual(body.office, { id: 'strade-mobilita', name: 'Servizio Manutenzione Strade e Mobilità' });
    assert.equal(body.tracking_url, `${worker.url}/segnalazione/${body.tracking_token}`);
    assert.equal(created.headers.get('location'), `/api/v1/reports/${body.tracking_token}`);
  });

  test('the tracking token opens the public view without personal data', async () => {
    const { json: created } = await post(pothole());
    const response = await fetch(`${worker.url}/api/v1/reports/${created.tracking_token}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'private, no-store');
    const text = await response.text();
    const view = JSON.parse(text);
    assert.equal(view.public_number, created.public_number);
    assert.equal(view.status, 'received');
    assert.equal(view.public_state, 'open');
    assert.equal(view.category.name, 'Buche e dissesti stradali');
    assert.equal(view.theme.name, 'Strade e viabilità');
    assert.equal(view.description, pothole().description);
    assert.deepEqual(view.location, pothole().location);
    assert.equal(view.history.length, 1);
    assert.equal(view.history[0].kind, 'created');
    assert.ok(!text.includes('Mario Rossi'), 'no reporter name');
    assert.ok(!text.includes('mario.rossi@example.it'), 'no reporter e-mail');
  });

  test('public numbers are consecutive', async () => {
    const first = (await post(pothole())).json.public_number;
    const second = (await post(pothole())).json.public_number;
    const [year, sequence] = first.split('-');
    assert.equal(second, `${year}-${String(Number(sequence) + 1).padStart(6, '0')}`);
  });

  test('a pothole in Città Alta is routed to the historic centre office by zone', async () => {
    const { json } = await post(pothole({ location: { lat: 45.7035, lon: 9.6625 } }));
    assert.equal(json.office.id, 'centro-storico');
  });

  test('an English report gets English names and an English tracking link', async () => {
    const { json } = await post(pothole({ language: 'en' }));
    assert.equal(json.office.name, 'Road Maintenance and Mobility');
    assert.match(json.tracking_url, /\/en\/reports\/[a-z2-7]{26}$/);
  });

  test('rejects a report outside the city boundary, naming the field', async () => {
    const response = await post(pothole({ location: { lat: 45.4642, lon: 9.19 } }));
    assert.equal(response.status, 422);
    assert.equal(response.json.error, 'validation_failed');
    assert.deepEqual(response.json.fields.map((f) => [f.field, f.code]), [['location', 'outside_boundary']]);
  });

  test('lists every invalid field at once', async () => {
    const response = await post({ category: 'dischi-volanti', kind: 'lamentela', description: 'corta', reporter: { email: 'mario@' } });
    assert.equal(response.status, 422);
    assert.deepEqual(response.json.fields.map((f) => f.field), ['category', 'kind', 'description', 'location', 'reporter.email', 'privacy_accepted']);
  });

  test('malformed JSON is a 400 that says so', async () => {
    const response = await post('{"category": ');
    assert.equal(response.status, 400);
    assert.equal(response.json.fields[0].code, 'malformed_json');
  });

  test('an unknown field is named in the error', async () => {
    const response = await post({ ...pothole(), colour: 'red' });
    assert.equal(response.status, 422);
    assert.match(response.json.fields[0].message, /colour/);
  });

  test('a body that is not JSON is refused with 415', async () => {
    const response = await post('category=buche', { 'Content-Type': 'text/plain' });
    assert.equal(response.status, 415);
    assert.equal(response.json.error, 'unsupported_media_type');
  });

  test('a body over 64 KB is refused with 413 and stores nothing', async () => {
    const before = (await post(pothole())).json.public_number;
    const response = await post(pothole({ description: 'x'.repeat(70 * 1024) }));
    assert.equal(response.status, 413);
    const afterNumber = (await post(pothole())).json.public_number;
    assert.equal(Number(afterNumber.split('-')[1]), Number(before.split('-')[1]) + 1, 'no number used by the refused report');
  });

  test('an unknown or malformed tracking token is a 404', async () => {
    for (const token of ['aaaaaaaaaaaaaaaaaaaaaaaaaa', 'not-a-token', '..%2F..%2Fetc']) {
      const response = await fetch(`${worker.url}/api/v1/reports/${token}`);
      assert.equal(response.status, 404, token);
      assert.equal((await response.json()).error, 'not_found');
    }
  });

  test('tickets survive a restart of the local stack', async () => {
    const { json: created } = await post(pothole({ description: 'Lampione spento da una settimana in via Tasso', category: 'illuminazione-pubblica' }));
    await worker.stop();
    worker = await startWorker({ stateDir });
    const response = await fetch(`${worker.url}/api/v1/reports/${created.tracking_token}`);
    assert.equal(response.status, 200);
    const view = await response.json();
    assert.equal(view.public_number, created.public_number);
    assert.equal(view.office.id, 'illuminazione');
    const next = (await post(pothole())).json.public_number;
    assert.equal(Number(next.split('-')[1]), Number(created.public_number.split('-')[1]) + 1, 'numbering continues');
  });
});
