// Multipart reports with photos, every class of bad input, idempotent retries, and the
// form post without JavaScript — against the real Worker, its Durable Object and local R2.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { freshStateDir, startWorker } from '../support/worker.mjs';
import { setupAdministrator, signIn } from '../support/staff.mjs';
import {
  fixture, multipart, pothole, postJson, potholeFields, send, sequenceOf, storedPhotoBlobs,
} from '../support/demo.mjs';

const PERSONAL_MARKERS = ['SegnalaTestCam', 'Model X-Private', 'Mario Rossi', 'secret comment', 'casa mia'];

function assertNoPersonalMetadata(bytes, what) {
  const text = Buffer.from(bytes).toString('latin1');
  for (const marker of PERSONAL_MARKERS) assert.ok(!text.includes(marker), `${what} still contains ${marker}`);
}

describe('reports with photos and forms', () => {
  let worker;
  let stateDir;
  before(async () => {
    stateDir = freshStateDir('photos');
    worker = await startWorker({ stateDir });
  });
  after(async () => { await worker?.stop(); });

  const api = (body, headers) => send(`${worker.url}/api/v1/reports`, body, headers);
  const nextSequence = async () => sequenceOf((await postJson(`${worker.url}/api/v1/reports`, pothole())).json.public_number);

  test('a multipart report stores its photos without metadata and serves them through the Worker', async () => {
    const created = await api(multipart(potholeFields(), [
      ['IMG_0001.jpg', fixture('portrait-with-gps.jpg'), 'image/jpeg'],
      ['screenshot.png', fixture('with-text.png'), 'image/png'],
      ['photo.webp', fixture('with-exif.webp'), 'image/webp'],
    ]));
    assert.equal(created.status, 201, created.text);
    const view = await (await fetch(`${worker.url}/api/v1/reports/${created.json.tracking_token}`)).json();
    assert.deepEqual(view.photos.map((p) => [p.position, p.width, p.height]), [[1, 64, 48], [2, 64, 48], [3, 64, 48]]);
    for (const [index, type] of [[1, 'image/jpeg'], [2, 'image/png'], [3, 'image/webp']]) {
      const response = await fetch(`${worker.url}${view.photos[index - 1].url}`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), type);
      assert.equal(response.headers.get('cache-control'), 'private, max-age=3600');
      assert.match(response.headers.get('content-security-policy'), /sandbox/);
      assertNoPersonalMetadata(await response.arrayBuffer(), `photo ${index}`);
    }
    for (const blob of storedPhotoBlobs(stateDir)) assertNoPersonalMetadata(fs.readFileSync(blob), `stored ${blob}`);
  });

  test('a thumbnail sent by the browser is kept and served', async () => {
    const created = await api(multipart(potholeFields(), [['a.jpg', fixture('portrait-with-gps.jpg'), 'image/jpeg']],
      [['small-a.jpg', fixture('plain.jpg'), 'image/jpeg']]));
    assert.equal(created.status, 201, created.text);
    const view = await (await fetch(`${worker.url}/api/v1/reports/${created.json.tracking_token}`)).json();
    const thumbnail = await fetch(`${worker.url}${view.photos[0].thumbnail_url}`);
    assert.equal(thumbnail.status, 200);
    assert.equal(Buffer.from(await thumbnail.arrayBuffer()).length > 0, true);
  });

  test('a photo of another ticket or position, or with a bad token, is a 404', async () => {
    const created = await api(multipart(potholeFields(), [['a.jpg', fixture('plain.jpg'), 'image/jpeg']]));
    const token = created.json.tracking_token;
    for (const path of [`${token}/photos/2`, `${token}/photos/0`, `${token}/photos/x`, `${token}/photos/1/thumbnail`,
      'aaaaaaaaaaaaaaaaaaaaaaaaaa/photos/1']) {
      const response = await fetch(`${worker.url}/api/v1/reports/${path}`);
      assert.equal(response.status, 404, path);
    }
  });

  test('a file that is not an image is refused whatever its name, and nothing is stored', async () => {
    const before = await nextSequence();
    const response = await api(multipart(potholeFields(), [['photo.jpg', Buffer.from('<html><script>alert(1)</script></html>'), 'image/jpeg']]));
    assert.equal(response.status, 422);
    assert.deepEqual(response.json.fields.map((f) => [f.field, f.code]), [['photos[0]', 'unsupported_type']]);
    assert.equal(await nextSequence(), before + 1, 'no number used');
  });

  test('a photo over the size limit is refused', async () => {
    const big = Buffer.concat([fixture('plain.jpg'), Buffer.alloc(10 * 1024 * 1024)]);
    const response = await api(multipart(potholeFields(), [['big.jpg', big, 'image/jpeg']]));
    assert.equal(response.status, 422);
    assert.deepEqual(response.json.fields.map((f) => [f.field, f.code]), [['photos[0]', 'file_too_large']]);
  });

  test('more photos than allowed are refused', async () => {
    const photo = ['p.jpg', fixture('plain.jpg'), 'image/jpeg'];
    const response = await api(multipart(potholeFields(), [photo, photo, photo, photo]));
    assert.equal(response.status, 422);
    assert.deepEqual(response.json.fields.map((f) => f.code), ['too_many_photos']);
  });

  test('a damaged image is refused', async () => {
    const jpeg = fixture('plain.jpg');
    const response = await api(multipart(potholeFields(), [['cut.jpg', jpeg.subarray(0, jpeg.length / 2), 'image/jpeg']]));
    assert.equal(response.status, 422);
    assert.deepEqual(response.json.fields.map((f) => f.code), ['corrupt_image']);
  });

  test('field errors and photo errors are reported together', async () => {
    const response = await api(multipart(potholeFields({ description: 'corta', email: 'no', lat: 'nord', privacy_accepted: '' }),
      [['x.gif', Buffer.from('GIF89a'), 'image/gif']]));
    assert.equal(response.status, 422);
    assert.deepEqual(response.json.fields.map((f) => f.field), ['location.lat', 'photos[0]']);
    const second = await api(multipart(potholeFields({ description: 'corta', email: 'no', privacy_accepted: '' })));
    assert.deepEqual(second.json.fields.map((f) => f.field), ['description', 'reporter.email', 'privacy_accepted']);
  });

  test('values of the wrong type in JSON are named', async () => {
    for (const [body, field] of [
      [{ ...pothole(), description: 42 }, 'description'],
      [{ ...pothole(), location: { lat: 'north', lon: 9.6 } }, 'location.lat'],
      [{ ...pothole(), privacy_accepted: 'yes' }, 'privacy_accepted'],
      [{ ...pothole(), reporter: 'Mario' }, 'reporter'],
    ]) {
      const response = await postJson(`${worker.url}/api/v1/reports`, body);
      assert.equal(response.status, 422, JSON.stringify(body));
      assert.equal(response.json.fields[0].field, field);
    }
  });

  test('a too long description and address are refused', async () => {
    const response = await postJson(`${worker.url}/api/v1/reports`, pothole({ description: 'a'.repeat(4001), address: 'b'.repeat(201) }));
    assert.equal(response.status, 422);
    assert.deepEqual(response.json.fields.map((f) => [f.field, f.code]), [['description', 'too_long'], ['address', 'too_long']]);
  });

  test('a retried submission with the same Idempotency-Key creates one ticket', async () => {
    const key = `retry-${Date.now()}`;
    const first = await postJson(`${worker.url}/api/v1/reports`, pothole(), { 'Idempotency-Key': key });
    const second = await postJson(`${worker.url}/api/v1/reports`, pothole(), { 'Idempotency-Key': key });
    assert.equal(first.status, 201);
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(second.json.public_number, first.json.public_number);
    assert.equal(second.json.tracking_token, first.json.tracking_token);
    assert.equal(await nextSequence(), sequenceOf(first.json.public_number) + 1);
  });

  test('a retried multipart submission with photos creates one ticket and keeps one set of photos', async () => {
    const blobsBefore = storedPhotoBlobs(stateDir).length;
    const nonce = `nonce-${Date.now()}-abcdef`;
    const body = () => multipart({ ...potholeFields(), nonce }, [['a.jpg', fixture('plain.jpg'), 'image/jpeg']]);
    const first = await api(body());
    const second = await api(body());
    assert.equal(first.status, 201, first.text);
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json.public_number, first.json.public_number);
    assert.equal(storedPhotoBlobs(stateDir).length, blobsBefore + 1, 'the retry left no extra photo');
  });

  test('an Idempotency-Key reused for a different report is refused', async () => {
    const key = `reuse-${Date.now()}`;
    await postJson(`${worker.url}/api/v1/reports`, pothole(), { 'Idempotency-Key': key });
    const other = await postJson(`${worker.url}/api/v1/reports`, pothole({ description: 'Tutt\'altra segnalazione, lampione spento' }), { 'Idempotency-Key': key });
    assert.equal(other.status, 422);
    assert.equal(other.json.fields[0].code, 'idempotency_key_reused');
  });

  test('a malformed Idempotency-Key is refused', async () => {
    const response = await postJson(`${worker.url}/api/v1/reports`, pothole(), { 'Idempotency-Key': 'x' });
    assert.equal(response.status, 422);
    assert.equal(response.json.fields[0].field, 'Idempotency-Key');
  });

  test('the form post without JavaScript files the report and redirects to the confirmation', async () => {
    const response = await send(`${worker.url}/segnala/invia`, multipart(potholeFields(), [['a.jpg', fixture('plain.jpg'), 'image/jpeg']]));
    assert.equal(response.status, 303);
    const location = response.headers.get('location');
    assert.match(new URL(location, worker.url).pathname + new URL(location, worker.url).search, /^\/segnalazione\/[a-z2-7]{26}\?new=1$/);
    const page = await fetch(new URL(location, worker.url));
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Segnalazione inviata/);
    assert.match(html, /Buca profonda sulla carreggiata/);
    assert.ok(!html.includes('Mario Rossi') && !html.includes('mario.rossi@example.it'), 'no personal data on the page');
    assert.equal(page.headers.get('cache-control'), 'private, no-store');
    assert.equal(page.headers.get('referrer-policy'), 'same-origin', 'the link never leaves the site');
  });

  test('an urlencoded form post works too, and the same post twice files one report', async () => {
    const fields = potholeFields({ description: `Segnalazione senza JavaScript ${Date.now()}` });
    const first = await send(`${worker.url}/en/report/send`, new URLSearchParams(fields));
    const second = await send(`${worker.url}/en/report/send`, new URLSearchParams(fields));
    assert.equal(first.status, 303);
    const target = new URL(first.headers.get('location'), worker.url);
    assert.match(target.pathname + target.search, /^\/en\/reports\/[a-z2-7]{26}\?new=1$/);
    assert.equal(second.headers.get('location'), first.headers.get('location'));
  });

  test('a form post with errors shows the form again with the input kept and each error by its field', async () => {
    const fields = potholeFields({ description: 'corta', email: 'mario@', lat: '45.46', lon: '9.19', address: 'Via <b>Roma</b> "1"' });
    const response = await send(`${worker.url}/segnala/invia`, multipart(fields, [['a.jpg', fixture('plain.jpg'), 'image/jpeg']]));
    assert.equal(response.status, 422);
    const html = response.text;
    assert.match(html, /<textarea[^>]*name="description"[^>]*>corta<\/textarea>/);
    assert.match(html, /value="Via &lt;b&gt;Roma&lt;\/b&gt; &quot;1&quot;"/, 'typed text kept and escaped');
    assert.match(html, /<option value="buche-stradali"[^>]*selected/);
    assert.match(html, /id="description-error"[^>]*>La descrizione deve avere almeno 10 caratteri\.</);
    assert.match(html, /id="email-error"[^>]*>Scrivi un indirizzo email valido/);
    assert.match(html, /id="location-error"[^>]*>Il punto indicato è fuori dal territorio del Comune\.</);
    assert.match(html, /id="photos-error"[^>]*>Per sicurezza il browser non conserva le foto/);
    assert.match(html, /<a href="#description">La descrizione deve avere almeno 10 caratteri\.<\/a>/);
    assert.match(html, /aria-invalid="true"/);
    assert.ok(!html.includes('&amp;#x27;'), 'no double escaping');
  });

  test('a form post answers the chosen category questions, and a wrong answer comes back by its question', async () => {
    const fields = potholeFields({ category: 'veicoli-abbandonati', description: `Auto ferma da mesi ${Date.now()}` });
    const form = new URLSearchParams(fields);
    form.append('answers.veicoli-abbandonati.targa', 'AB <i>123</i>');
    form.append('answers.veicoli-abbandonati.da-quando', '');
    // The page holds every category's questions; another category's answers do not count.
    form.append('answers.rifiuti-abbandonati.tipo-rifiuti', 'sacchi');
    form.append('answers.rifiuti-abbandonati.tipo-rifiuti', 'pneumatici');
    const wrong = await send(`${worker.url}/segnala/invia`, form);
    assert.equal(wrong.status, 422);
    const html = wrong.text;
    assert.match(html, /id="answer_veicoli-abbandonati_da-quando__error"[^>]*>Rispondi a questa domanda\.</);
    assert.match(html, /<a href="#answer_veicoli-abbandonati_da-quando">Rispondi a questa domanda\.<\/a>/);
    assert.match(html, /<input[^>]*name="answers\.veicoli-abbandonati\.da-quando"[^>]*aria-invalid="true"/);
    assert.match(html, /name="answers\.veicoli-abbandonati\.targa"[^>]*value="AB &lt;i&gt;123&lt;\/i&gt;"/, 'typed answer kept and escaped');
    for (const key of ['sacchi', 'pneumatici']) {
      assert.match(html, new RegExp(`id="answer_rifiuti-abbandonati_tipo-rifiuti_${key}" value="${key}"[^>]*checked`), `${key} stays ticked`);
    }
    assert.doesNotMatch(html, /id="answer_rifiuti-abbandonati_tipo-rifiuti_elettronici" value="elettronici"[^>]*checked/);
    assert.match(html, /data-first-error="answers\.veicoli-abbandonati\.da-quando"/);

    form.set('answers.veicoli-abbandonati.da-quando', '2026-09-01');
    const filed = await send(`${worker.url}/segnala/invia`, form);
    assert.equal(filed.status, 303, filed.text);
    await setupAdministrator(worker);
    const admin = await signIn(worker, 'admin@comune.example.it');
    const list = await admin.get(`/api/v1/staff/tickets?q=${encodeURIComponent(fields.description)}`);
    const number = list.body.tickets[0].number;
    const ticket = await admin.get(`/api/v1/staff/tickets/${number}`);
    assert.deepEqual(ticket.body.answers.map((a) => [a.code, a.answer]), [['targa', 'AB <i>123</i>'], ['da-quando', '1 settembre 2026']]);

    const csv = await fetch(`${worker.url}/api/v1/staff/tickets.csv?q=${encodeURIComponent(fields.description)}`, { headers: { Cookie: admin.cookie } });
    const [header, row] = (await csv.text()).replace(/^\ufeff/, '').trim().split('\r\n');
    assert.match(header, /,descrizione,risposte$/);
    assert.ok(row.endsWith('"Targa del veicolo: AB <i>123</i>; Da quando è lì, più o meno?: 1 settembre 2026"'), row);
  });

  test('answers in JSON are checked by the category questions, each problem named', async () => {
    const bad = await postJson(`${worker.url}/api/v1/reports`, pothole({
      category: 'illuminazione-pubblica', answers: { 'lampioni-spenti': '2,5', 'numero-palo': ['a', 'b'], colore: 'rosso' },
    }));
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.json.fields.map((f) => [f.field, f.code]), [
      ['answers.colore', 'unknown_question'],
      ['answers.numero-palo', 'not_a_list'],
      ['answers.lampioni-spenti', 'not_an_integer'],
    ]);
    const wrongType = await postJson(`${worker.url}/api/v1/reports`, pothole({ answers: { dimensione: { size: 'big' } } }));
    assert.equal(wrongType.status, 422);
    assert.deepEqual(wrongType.json.fields, [{ field: 'answers.dimensione', code: 'invalid', message: 'an answer is text, a number or a list of texts' }]);
    const good = await postJson(`${worker.url}/api/v1/reports`, pothole({
      category: 'illuminazione-pubblica', answers: { 'lampioni-spenti': '12', 'numero-palo': 'BG-01234' },
    }));
    assert.equal(good.status, 201, JSON.stringify(good.json));
  });

  test('an unknown tracking code on the lookup page says so; a pasted link opens the report', async () => {
    const missing = await fetch(`${worker.url}/segnalazione/cerca?code=aaaaaaaaaaaaaaaaaaaaaaaaaa`, { redirect: 'manual' });
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /Nessuna segnalazione corrisponde/);
    const { json } = await postJson(`${worker.url}/api/v1/reports`, pothole());
    const link = encodeURIComponent(` ${json.tracking_url.toUpperCase()} `);
    const found = await fetch(`${worker.url}/segnalazione/cerca?code=${link}`, { redirect: 'manual' });
    assert.equal(found.status, 303);
    assert.equal(new URL(found.headers.get('location'), worker.url).pathname, `/segnalazione/${json.tracking_token}`);
  });

  test('the page models the Worker fills are not served as they are', async () => {
    for (const path of ['/internal/tracking/', '/en/internal/tracking/']) {
      assert.equal((await fetch(`${worker.url}${path}`)).status, 404, path);
    }
  });
});

