// Open311 GeoReport v2 against the real Worker: discovery, services and their definitions,
// filing reports with administrators' keys (form-encoded, as the spec says), tokens,
// requests with every filter and default, JSON and XML with the spec's element names,
// errors as the spec's list with the right HTTP status, and no personal data in any
// public answer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { freshStateDir, startWorker } from '../support/worker.mjs';
import { demoConfig } from '../support/demo.mjs';
import { createStaff, setupAdministrator, signIn } from '../support/staff.mjs';

// Personal data an application sends; none of it may come out of a public answer.
const PERSON = {
  first_name: 'Ermenegilda',
  last_name: 'Scarpellini',
  email: 'ermenegilda.scarpellini@example.org',
  phone: '+39 347 5566778',
  address_string: 'Via Pignolo 117',
  media_url: 'https://app.example.org/foto/scarpellini-1.jpg',
};
const IN_BERGAMO = { lat: '45.694444', long: '9.660444' };

function form(fields) {
  return new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)]));
}

/** The body of an answer, parsed: JSON as is, XML checked well-formed and read in order. */
async function read(response) {
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('text/xml')) {
    const valid = XMLValidator.validate(text);
    assert.equal(valid, true, `well-formed XML: ${JSON.stringify(valid)}\n${text}`);
    assert.ok(text.startsWith('<?xml version="1.0" encoding="utf-8"?>'), text.slice(0, 60));
    return { text, xml: new XMLParser({ preserveOrder: true, parseTagValue: false }).parse(text) };
  }
  return { text, json: text ? JSON.parse(text) : null };
}

/** Element names in order under the first element called `name` (preserveOrder form). */
function childNames(ordered, name) {
  const find = (nodes) => {
    for (const node of nodes) {
      const [tag] = Object.keys(node).filter((k) => k !== ':@');
      if (tag === name) return node[tag];
      if (Array.isArray(node[tag])) {
        const found = find(node[tag]);
        if (found) return found;
      }
    }
    return null;
  };
  const children = find(ordered);
  assert.ok(children, `<${name}> present`);
  return children.map((node) => Object.keys(node).find((k) => k !== ':@')).filter((k) => k !== '#text');
}

/** The text of every element called `name`, in document order. */
function texts(ordered, name) {
  const found = [];
  const walk = (nodes) => {
    for (const node of nodes) {
      const [tag] = Object.keys(node).filter((k) => k !== ':@');
      if (tag === name) found.push((node[tag].find((c) => '#text' in c) ?? { '#text': '' })['#text']);
      else if (Array.isArray(node[tag])) walk(node[tag]);
    }
  };
  walk(ordered);
  return found.map(String);
}

const REQUEST_FIELDS = ['service_request_id', 'status', 'status_notes', 'service_name', 'service_code',
  'agency_responsible', 'service_notice', 'requested_datetime', 'updated_datetime', 'expected_datetime', 'lat', 'long'];
const W3C = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;

