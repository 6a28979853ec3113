// A privacy scanner against the real Worker (issue 9): reports full of distinctive personal
// data (reporter's name, e-mail and phone; an e-mail address and a phone number written in
// the description, which the comune does not publish by default), filed by JSON, by the
// form, as multipart with photos carrying EXIF, GPS and XMP, and through Open311; worked by
// staff through every state, with internal notes and replies; followed by someone; then
// every public output is fetched (open data in every form and its snapshots, Open311 in
// JSON and XML, public report pages and their API, the public dashboard and its map data,
// nearby suggestions, each tracking page and its photos, the follower's and the citizens'
// e-mails) and none may carry what it must not: personal data, staff names, internal
// notes, or another report's tracking token. Then the comune publishes descriptions and takes them back:
// every output, dated snapshots included, must stop showing them at once. Photos are
// served without metadata: the bytes are scanned for EXIF beyond the orientation, GPS, XMP,
// IPTC, PNG text and the fixture's camera strings.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshStateDir, startWorker } from '../support/worker.mjs';
import { fixture, pothole, postJson } from '../support/demo.mjs';
import { createStaff, setupAdministrator, signIn } from '../support/staff.mjs';
import { linkIn, mailsTo } from '../support/hostile.mjs';

// Each reporter's data, distinct enough never to occur by chance.
const PEOPLE = {
  json: { name: 'Ermenegilda Scarpellini', email: 'ermenegilda.scarpellini@example.org', phone: '+39 347 5566778' },
  photos: { name: 'Gualtiero Bortolotti', email: 'gualtiero.bortolotti@example.org' },
  form: { name: 'Filomena Zappacosta', email: 'filomena.zappacosta@example.org' },
  open311: { name: 'Crescenzio Pipitone', email: 'crescenzio.pipitone@example.org', phone: '+39 320 4455667' },
  duplicate: { name: 'Rosalinda Quagliarella', email: 'rosalinda.quagliarella@example.org', phone: '339 7788990' },
};
// Written by the citizens in their descriptions and messages: not published by default.
const WRITTEN = {
  email: 'scrivetemi.subito@example.net',
  phone: '388 6655443',
  address: 'Via Pignolo 117 interno 4',
  message: 'Citofonare Scarpellini al secondo piano',
};
// An answer to a category's question (it may be a licence plate): staff only.
const ANSWER = 'BG-PALO-0042';
// The office's words: the follower never hears them.
const OFFICE_WORDS = 'Risolto con la ditta Fumagalli';
// Staff-only text.
const STAFF = {
  note: 'NOTA INTERNA: la signora ha chiamato dal 347 5566778',
  operator: 'operatore.strade',
  operatorEmail: 'operatore.strade@comune.example.it',
};
const FOLLOWER = 'ottavio.seguace@example.org';
// The fixture's metadata (tests/fixtures/photos/make_fixtures.py).
const CAMERA = ['SegnalaTestCam', 'Model X-Private', 'Mario Rossi', 'secret comment', 'casa mia', '2026:05:04 10:11:12'];

/** Ways a text may show up in an answer: as is, escaped for HTML, JSON or URLs, phones as digits. */
function variants(secret) {
  const forms = new Set([secret, secret.toLowerCase(), encodeURIComponent(secret),
    secret.replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/"/g, '&quot;'),
    JSON.stringify(secret).slice(1, -1)]);
  if (/^[+\d\s().\/-]+$/.test(secret)) {
    const digits = secret.replace(/\D/g, '');
    forms.add(digits);
    forms.add(digits.replace(/^39/, ''));
  }
  return [...forms].filter((f) => f.length >= 6);
}

/** The tags of a TIFF structure's IFD0 (and whether it points to EXIF or GPS IFDs). */
function tiffTags(tiff) {
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ifd = u32(4);
  const count = u16(ifd);
  return Array.from({ length: count }, (_, i) => u16(ifd + 2 + i * 12));
}