describe('failing storage never leaves half-created reports', () => {
  test('when a photo cannot be stored the citizen is told and nothing remains', async () => {
    const stateDir = freshStateDir('faults');
    const worker = await startWorker({ stateDir, vars: { FAULTS: 'photo-storage' } });
    try {
      const photos = [['a.jpg', fixture('plain.jpg'), 'image/jpeg'], ['b.jpg', fixture('plain.jpg'), 'image/jpeg']];
      const response = await send(`${worker.url}/api/v1/reports`, multipart(potholeFields(), photos));
      assert.equal(response.status, 503);
      assert.equal(response.json.error, 'storage_unavailable');
      assert.deepEqual(storedPhotoBlobs(stateDir), [], 'the first photo was removed again');
      const page = await send(`${worker.url}/segnala/invia`, multipart(potholeFields(), photos));
      assert.equal(page.status, 503);
      assert.match(page.text, /Non è stato possibile salvare le foto/);
      assert.match(page.text, /<textarea[^>]*>Buca profonda sulla carreggiata/);
      const next = await postJson(`${worker.url}/api/v1/reports`, pothole());
      assert.equal(sequenceOf(next.json.public_number), 1, 'no ticket was created');
    } finally {
      await worker.stop();
    }
  });

  test('when the ticket store fails the stored photos are removed again', async () => {
    const stateDir = freshStateDir('faults');
    const worker = await startWorker({ stateDir, vars: { FAULTS: 'ticket-store' } });
    try {
      const response = await send(`${worker.url}/api/v1/reports`, multipart(potholeFields(), [['a.jpg', fixture('plain.jpg'), 'image/jpeg']]));
      assert.equal(response.status, 500);
      assert.equal(response.json.error, 'internal_error');
      assert.ok(!response.text.includes('FAULTS'), 'no internal detail leaks');
      assert.deepEqual(storedPhotoBlobs(stateDir), []);
    } finally {
      await worker.stop();
    }
  });
});