describe('Open311 GeoReport v2', () => {
  let worker;
  let admin;
  let key;
  let base;
  const get = (path, headers = {}) => fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(30_000) });
  const post = (path, fields, headers = {}) => fetch(`${base}${path}`, {
    method: 'POST', body: form(fields), headers, signal: AbortSignal.timeout(30_000),
  });
  const report = (overrides = {}) => ({
    api_key: key.secret,
    service_code: 'buche-stradali',
    description: 'Buca profonda sulla carreggiata, pericolosa per i motorini',
    ...IN_BERGAMO,
    ...overrides,
  });

  before(async () => {
    worker = await startWorker({ stateDir: freshStateDir('open311') });
    base = `${worker.url}/open311/v2`;
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    const made = await admin.post('/api/v1/staff/api-keys', { name: 'App Bergamo Segnala', contact: 'sviluppo@example.org' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    key = made.body;
  });
  after(async () => { await worker?.stop(); });

  test('the discovery document lists the v2 endpoint and its formats, in JSON and XML', async () => {
    for (const path of ['/open311/discovery.json', '/open311/v2/discovery.json']) {
      const response = await fetch(`${worker.url}${path}`);
      assert.equal(response.status, 200, path);
      const { json } = await read(response);
      assert.equal(json.endpoints[0].url, `${worker.url}/open311/v2`);
      assert.equal(json.endpoints[0].specification, 'http://wiki.open311.org/GeoReport_v2');
      assert.deepEqual(json.endpoints[0].formats, ['application/json', 'text/xml']);
      assert.match(json.changeset, W3C);
      assert.match(json.key_service, new RegExp(demoConfig.contacts.email.replace('.', '\\.')));
    }
    const { xml } = await read(await fetch(`${worker.url}/open311/discovery.xml`));
    assert.deepEqual(childNames(xml, 'discovery'), ['changeset', 'contact', 'key_service', 'endpoints']);
    assert.deepEqual(childNames(xml, 'endpoint'), ['specification', 'url', 'changeset', 'type', 'formats']);
    assert.deepEqual(texts(xml, 'format'), ['application/json', 'text/xml']);
  });

  test('every category is a service, grouped by theme, in both formats, cacheable and open to other sites', async () => {
    const response = await get('/services.json');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.equal(response.headers.get('cache-control'), 'public, max-age=300');
    const { json } = await read(response);
    const categories = demoConfig.themes.flatMap((theme) => theme.categories.map((c) => [theme, c]));
    assert.deepEqual(json.map((s) => s.service_code), categories.map(([, c]) => c.id));
    for (const [index, [theme, category]] of categories.entries()) {
      assert.deepEqual(Object.keys(json[index]), ['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group']);
      assert.equal(json[index].service_name, category.name.it);
      assert.equal(json[index].group, theme.name.it);
      assert.equal(json[index].metadata, Boolean(category.fields?.length), `${category.id} has a definition to read`);
      assert.equal(json[index].type, 'realtime');
      assert.equal(typeof json[index].service_code, 'string');
    }
    assert.equal(json.find((s) => s.service_code === 'illuminazione-pubblica').keywords, 'lampione, luce spenta');

    const xmlResponse = await get('/services.xml');
    assert.equal(xmlResponse.headers.get('content-type'), 'text/xml; charset=utf-8');
    const { xml } = await read(xmlResponse);
    assert.deepEqual(childNames(xml, 'services'), categories.map(() => 'service'));
    assert.deepEqual(childNames(xml, 'service'), ['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group']);
    assert.deepEqual(texts(xml, 'service_code'), categories.map(([, c]) => c.id));

    const tag = response.headers.get('etag');
    assert.match(tag, /^"[0-9a-f]{24}"$/);
    const again = await get('/services.json', { 'If-None-Match': tag });
    assert.equal(again.status, 304);
    const preflight = await fetch(`${base}/requests.json`, { method: 'OPTIONS' });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-methods'), /POST/);
  });

  test('a service definition lists the category questions as attributes; an unknown code is a 404 in the spec form', async () => {
    const { json } = await read(await get('/services/rifiuti-abbandonati.json'));
    assert.equal(json.service_code, 'rifiuti-abbandonati');
    assert.deepEqual(json.attributes, [{
      variable: true,
      code: 'tipo-rifiuti',
      datatype: 'multivaluelist',
      required: false,
      datatype_description: 'Le chiavi di uno o più valori, ciascuna in attribute[tipo-rifiuti][]. Scegli tutto quello che vedi.',
      order: 1,
      description: 'Che cosa è stato abbandonato?',
      values: demoConfig.themes.flatMap((t) => t.categories).find((c) => c.id === 'rifiuti-abbandonati')
        .fields[0].choices.map((c) => ({ key: c.key, name: c.label.it })),
    }]);
    const vehicles = (await read(await get('/services/veicoli-abbandonati.json'))).json;
    assert.deepEqual(vehicles.attributes.map((a) => [a.code, a.datatype, a.required, a.order]),
      [['targa', 'string', false, 1], ['da-quando', 'datetime', true, 2], ['segni-abbandono', 'text', false, 3]]);
    assert.deepEqual((await read(await get('/services/marciapiedi.json'))).json, { service_code: 'marciapiedi', attributes: [] });
    const { xml } = await read(await get('/services/buche-stradali.xml'));
    assert.deepEqual(childNames(xml, 'service_definition'), ['service_code', 'attributes']);
    assert.deepEqual(childNames(xml, 'attributes'), ['attribute']);
    assert.deepEqual(childNames(xml, 'attribute'),
      ['variable', 'code', 'datatype', 'required', 'datatype_description', 'order', 'description', 'values']);
    assert.deepEqual(childNames(xml, 'values'), ['value', 'value', 'value']);
    assert.deepEqual(childNames(xml, 'value'), ['key', 'name']);
    assert.deepEqual(texts(xml, 'key'), ['piccola', 'media', 'grande']);
    for (const format of ['json', 'xml']) {
      const response = await get(`/services/nessuna.${format}`);
      assert.equal(response.status, 404);
      const body = await read(response);
      if (format === 'json') {
        assert.deepEqual(Object.keys(body.json[0]), ['code', 'description']);
        assert.equal(body.json[0].code, 404);
        assert.match(body.json[0].description, /service_code/);
      } else {
        assert.deepEqual(childNames(body.xml, 'errors'), ['error']);
        assert.deepEqual(childNames(body.xml, 'error'), ['code', 'description']);
        assert.deepEqual(texts(body.xml, 'code'), ['404']);
      }
    }
  });

  test('filing needs a valid key: missing or wrong is a 403, and nothing is stored', async () => {
    const before = await read(await get('/requests.json'));
    for (const [label, fields] of [['missing', { api_key: '' }], ['wrong', { api_key: 'sgn_' + 'a'.repeat(32) }]]) {
      for (const format of ['json', 'xml']) {
        const response = await post(`/requests.${format}`, report(fields));
        assert.equal(response.status, 403, `${label} ${format}`);
        const body = await read(response);
        if (format === 'json') {
          assert.equal(body.json[0].code, 403);
          assert.match(body.json[0].description, /^api_key: /);
        } else {
          assert.deepEqual(texts(body.xml, 'code'), ['403']);
        }
      }
    }
    // Without a key nobody learns anything about validation either.
    const invalidWithoutKey = await post('/requests.json', { service_code: 'nessuna' });
    assert.equal(invalidWithoutKey.status, 403);
    assert.equal((await read(await get('/requests.json'))).json.length, before.json.length);
  });

  test('a report filed with a key is a ticket like the web form makes, told to the citizen and shown to staff', async () => {
    const response = await post('/requests.json', report({ ...PERSON, jurisdiction_id: demoConfig.id, device_id: 'device-1' }));
    assert.equal(response.status, 201);
    const { json } = await read(response);
    assert.equal(json.length, 1);
    assert.deepEqual(Object.keys(json[0]), ['service_request_id', 'token', 'service_notice']);
    const number = json[0].service_request_id;
    assert.match(number, /^\d{4}-\d{6}$/);
    assert.equal(json[0].service_notice, 'Presa in carico entro 3 giorni lavorativi; risoluzione entro 20 giorni lavorativi.');

    const ticket = await admin.get(`/api/v1/staff/tickets/${number}`);
    assert.equal(ticket.status, 200);
    assert.equal(ticket.body.received_via, 'App Bergamo Segnala');
    assert.deepEqual(ticket.body.reporter, { name: 'Ermenegilda Scarpellini', email: PERSON.email, phone: PERSON.phone });
    assert.equal(ticket.body.media_url, PERSON.media_url);
    assert.equal(ticket.body.address, PERSON.address_string);
    assert.equal(ticket.body.office.id, 'strade-mobilita', 'routed by the same rules as the web form');

    // The citizen hears of it as from the web form, with the tracking link.
    const deadline = Date.now() + 30_000;
    let message;
    while (!message && Date.now() < deadline) {
      message = worker.mail.messages().find((m) => m.to.includes(PERSON.email));
      if (!message) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(message, 'the reporter is told by e-mail');
    assert.match(message.subject, new RegExp(number));

    const token = await read(await get(`/tokens/${json[0].token}.json`));
    assert.deepEqual(token.json, [{ service_request_id: number, token: json[0].token }]);
    const tokenXml = await read(await get(`/tokens/${json[0].token}.xml`));
    assert.deepEqual(childNames(tokenXml.xml, 'request'), ['service_request_id', 'token']);
    assert.equal((await get('/tokens/0190-nessuno.json')).status, 404);

    const keys = await admin.get('/api/v1/staff/api-keys');
    const listed = keys.body.keys.find((k) => k.id === key.id);
    assert.equal(listed.reports, 1);
    assert.ok(listed.last_used_at);
    assert.ok(!JSON.stringify(keys.body).includes(key.secret), 'the key is never shown again');
  });

  test('the XML answer to a filing is a one-element list under service_requests', async () => {
    const response = await post('/requests.xml', report({ address_string: 'Via Tasso 60', lat: '', long: '', service_code: 'illuminazione-pubblica', description: 'Lampione spento da tre sere' }));
    assert.equal(response.status, 201);
    const { xml } = await read(response);
    assert.deepEqual(childNames(xml, 'service_requests'), ['request']);
    assert.deepEqual(childNames(xml, 'request'), ['service_request_id', 'token', 'service_notice']);
  });

  test('every problem of a filing is one error naming its Open311 field, and nothing is stored', async () => {
    const before = (await read(await get('/requests.json'))).json.length;
    const response = await post('/requests.json', {
      api_key: key.secret, service_code: 'nessuna', description: 'corta', lat: '45.46', long: '9.19',
      email: 'non-una-mail', phone: 'chiamami', media_url: 'javascript:alert(1)',
    });
    assert.equal(response.status, 400);
    const { json } = await read(response);
    const fields = json.map((e) => e.description.split(':')[0]).sort();
    // The point is in Milan: outside the comune.
    assert.deepEqual(fields, ['description', 'email', 'lat', 'media_url', 'phone', 'service_code']);
    assert.ok(json.every((e) => e.code === 400));
    const outside = await read(await post('/requests.json', report({ lat: '45.4642', long: '9.19' })));
    assert.deepEqual(outside.json.map((e) => e.description.split(':')[0]), ['lat']);
    const nowhere = await read(await post('/requests.json', report({ lat: '', long: '' })));
    assert.match(nowhere.json[0].description, /address_string/);
    assert.equal((await read(await get('/requests.json'))).json.length, before);
  });

  test('wrong content types, oversized bodies, other jurisdictions and methods are refused clearly', async () => {
    const asJson = await fetch(`${base}/requests.json`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report()),
    });
    assert.equal(asJson.status, 400);
    assert.match((await read(asJson)).json[0].description, /x-www-form-urlencoded/);
    const multipart = new FormData();
    for (const [k, v] of Object.entries(report())) multipart.append(k, v);
    const asMultipart = await fetch(`${base}/requests.json`, { method: 'POST', body: multipart });
    assert.equal(asMultipart.status, 400, 'the spec says form-encoded');
    const huge = await post('/requests.json', report({ description: 'x'.repeat(70_000) }));
    assert.equal(huge.status, 413);
    const elsewhere = await post('/requests.json', report({ jurisdiction_id: 'milano' }));
    assert.equal(elsewhere.status, 404);
    assert.match((await read(elsewhere)).json[0].description, /jurisdiction_id/);
    assert.equal((await get('/services.json?jurisdiction_id=milano')).status, 404);
    assert.equal((await get(`/services.json?jurisdiction_id=${demoConfig.id}`)).status, 200);
    const head = await fetch(`${base}/services.json`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.ok(head.headers.get('etag'));
    const deleted = await fetch(`${base}/services.json`, { method: 'DELETE' });
    assert.equal(deleted.status, 405);
    assert.equal((await read(deleted)).json[0].code, 405);
    for (const path of ['/open311/v2/nothing.json', '/open311/v2/services', '/open311/v3/services.json']) {
      const missing = await fetch(`${worker.url}${path}`);
      assert.equal(missing.status, 404, path);
      assert.equal((await read(missing)).json[0].code, 404);
    }
  });

  test('sending the same report again returns the same request instead of a second ticket', async () => {
    const fields = report({ description: 'Tombino sollevato davanti alla scuola elementare' });
    const first = await post('/requests.json', fields);
    assert.equal(first.status, 201);
    const again = await post('/requests.json', fields);
    assert.equal(again.status, 200);
    assert.deepEqual((await read(again)).json, (await read(first)).json);
  });

  test('requests default to the last 90 days, newest first, and filter by id, service, status and dates', async () => {
    const filed = async (overrides) => (await read(await post('/requests.json', report(overrides)))).json[0].service_request_id;
    const tree = await filed({ service_code: 'alberi-pericolanti', description: 'Ramo spezzato che pende sul marciapiede' });
    const light = await filed({ service_code: 'illuminazione-pubblica', description: 'Tre lampioni spenti nella via' });
    const resolved = await admin.post(`/api/v1/staff/tickets/${light}/actions`, {
      version: (await admin.get(`/api/v1/staff/tickets/${light}`)).body.version,
      action: 'resolve', answer: 'Lampade sostituite',
    });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));

    const all = (await read(await get('/requests.json'))).json;
    assert.equal(all[0].service_request_id, light, 'newest first');
    assert.ok(all.some((r) => r.service_request_id === tree));
    const requested = all.map((r) => r.requested_datetime);
    assert.deepEqual([...requested].sort().reverse(), requested);
    for (const request of all) {
      assert.deepEqual(Object.keys(request).filter((k) => !REQUEST_FIELDS.includes(k)), [], 'only published fields');
      assert.match(request.requested_datetime, W3C);
      assert.match(request.updated_datetime, W3C);
      assert.ok(['open', 'closed'].includes(request.status));
    }
    const closed = all.find((r) => r.service_request_id === light);
    assert.equal(closed.status, 'closed');
    assert.equal(closed.status_notes, 'Risolta');
    assert.ok(closed.updated_datetime >= closed.requested_datetime);
    assert.equal(typeof closed.lat, 'number');

    const byIds = (await read(await get(`/requests.json?service_request_id=${tree},${light},2000-000001&status=open`))).json;
    assert.deepEqual(byIds.map((r) => r.service_request_id).sort(), [light, tree].sort(), 'ids override the other filters');
    const trees = (await read(await get('/requests.json?service_code=alberi-pericolanti'))).json;
    assert.deepEqual(trees.map((r) => r.service_request_id), [tree]);
    const open = (await read(await get('/requests.json?status=open'))).json;
    assert.ok(open.every((r) => r.status === 'open') && !open.some((r) => r.service_request_id === light));
    const onlyClosed = (await read(await get('/requests.json?status=closed'))).json;
    assert.deepEqual(onlyClosed.map((r) => r.service_request_id), [light]);
    const future = (await read(await get('/requests.json?start_date=2099-01-01T00:00:00Z'))).json;
    assert.deepEqual(future, []);
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date());
    const today = (await read(await get(`/requests.json?start_date=${day}&end_date=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`))).json;
    assert.equal(today.length, all.length);
    const wholeDay = (await read(await get(`/requests.json?start_date=${day}&end_date=${day}`))).json;
    assert.equal(wholeDay.length, all.length, 'an end date that is a day includes that day');

    // Many ids at once: more than a Durable Object binds as parameters.
    const many = Array.from({ length: 150 }, (_, i) => `2000-${String(i + 1).padStart(6, '0')}`).concat([tree]);
    const found = (await read(await get(`/requests.json?service_request_id=${many.join(',')}`))).json;
    assert.deepEqual(found.map((r) => r.service_request_id), [tree]);
    const codes = Array.from({ length: 150 }, (_, i) => `categoria-${i}`).concat(['alberi-pericolanti']);
    assert.equal((await read(await get(`/requests.json?service_code=${codes.join(',')}`))).json.length, 1);

    const single = (await read(await get(`/requests/${tree}.json`))).json;
    assert.equal(single.length, 1);
    assert.equal(single[0].service_code, 'alberi-pericolanti');
    assert.equal(single[0].agency_responsible, 'Servizio Verde Pubblico e Parchi');
    assert.equal((await get('/requests/2000-000001.json')).status, 404);

    const { xml } = await read(await get(`/requests.xml?service_request_id=${light}`));
    assert.deepEqual(childNames(xml, 'service_requests'), ['request']);
    assert.deepEqual(childNames(xml, 'request'), REQUEST_FIELDS);
    assert.deepEqual(texts(xml, 'status'), ['closed']);
  });

  test('bad dates, statuses and windows longer than 90 days are 400s naming the parameter', async () => {
    const problems = async (query) => {
      const response = await get(`/requests.json?${query}`);
      assert.equal(response.status, 400, query);
      return (await read(response)).json.map((e) => e.description);
    };
    assert.match((await problems('start_date=ieri'))[0], /^start_date: /);
    assert.match((await problems('status=pending'))[0], /^status: /);
    assert.match((await problems('start_date=2026-01-01T00:00:00Z&end_date=2026-12-31T00:00:00Z'))[0], /90 days/);
    assert.match((await problems('start_date=2026-06-01T00:00:00Z&end_date=2026-05-01T00:00:00Z'))[0], /before start_date/);
    const xml = await get('/requests.xml?end_date=domani');
    assert.equal(xml.status, 400);
    assert.match(texts((await read(xml)).xml, 'description')[0], /^end_date: /);
  });

  test('attributes are checked by the category questions and kept for staff', async () => {
    const vehicle = (fields) => post('/requests.json', report({
      service_code: 'veicoli-abbandonati', description: 'Auto ferma da mesi con le gomme a terra', ...fields,
    }));
    const before = (await read(await get('/requests.json'))).json.length;
    const wrong = await vehicle({ 'attribute[da-quando]': 'ieri', 'attribute[colore]': 'rosso', 'attribute[targa][]': 'AB 123 CD' });
    assert.equal(wrong.status, 400);
    const problems = (await read(wrong)).json.map((e) => e.description.split(':')[0]).sort();
    assert.deepEqual(problems, ['attribute[colore]', 'attribute[da-quando]']);
    const missing = (await read(await vehicle({}))).json;
    assert.deepEqual(missing.map((e) => e.description), ['attribute[da-quando]: answer this question']);
    assert.equal((await read(await get('/requests.json'))).json.length, before, 'nothing stored');

    const filed = await vehicle({
      'attribute[da-quando]': '2026-09-01T10:00:00+02:00', 'attribute[targa]': 'AB 123 CD',
      'attribute[segni-abbandono]': 'Vetri rotti\nfoglie sul parabrezza',
    });
    assert.equal(filed.status, 201);
    const number = (await read(filed)).json[0].service_request_id;
    const ticket = await admin.get(`/api/v1/staff/tickets/${number}`);
    assert.deepEqual(ticket.body.answers, [
      { code: 'targa', question: 'Targa del veicolo', answer: 'AB 123 CD' },
      { code: 'da-quando', question: 'Da quando è lì, più o meno?', answer: '1 settembre 2026' },
      { code: 'segni-abbandono', question: 'Da che cosa si capisce che è abbandonato?', answer: 'Vetri rotti\nfoglie sul parabrezza' },
    ]);

    const waste = await post('/requests.json', report({
      service_code: 'rifiuti-abbandonati', description: 'Pneumatici e sacchi accanto alle campane',
      'attribute[tipo-rifiuti][]': 'pneumatici',
    }));
    assert.equal(waste.status, 201);
    const body = new URLSearchParams(form(report({ service_code: 'rifiuti-abbandonati', description: 'Sacchi e frigorifero accanto alle campane' })));
    body.append('attribute[tipo-rifiuti][]', 'elettronici');
    body.append('attribute[tipo-rifiuti][]', 'sacchi');
    const several = await fetch(`${base}/requests.json`, { method: 'POST', body });
    assert.equal(several.status, 201);
    const wasteTicket = await admin.get(`/api/v1/staff/tickets/${(await read(several)).json[0].service_request_id}`);
    assert.equal(wasteTicket.body.answers[0].answer, 'Sacchi di rifiuti, Elettrodomestici o apparecchi elettronici');

    // Answers are for staff: a plate never reaches a public answer.
    for (const path of ['/requests.json', '/requests.xml', `/requests/${number}.json`, `/requests/${number}.xml`]) {
      const text = await (await get(path)).text();
      assert.ok(!text.includes('AB 123 CD') && !text.includes('parabrezza'), `${path} carries an answer`);
    }
  });

  test('no public answer carries the personal data an application sent', async () => {
    const number = (await read(await post('/requests.json', report({ ...PERSON, description: 'Segnale stradale abbattuto da un camion' })))).json[0].service_request_id;
    const outputs = [
      '/requests.json', '/requests.xml', `/requests/${number}.json`, `/requests/${number}.xml`,
      `/requests.json?service_request_id=${number}`, '/services.json', '/services.xml',
    ];
    for (const path of outputs) {
      const text = await (await get(path)).text();
      for (const [field, value] of Object.entries(PERSON)) {
        assert.ok(!text.includes(value), `${path} carries ${field}`);
      }
      assert.ok(!text.includes(IN_BERGAMO.lat), `${path} carries the exact latitude`);
      assert.ok(!text.includes('Segnale stradale abbattuto'), `${path} carries a description the comune does not publish`);
    }
  });

  test('a revoked key files nothing more, and administrators alone manage keys', async () => {
    const second = await admin.post('/api/v1/staff/api-keys', { name: 'App da revocare' });
    assert.equal(second.status, 201);
    assert.match(second.body.secret, /^sgn_[a-z2-7]{32}$/);
    assert.equal(second.body.key_prefix, second.body.secret.slice(0, 10));
    assert.equal((await post('/requests.json', report({ api_key: second.body.secret }))).status, 201);
    const revoked = await admin.post(`/api/v1/staff/api-keys/${second.body.id}/revoke`, {});
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revoked_at);
    const refused = await post('/requests.json', report({ api_key: second.body.secret, description: 'Dopo la revoca non deve entrare' }));
    assert.equal(refused.status, 403);
    assert.equal((await admin.post(`/api/v1/staff/api-keys/${second.body.id}/revoke`, {})).status, 409);
    assert.equal((await admin.post('/api/v1/staff/api-keys/nessuna/revoke', {})).status, 404);
    const invalid = await admin.post('/api/v1/staff/api-keys', { name: '', contact: 'non-una-mail' });
    assert.equal(invalid.status, 422);
    assert.deepEqual(invalid.body.fields.map((f) => f.field), ['name', 'contact']);

    const audit = await admin.get('/api/v1/staff/audit');
    const actions = audit.body.map((entry) => entry.action);
    assert.ok(actions.includes('create_api_key') && actions.includes('revoke_api_key'));
    assert.ok(!JSON.stringify(audit.body).includes(second.body.secret), 'the audit log never holds a key');

    await createStaff(admin, 'referente.chiavi@comune.example.it', 'referent', 'strade-mobilita');
    const referent = await signIn(worker, 'referente.chiavi@comune.example.it');
    assert.equal((await referent.get('/api/v1/staff/api-keys')).status, 403);
    assert.equal((await referent.post('/api/v1/staff/api-keys', { name: 'Mia app' })).status, 403);
  });
});