/** What a served photo still carries that it must not. */
function photoMetadata(bytes) {
  const problems = [];
  const latin = bytes.toString('latin1');
  for (const marker of CAMERA) if (latin.includes(marker)) problems.push(`camera string ${marker}`);
  if (latin.includes('http://ns.adobe.com/xap') || latin.includes('<x:xmpmeta')) problems.push('XMP');
  if (latin.includes('Photoshop 3.0') || latin.includes('8BIM')) problems.push('IPTC');
  if (latin.includes('GPS')) problems.push('the string GPS');
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    // JPEG: the only EXIF allowed is a minimal block with the orientation (docs/SECURITY.md 7).
    for (let at = 2; at + 4 < bytes.length && bytes[at] === 0xff;) {
      const marker = bytes[at + 1];
      if (marker === 0xda || marker === 0xd9) break;
      const length = bytes.readUInt16BE(at + 2);
      const data = bytes.subarray(at + 4, at + 2 + length);
      if (marker === 0xe1 && data.toString('latin1', 0, 6) === 'Exif\0\0') {
        const tags = tiffTags(data.subarray(6));
        const extra = tags.filter((t) => t !== 0x0112);
        if (extra.length) problems.push(`EXIF tags ${extra.map((t) => `0x${t.toString(16)}`).join(',')} beside the orientation`);
        if (tags.includes(0x8825)) problems.push('a GPS IFD');
      } else if (marker === 0xe1) problems.push('an APP1 segment that is not EXIF (XMP?)');
      if (marker === 0xed) problems.push('APP13 (IPTC)');
      if (marker === 0xfe) problems.push('a JPEG comment');
      at += 2 + length;
    }
  } else if (latin.startsWith('RIFF') && latin.slice(8, 12) === 'WEBP') {
    if (latin.includes('Exif\0\0')) problems.push('Exif\\0\\0');
    for (let at = 12; at + 8 <= bytes.length;) {
      const kind = latin.slice(at, at + 4);
      const size = bytes.readUInt32LE(at + 4);
      if (kind === 'EXIF' || kind === 'XMP ') problems.push(`WebP chunk ${kind}`);
      if (kind === 'VP8X' && (bytes[at + 8] & 0x0c)) problems.push('VP8X still flags EXIF or XMP');
      at += 8 + size + (size % 2);
    }
  } else if (latin.startsWith('\x89PNG')) {
    if (latin.includes('Exif\0\0')) problems.push('Exif\\0\\0');
    for (let at = 8; at + 8 <= bytes.length;) {
      const size = bytes.readUInt32BE(at);
      const kind = latin.slice(at + 4, at + 8);
      if (['eXIf', 'tEXt', 'iTXt', 'zTXt', 'tIME'].includes(kind)) problems.push(`PNG chunk ${kind}`);
      at += 12 + size;
    }
  } else {
    problems.push('not an image format the service serves');
  }
  return problems;
}

describe('privacy of every public output', () => {
  let worker, admin, operator;
  const reports = {};
  const figures = { outputs: 0, bytes: 0, photos: 0, photoBytes: 0, findings: [] };

  const url = (path) => `${worker.url}${path}`;
  const work = async (report, ...commands) => {
    for (const command of commands) {
      const { version } = (await operator.get(`/api/v1/staff/tickets/${report.public_number}`)).body;
      const done = await operator.post(`/api/v1/staff/tickets/${report.public_number}/actions`, { version, ...command });
      assert.equal(done.status, 200, `${command.action}: ${JSON.stringify(done.body)}`);
    }
  };
  const allTokens = () => Object.values(reports).map((r) => r.tracking_token).filter(Boolean);
  const personal = () => Object.entries(PEOPLE).flatMap(([who, person]) =>
    Object.entries(person).map(([what, value]) => [`${who} reporter's ${what}`, value]));

  /** Fetches a public output and records what it carries that it must not. */
  async function scan(path, forbidden, { status = 200, accept } = {}) {
    const response = await fetch(url(path), { redirect: 'follow', headers: accept ? { Accept: accept } : {}, signal: AbortSignal.timeout(30_000) });
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, status, `${path}: ${bytes.toString('utf8').slice(0, 300)}`);
    figures.outputs += 1;
    figures.bytes += bytes.length;
    const text = bytes.toString('utf8');
    for (const [label, secret] of forbidden) {
      for (const form of variants(secret)) {
        if (text.includes(form)) {
          figures.findings.push(`${path} carries ${label} (${form})`);
          break;
        }
      }
    }
    return text;
  }

  /** Everything that no public output may carry. */
  const publicForbidden = () => [
    ...personal(),
    ...Object.entries(WRITTEN).map(([what, value]) => [`written ${what} (descriptions are not published)`, value]),
    ['internal note', STAFF.note], ['staff e-mail', STAFF.operatorEmail], ['staff name', STAFF.operator],
    ['follower\'s address', FOLLOWER], ['answer to a question', ANSWER],
    ...allTokens().map((token) => [`tracking token ${token}`, token]),
  ];

  before(async () => {
    worker = await startWorker({ stateDir: freshStateDir('privacy') });
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    await createStaff(admin, STAFF.operatorEmail, 'operator', 'strade-mobilita');
    operator = await signIn(worker, STAFF.operatorEmail);

    const description = `Buca enorme davanti a casa mia: chiamatemi al ${WRITTEN.phone} o scrivete a ${WRITTEN.email}`;
    const filed = async (body) => {
      const created = await postJson(url('/api/v1/reports'), body);
      assert.equal(created.status, 201, created.text);
      return created.json;
    };
    reports.json = await filed(pothole({ description, address: WRITTEN.address, reporter: PEOPLE.json, location: { lat: 45.694444, lon: 9.660444 } }));

    // Multipart with the fixtures that carry metadata, one also as a browser thumbnail.
    const form = new FormData();
    for (const [k, v] of Object.entries({ category: 'buche-stradali', description: `Tombino rotto, il mio numero è ${WRITTEN.phone}`, lat: '45.6961', lon: '9.6712',
      address: WRITTEN.address, name: PEOPLE.photos.name, email: PEOPLE.photos.email, language: 'it', privacy_accepted: 'on' })) form.append(k, v);
    form.append('photos', new Blob([fixture('portrait-with-gps.jpg')], { type: 'image/jpeg' }), 'IMG_0001.jpg');
    form.append('photos', new Blob([fixture('with-exif.webp')], { type: 'image/webp' }), 'photo.webp');
    form.append('photos', new Blob([fixture('with-text.png')], { type: 'image/png' }), 'screen.png');
    form.append('thumbnails', new Blob([fixture('portrait-with-gps.jpg')], { type: 'image/jpeg' }), 'small.jpg');
    const multipart = await fetch(url('/api/v1/reports'), { method: 'POST', body: form });
    assert.equal(multipart.status, 201, await multipart.clone().text());
    reports.photos = await multipart.json();

    // The form without JavaScript.
    const posted = await fetch(url('/segnala/invia'), {
      method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ category: 'illuminazione-pubblica', description: `Lampione spento, scrivete a ${WRITTEN.email}`, lat: '45.6935', lon: '9.6655',
        name: PEOPLE.form.name, email: PEOPLE.form.email, language: 'it', privacy_accepted: 'on', 'answers.illuminazione-pubblica.numero-palo': ANSWER }),
    });
    assert.equal(posted.status, 303);
    reports.form = { tracking_token: posted.headers.get('location').match(/\/segnalazione\/([a-z2-7]{26})/)[1] };
    reports.form.public_number = (await (await fetch(url(`/api/v1/reports/${reports.form.tracking_token}`))).json()).public_number;

    // Open311 with every personal field the spec has.
    const key = (await admin.post('/api/v1/staff/api-keys', { name: 'App privacy', contact: 'sviluppo@example.org' })).body.secret;
    const [first, ...last] = PEOPLE.open311.name.split(' ');
    const open311 = await fetch(url('/open311/v2/requests.json'), {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: key, service_code: 'rifiuti-abbandonati', description: `Sacchi abbandonati, chiamare ${WRITTEN.phone}`,
        lat: '45.6902', long: '9.6690', first_name: first, last_name: last.join(' '), email: PEOPLE.open311.email, phone: PEOPLE.open311.phone,
        address_string: WRITTEN.address, media_url: 'https://app.example.org/foto/pipitone.jpg' }),
    });
    assert.equal(open311.status, 201, await open311.clone().text());
    const [created] = await open311.json();
    reports.open311 = { public_number: created.service_request_id, open311_token: created.token };

    reports.duplicate = await filed(pothole({ description: 'La stessa buca, segnalata di nuovo', reporter: PEOPLE.duplicate }));

    // Staff work them through every state, with notes and replies.
    await work(reports.json, { action: 'take_in_charge', reply: 'Presa in carico.' }, { action: 'internal_note', text: STAFF.note },
      { action: 'start_work' }, { action: 'public_reply', text: 'Interveniamo giovedì.' }, { action: 'resolve', answer: 'Buca chiusa.' });
    await work(reports.photos, { action: 'take_in_charge' }, { action: 'internal_note', text: STAFF.note });
    await work(reports.duplicate, { action: 'mark_duplicate', of: reports.json.public_number });
    const { version } = (await admin.get(`/api/v1/staff/tickets/${reports.open311.public_number}`)).body;
    assert.equal((await admin.post(`/api/v1/staff/tickets/${reports.open311.public_number}/actions`,
      { version, action: 'reject', reason: 'not_competent', explanation: 'Area privata.' })).status, 200);

    // The citizen adds a message with a photo; someone follows the photos' report.
    const message = new FormData();
    message.append('text', `${WRITTEN.message}, telefono ${WRITTEN.phone}`);
    message.append('photos', new Blob([fixture('portrait-with-gps.jpg')], { type: 'image/jpeg' }), 'again.jpg');
    const sent = await fetch(url(`/api/v1/reports/${reports.photos.tracking_token}/messages`), { method: 'POST', body: message });
    assert.equal(sent.status, 201, await sent.clone().text());
    const asked = await postJson(url(`/api/v1/public-reports/${reports.photos.public_number}/subscriptions`), { email: FOLLOWER });
    assert.equal(asked.status, 202);
    const [confirmation] = await mailsTo(worker, (m) => m.to.includes(FOLLOWER));
    assert.ok(confirmation, 'the follower is asked to confirm');
    assert.equal((await fetch(url(linkIn(confirmation, /http\S+\/conferma/)), { method: 'POST' })).status, 200);
    await work(reports.photos, { action: 'start_work' }, { action: 'resolve', answer: OFFICE_WORDS });
    await worker.scheduled();
  });

  after(async () => {
    console.log(`privacy: ${figures.outputs} outputs scanned, ${figures.bytes} bytes scanned, ${figures.findings.length} findings`);
    console.log(`privacy: ${figures.photos} photo answers scanned (${figures.photoBytes} bytes) for EXIF, GPS, XMP, IPTC and camera strings`);
    if (figures.findings.length) console.log(`privacy findings:\n${figures.findings.map((f) => `  - ${f}`).join('\n')}`);
    await worker?.stop();
  });

  const numbers = () => Object.values(reports).map((r) => r.public_number);

  /** Every public output, under the policy in force. */
  async function scanPublicOutputs(forbidden) {
    const data = '/api/v1/open-data';
    for (const path of ['reports.json?limit=1000', 'reports.json?limit=1000&lang=en', 'reports.json?status=closed', 'reports.csv', 'reports.csv?lang=en',
      'reports.geojson', 'reports.geojson?status=open', 'statistics.json', 'statistics.json?lang=en', 'catalog.jsonld', 'snapshots.json']) {
      await scan(`${data}/${path}`, forbidden);
    }
    const { snapshots } = await (await fetch(url(`${data}/snapshots.json`))).json();
    for (const snapshot of snapshots) for (const file of snapshot.files) await scan(file.url, forbidden);
    if (snapshots.length) for (const file of ['reports.csv', 'reports.geojson', 'statistics.json']) await scan(`${data}/snapshots/latest/${file}`, forbidden);

    for (const path of ['/open311/discovery.json', '/open311/discovery.xml', '/open311/v2/services.json', '/open311/v2/services.xml',
      '/open311/v2/services/buche-stradali.json', '/open311/v2/services/rifiuti-abbandonati.xml', '/open311/v2/requests.json', '/open311/v2/requests.xml',
      '/open311/v2/requests.json?status=closed', `/open311/v2/requests.xml?service_request_id=${numbers().join(',')}`,
      `/open311/v2/tokens/${reports.open311.open311_token}.json`, `/open311/v2/tokens/${reports.open311.open311_token}.xml`]) {
      await scan(path, forbidden);
    }
    for (const number of numbers()) {
      await scan(`/open311/v2/requests/${number}.json`, forbidden);
      await scan(`/open311/v2/requests/${number}.xml`, forbidden);
      await scan(`/segnalazioni/${number}`, forbidden);
      await scan(`/en/public-reports/${number}`, forbidden);
      await scan(`/api/v1/public-reports/${number}`, forbidden);
      await scan(`/api/v1/public-reports/${number}?lang=en`, forbidden);
    }
    for (const path of ['/cruscotto/', '/en/dashboard/', '/cruscotto/?office=strade-mobilita', '/api/v1/config', '/', '/segnala/']) {
      await scan(path, forbidden);
    }
    for (const [category, lat, lon] of [['buche-stradali', 45.695, 9.67], ['buche-stradali', 45.6961, 9.6712], ['illuminazione-pubblica', 45.6935, 9.6655],
      ['rifiuti-abbandonati', 45.6902, 9.669]]) {
      await scan(`/api/v1/reports/nearby?category=${category}&lat=${lat}&lon=${lon}`, forbidden);
      await scan(`/api/v1/reports/nearby?category=${category}&lat=${lat}&lon=${lon}&lang=en`, forbidden);
    }
  }

  test('no public output carries personal data, staff-only text or a tracking token', async () => {
    await scanPublicOutputs(publicForbidden());
    assert.deepEqual(figures.findings, []);
  });

  test('each tracking page and its API show no reporter\'s data and no other report\'s token', async () => {
    for (const [which, report] of Object.entries(reports)) {
      if (!report.tracking_token) continue;
      const others = allTokens().filter((t) => t !== report.tracking_token);
      const forbidden = [...personal(), ['internal note', STAFF.note], ['staff name', STAFF.operator], ['staff e-mail', STAFF.operatorEmail],
        ['follower\'s address', FOLLOWER], ['answer to a question', ANSWER], ...others.map((t) => [`another report's token ${t}`, t])];
      // A duplicate's citizen sees the original's progress, never its citizen's words.
      if (which === 'duplicate') forbidden.push(...Object.entries(WRITTEN).map(([what, value]) => [`the original's ${what}`, value]));
      for (const path of [`/segnalazione/${report.tracking_token}`, `/en/reports/${report.tracking_token}`, `/api/v1/reports/${report.tracking_token}`,
        `/segnalazione/cerca?code=${report.tracking_token}`]) {
        await scan(path, forbidden);
      }
    }
    assert.deepEqual(figures.findings, []);
  });

  test('the follower\'s e-mails carry nothing of the reporter or the office\'s words', async () => {
    const messages = await mailsTo(worker, (m) => m.to.includes(FOLLOWER), 2);
    assert.ok(messages.length >= 2, 'confirmation and at least one change of status');
    const forbidden = [...personal(), ...Object.entries(WRITTEN), ['internal note', STAFF.note], ['staff name', STAFF.operator], ['the office\'s words', OFFICE_WORDS],
      ...allTokens().map((t) => [`tracking token ${t}`, t])];
    for (const message of messages) {
      const text = `${message.subject}\n${message.text}\n${message.html}\n${JSON.stringify(message.headers ?? {})}`;
      figures.outputs += 1;
      figures.bytes += Buffer.byteLength(text);
      for (const [label, secret] of forbidden) {
        if (variants(secret).some((form) => text.includes(form))) figures.findings.push(`e-mail "${message.subject}" to the follower carries ${label}`);
      }
    }
    assert.deepEqual(figures.findings, []);
  });

  test('each citizen\'s e-mails carry nothing of another citizen, no internal note and no other report\'s token', async () => {
    // The duplicate's reporter hears of the original's steps, never its citizen's words.
    await mailsTo(worker, (m) => m.to.includes(PEOPLE.duplicate.email), 2);
    for (const [who, person] of Object.entries(PEOPLE)) {
      const own = reports[who]?.tracking_token;
      const forbidden = [
        ...personal().filter(([label]) => !label.startsWith(`${who} `)),
        ['internal note', STAFF.note], ['staff e-mail', STAFF.operatorEmail], ['answer to a question', ANSWER], ['follower\'s address', FOLLOWER],
        ...allTokens().filter((t) => t !== own).map((t) => [`another report's token ${t}`, t]),
        ...(who === 'duplicate' ? Object.entries(WRITTEN).map(([what, value]) => [`the original's ${what}`, value]) : []),
      ];
      const messages = worker.mail.messages().filter((m) => m.to.includes(person.email));
      assert.ok(messages.length >= 1, `${who} was told at least of the filing`);
      for (const message of messages) {
        const text = `${message.subject}\n${message.text}\n${message.html}\n${JSON.stringify(message.headers ?? {})}`;
        figures.outputs += 1;
        figures.bytes += Buffer.byteLength(text);
        for (const [label, secret] of forbidden) {
          if (variants(secret).some((form) => text.includes(form))) figures.findings.push(`e-mail "${message.subject}" to the ${who} reporter carries ${label}`);
        }
      }
    }
    assert.deepEqual(figures.findings, []);
  });

  test('photos are served without metadata, to the link holder and to staff', async () => {
    // Control: the scanner sees what the fixtures carry before the service cleans them.
    for (const name of ['portrait-with-gps.jpg', 'with-exif.webp', 'with-text.png']) {
      const found = photoMetadata(fixture(name));
      assert.ok(found.length >= 2, `${name}: ${found}`);
    }
    assert.ok(photoMetadata(fixture('portrait-with-gps.jpg')).some((p) => /GPS IFD|EXIF tags/.test(p)));
    const view = await (await fetch(url(`/api/v1/reports/${reports.photos.tracking_token}`))).json();
    assert.equal(view.photos.length, 4, 'three with the report, one with the message');
    const paths = view.photos.flatMap((p) => [p.url, p.thumbnail_url].filter(Boolean));
    assert.ok(view.photos[0].thumbnail_url, 'the browser thumbnail is served');
    const staffView = (await operator.get(`/api/v1/staff/tickets/${reports.photos.public_number}`)).body;
    const staffPaths = staffView.photos.flatMap((p) => [p.url, p.thumbnail_url].filter(Boolean));
    assert.ok(staffPaths.length >= 5, JSON.stringify(staffView.photos));
    for (const [path, headers] of [...paths.map((p) => [p, {}]), ...staffPaths.map((p) => [p, { Cookie: operator.cookie }])]) {
      const response = await fetch(url(path), { headers });
      assert.equal(response.status, 200, path);
      const bytes = Buffer.from(await response.arrayBuffer());
      figures.photos += 1;
      figures.photoBytes += bytes.length;
      figures.outputs += 1;
      figures.bytes += bytes.length;
      for (const problem of photoMetadata(bytes)) figures.findings.push(`${path} still has ${problem}`);
      assert.match(response.headers.get('content-security-policy') ?? '', /sandbox/, path);
      assert.ok(!/filename="[^"]*(IMG_0001|photo\.webp|screen|again)/.test(response.headers.get('content-disposition') ?? ''), 'no uploaded name');
    }
    // The JPEG keeps its orientation (a portrait stays upright), nothing else.
    const first = Buffer.from(await (await fetch(url(view.photos[0].url))).arrayBuffer());
    assert.ok(first.includes(Buffer.from('Exif\0\0')), 'the minimal orientation block is kept');
    // Another report's token never opens these photos.
    const other = await fetch(url(view.photos[0].url.replace(reports.photos.tracking_token, reports.json.tracking_token)));
    assert.equal(other.status, 404);
    assert.deepEqual(figures.findings, []);
  });

  test('descriptions published, then taken back: every output, dated snapshots included, stops showing them at once', async () => {
    const setPublish = async (publish) => {
      const current = (await admin.get('/api/v1/staff/configuration')).body;
      const config = structuredClone(current.config);
      config.open_data = { ...(config.open_data ?? {}), publish_descriptions: publish };
      const saved = await admin.post('/api/v1/staff/configuration/versions', { config, note: `descrizioni ${publish}`, based_on: current.version ?? 0 });
      assert.equal(saved.status, 201, JSON.stringify(saved.body));
      for (let attempt = 0; attempt < 40; attempt += 1) {
        const page = await (await fetch(url('/api/v1/open-data/reports.json?limit=1000'))).json();
        if (page.reports.some((r) => r.description) === publish) return;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      assert.fail(`publish_descriptions ${publish} not in force after 40 s`);
    };
    await setPublish(true);
    await worker.scheduled();
    const { snapshots } = await (await fetch(url('/api/v1/open-data/snapshots.json'))).json();
    assert.equal(snapshots.length, 1);
    const dated = snapshots[0].files.map((f) => f.url);
    const csv = await (await fetch(url(dated[0]))).text();
    assert.ok(csv.includes(WRITTEN.email), 'published: the description is there as typed (docs/SECURITY.md, gap 16)');
    // Still no reporter's data, note, staff name or token while descriptions are published.
    await scanPublicOutputs([...personal(), ['internal note', STAFF.note], ['staff name', STAFF.operator], ['follower\'s address', FOLLOWER],
      ['answer to a question', ANSWER], ['typed address', WRITTEN.address], ['citizen\'s message', WRITTEN.message],
      ...allTokens().map((t) => [`tracking token ${t}`, t])]);
    assert.deepEqual(figures.findings, []);

    // Taken back: no output shows them any more, before the cron has run again.
    await setPublish(false);
    const withdrawn = publicForbidden().filter(([label]) => label.startsWith('written'));
    for (const path of dated) {
      const response = await fetch(url(path));
      const text = await response.text();
      figures.outputs += 1;
      figures.bytes += Buffer.byteLength(text);
      if (response.status === 200 && withdrawn.some(([, secret]) => text.includes(secret))) {
        figures.findings.push(`${path} still serves the descriptions after the comune took them back (${response.status})`);
      }
    }
    await scanPublicOutputs(publicForbidden());
    assert.deepEqual(figures.findings, []);
    await worker.scheduled();
    await scanPublicOutputs(publicForbidden());
    assert.deepEqual(figures.findings, []);
  });
});
