// Hostile input against every public endpoint of the real Worker (issue 9): a corpus of
// malformed and malicious requests, kept as data (`CASES`: name, request, expect) so it is
// easy to extend. Broken JSON and multipart, huge bodies and fields, wrong content types,
// control characters and odd Unicode, HTML and SQL in text fields, path traversal in photo
// names and URLs, forged and tampered tokens and cookies, cross-site changes, replayed
// one-time links. Each refused request must get a clear 4xx (JSON naming the field for
// /api and /open311, a readable page elsewhere), never a 5xx, and must leave nothing
// behind: the ticket count, the worked tickets' versions, the stored photos, the followers,
// staff accounts and API keys are compared before and after every request, and at the end
// no e-mail may have gone to any address a refused request named. A few requests are
// accepted on purpose ("tolerated": text with markup or SQL is data, anonymous filing is
// open to anyone, a replayed idempotent link); they must store exactly what they say.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshStateDir, startWorker } from '../support/worker.mjs';
import { fixture, pothole, postJson, storedPhotoBlobs } from '../support/demo.mjs';
import { createStaff, json, setupAdministrator, signIn } from '../support/staff.mjs';
import {
  StatusFigures, allPayloads, forgedToken, formBody, linkIn, mailsTo, rawRequest, tampered,
} from '../support/hostile.mjs';

// Every address a refused request names is at this domain: none may ever get a message.
const REFUSED_DOMAIN = 'refused.hostile.example.org';
const refusedEmail = (n) => `r${n}@${REFUSED_DOMAIN}`;
const EVIL = 'https://evil.example';

/** A report that would be valid, with an address that must never hear from us. */
const report = (overrides = {}, n = 0) => pothole({ reporter: { name: 'Mario Rossi', email: refusedEmail(n) }, ...overrides });
const reportJson = (overrides, n) => JSON.stringify(report(overrides, n));
const jsonHeaders = (extra = {}) => ({ 'Content-Type': 'application/json', ...extra });

/** Form fields of a valid report, for multipart and urlencoded posts. */
const fields = (overrides = {}) => ({
  category: 'buche-stradali', kind: 'segnalazione', description: 'Buca profonda sulla carreggiata davanti al civico 12',
  lat: '45.695', lon: '9.67', address: 'Via Borgo Palazzo 12', name: 'Mario Rossi', email: refusedEmail(99),
  language: 'it', privacy_accepted: 'on', ...overrides,
});
const multipart = async (values, photos = []) => {
  const form = new FormData();
  for (const [k, v] of Object.entries(values)) form.append(k, v);
  for (const [name, bytes, type] of photos) form.append('photos', new Blob([bytes], { type }), name);
  return formBody(form);
};
const urlencoded = (values) => new URLSearchParams(values).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

// A multipart body whose parts never match its boundary, and one cut in the middle.
const BROKEN_MULTIPART = [
  '--other-boundary\r\nContent-Disposition: form-data; name="description"\r\n\r\nBuca\r\n--other-boundary--\r\n',
  '--b\r\nContent-Disposition: form-data; name="description"\r\n\r\nBuca profonda sulla carreggiata',
];

/** A redirect from the assets server must lead to the 404 page, never to what it hides. */
async function endsInNotFound(ctx, answer) {
  if (answer.status === 404) return;
  const location = answer.headers.location ?? '';
  assert.ok(location.startsWith('/') && !location.startsWith('//'), `a redirect inside the site: ${location}`);
  const next = await rawRequest(ctx.worker, { path: location });
  assert.equal(next.status, 404, `${location} → ${next.status}`);
  assert.ok(!next.text.includes('data-slot='), 'not a page model');
}

/**
 * The corpus. `request` is an object or a function of the context (tokens, cookies and
 * numbers made in `before`). `expect`:
 *   status     the status (number, list of numbers, or '4xx')
 *   api        the body is JSON `{error, message, fields}`; `field`/`code` must be among fields
 *   open311    the body is the spec's error list; its description starts with this field
 *   page       the body is a readable HTML page
 *   absent     strings that must not appear raw in the answer (an echoed payload)
 *   location   for a redirect, a pattern its Location must match
 *   tolerated  accepted on purpose; `stores` says what it may store ({ tickets: 1 })
 *   check      more assertions: async (ctx, answer) => {}
 */
const CASES = [
  // --- POST /api/v1/reports, JSON -------------------------------------------------------
  { name: 'report: JSON cut short', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(), body: '{"category": ' },
    expect: { status: 400, api: true, code: 'malformed_json' } },
  { name: 'report: JSON with trailing garbage', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(), body: `${reportJson({}, 1)}}{"x":1}` },
    expect: { status: 400, api: true, code: 'malformed_json' } },
  { name: 'report: empty body', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(), body: '' },
    expect: { status: 400, api: true, code: 'malformed_json' } },
  { name: 'report: JSON null', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(), body: 'null' },
    expect: { status: '4xx', api: true } },
  { name: 'report: JSON array instead of object', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(), body: '[1,2,3]' },
    expect: { status: '4xx', api: true } },
  { name: 'report: body not UTF-8', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: Buffer.concat([Buffer.from('{"description":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]) },
    expect: { status: 400, api: true, code: 'malformed_json' } },
  { name: 'report: lone leading surrogate escaped in JSON', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({}, 2).replace('Buca profonda', 'Buca \\ud800 profonda') },
    expect: { status: '4xx', api: true } },
  { name: 'report: lone trailing surrogate escaped in JSON', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({}, 3).replace('Mario Rossi', 'Mario \\udc00 Rossi') },
    expect: { status: '4xx', api: true } },
  { name: 'report: JSON nested 10000 levels deep', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: `{"answers":{"dimensione":${'['.repeat(10000)}${']'.repeat(10000)}}}` },
    expect: { status: '4xx', api: true } },
  { name: 'report: a number too large for a double', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({}, 4).replace('"lat":45.695', '"lat":1e400') },
    expect: { status: '4xx', api: true } },
  { name: 'report: the same key twice', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({}, 5).replace('{"category":"buche-stradali"', '{"category":"buche-stradali","category":"tari"') },
    expect: { status: 422, api: true } },
  { name: 'report: wrong types everywhere', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: JSON.stringify({ ...report({}, 6), privacy_accepted: 'true', location: { lat: '45.69', lon: [] } }) },
    expect: { status: 422, api: true } },
  { name: 'report: unknown field __proto__', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({}, 7).replace('{"category"', '{"__proto__":{"admin":true},"category"') },
    expect: { status: 422, api: true } },
  { name: 'report: text/plain', request: { method: 'POST', path: '/api/v1/reports', headers: { 'Content-Type': 'text/plain' }, body: reportJson({}, 8) },
    expect: { status: 415, api: true } },
  { name: 'report: application/xml', request: { method: 'POST', path: '/api/v1/reports', headers: { 'Content-Type': 'application/xml' },
    body: '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>' },
    expect: { status: 415, api: true } },
  { name: 'report: no content type', request: { method: 'POST', path: '/api/v1/reports', body: reportJson({}, 9) },
    expect: { status: 415, api: true } },
  { name: 'report: urlencoded to the JSON API', request: { method: 'POST', path: '/api/v1/reports', headers: FORM, body: urlencoded(fields()) },
    expect: { status: 415, api: true } },
  { name: 'report: JSON body over 64 KB', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ description: 'x'.repeat(70 * 1024) }, 10) },
    expect: { status: 413, api: true } },
  { name: 'report: description over 4000 characters', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ description: 'Buca '.repeat(801) }, 11) },
    expect: { status: 422, api: true, field: 'description', code: 'too_long' } },
  { name: 'report: combining marks flood', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ description: `Buca Z${'\u0301\u0302\u0303\u0304'.repeat(1500)}` }, 12) },
    expect: { status: 422, api: true, field: 'description', code: 'too_long' } },
  { name: 'report: zero-width flood', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ description: `Buca${'\u200b\u200c\u200d\ufeff'.repeat(2100)}` }, 13) },
    expect: { status: 422, api: true, field: 'description', code: 'too_long' } },
  { name: 'report: address over 200 characters', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ address: 'Via '.repeat(60) }, 14) },
    expect: { status: 422, api: true, field: 'address', code: 'too_long' } },
  { name: 'report: name over 100 characters', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: JSON.stringify(report({ reporter: { name: 'M'.repeat(101), email: refusedEmail(15) } })) },
    expect: { status: 422, api: true, field: 'reporter.name', code: 'too_long' } },
  { name: 'report: NUL in the description', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ description: 'Buca profonda\u0000 davanti al civico' }, 16) },
    expect: { status: 422, api: true, field: 'description', code: 'control_characters' } },
  { name: 'report: NUL in the name', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: JSON.stringify(report({ reporter: { name: 'Mario\u0000Rossi', email: refusedEmail(17) } })) },
    expect: { status: 422, api: true, field: 'reporter.name', code: 'control_characters' } },
  { name: 'report: terminal escape in the address', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ address: 'Via Roma \u001b[31m1\u001b[0m' }, 18) },
    expect: { status: 422, api: true, field: 'address', code: 'control_characters' } },
  { name: 'report: C1 control (NEL) in the description', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ description: 'Buca profonda \u0085 davanti al civico' }, 19) },
    expect: { status: 422, api: true, field: 'description', code: 'control_characters' } },
  { name: 'report: DEL and backspaces in the name', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: JSON.stringify(report({ reporter: { name: 'Mario\u0008\u0008\u007fAdmin', email: refusedEmail(20) } })) },
    expect: { status: 422, api: true, field: 'reporter.name', code: 'control_characters' } },
  { name: 'report: header injection in the e-mail', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: JSON.stringify(report({ reporter: { email: `${refusedEmail(21)}\r\nBcc: victim@example.org` } })) },
    expect: { status: 422, api: true, field: 'reporter.email', code: 'invalid_email' } },
  { name: 'report: two addresses in the e-mail', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: JSON.stringify(report({ reporter: { email: `${refusedEmail(22)}, victim@example.org` } })) },
    expect: { status: 422, api: true, field: 'reporter.email', code: 'invalid_email' } },
  { name: 'report: e-mail of 300 characters', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: JSON.stringify(report({ reporter: { email: `${'a'.repeat(280)}@${REFUSED_DOMAIN}` } })) },
    expect: { status: 422, api: true, field: 'reporter.email', code: 'invalid_email' } },
  { name: 'report: script in the phone number', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: JSON.stringify(report({ reporter: { email: refusedEmail(23), phone: '<script>alert(1)</script>' } })) },
    expect: { status: 422, api: true, field: 'reporter.phone', code: 'invalid_phone' } },
  { name: 'report: SQL in the category', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ category: "buche-stradali' OR '1'='1" }, 24) },
    expect: { status: 422, api: true, field: 'category', code: 'unknown_category' } },
  { name: 'report: path traversal in the category', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ category: '../../../../etc/passwd' }, 25) },
    expect: { status: 422, api: true, field: 'category', code: 'unknown_category' } },
  { name: 'report: script in the kind and language', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ kind: '<script>alert(1)</script>', language: '../en' }, 26) },
    expect: { status: 422, api: true, field: 'kind' } },
  { name: 'report: script as an answer key', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ answers: { '<img src=x onerror=alert(1)>': 'grande' } }, 27) },
    expect: { status: 422, api: true, code: 'unknown_question' } },
  { name: 'report: an answer outside its choices', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ answers: { dimensione: "grande'; DROP TABLE tickets; --" } }, 28) },
    expect: { status: 422, api: true, field: 'answers.dimensione' } },
  { name: 'report: privacy not accepted', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ privacy_accepted: false }, 29) },
    expect: { status: 422, api: true, field: 'privacy_accepted' } },
  { name: 'report: point outside the comune', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ location: { lat: -90, lon: 180 } }, 30) },
    expect: { status: 422, api: true, field: 'location' } },
  { name: 'report: control characters in the Idempotency-Key', request: { method: 'POST', path: '/api/v1/reports',
    headers: jsonHeaders({ 'Idempotency-Key': 'key with spaces \t and tab' }), body: reportJson({}, 31) },
    expect: { status: 422, api: true, field: 'Idempotency-Key' } },
  { name: 'report: an Idempotency-Key of 300 characters', request: { method: 'POST', path: '/api/v1/reports',
    headers: jsonHeaders({ 'Idempotency-Key': 'k'.repeat(300) }), body: reportJson({}, 32) },
    expect: { status: 422, api: true, field: 'Idempotency-Key' } },
  { name: 'report: JSON declared UTF-16', request: { method: 'POST', path: '/api/v1/reports', headers: { 'Content-Type': 'application/json; charset=utf-16le' },
    body: Buffer.from(reportJson({}, 47), 'utf16le') }, expect: { status: 400, api: true, code: 'malformed_json' } },
  { name: 'staff: a cookie header of 20 KB around a forged session', request: { path: '/api/v1/staff/tickets',
    headers: { Cookie: `a=${'x'.repeat(20 * 1024)}; __Host-segnala_staff=${'E'.repeat(43)}` } }, expect: { status: '4xx', any: true } },
  { name: 'report: PROPFIND', request: { method: 'PROPFIND', path: '/api/v1/reports', headers: jsonHeaders(), body: reportJson({}, 58) },
    expect: { status: '4xx', any: true } },
  { name: 'report: PATCH to the form', request: { method: 'PATCH', path: '/segnala/invia', headers: FORM, body: urlencoded(fields({ email: refusedEmail(59) })) },
    expect: { status: '4xx', page: true } },
  { name: 'report: PUT instead of POST', request: { method: 'PUT', path: '/api/v1/reports', headers: jsonHeaders(), body: reportJson({}, 33) },
    expect: { status: 405, api: true } },

  // --- POST /api/v1/reports, multipart -------------------------------------------------
  { name: 'report multipart: parts that miss the boundary', request: { method: 'POST', path: '/api/v1/reports',
    headers: { 'Content-Type': 'multipart/form-data; boundary=expected-boundary' }, body: BROKEN_MULTIPART[0] },
    expect: { status: '4xx', api: true } },
  { name: 'report multipart: body cut in the middle', request: { method: 'POST', path: '/api/v1/reports',
    headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, body: BROKEN_MULTIPART[1] },
    expect: { status: '4xx', api: true } },
  { name: 'report multipart: no boundary at all', request: { method: 'POST', path: '/api/v1/reports',
    headers: { 'Content-Type': 'multipart/form-data' }, body: reportJson({}, 34) },
    expect: { status: '4xx', api: true } },
  { name: 'report multipart: HTML page named photo.jpg', request: async () => {
    const { body, type } = await multipart(fields({ email: refusedEmail(35) }), [['photo.jpg', Buffer.from('<html><script>alert(1)</script></html>'), 'image/jpeg']]);
    return { method: 'POST', path: '/api/v1/reports', headers: { 'Content-Type': type }, body };
  }, expect: { status: 422, api: true, field: 'photos[0]', code: 'unsupported_type' } },
  { name: 'report multipart: SVG with onload', request: async () => {
    const { body, type } = await multipart(fields({ email: refusedEmail(36) }),
      [['a.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 'image/svg+xml']]);
    return { method: 'POST', path: '/api/v1/reports', headers: { 'Content-Type': type }, body };
  }, expect: { status: 422, api: true, field: 'photos[0]', code: 'unsupported_type' } },
  { name: 'report multipart: JPEG header followed by HTML', request: async () => {
    const polyglot = Buffer.concat([fixture('plain.jpg').subarray(0, 20), Buffer.from('<script>alert(1)</script>')]);
    const { body, type } = await multipart(fields({ email: refusedEmail(37) }), [['a.jpg', polyglot, 'image/jpeg']]);
    return { method: 'POST', path: '/api/v1/reports', headers: { 'Content-Type': type }, body };
  }, expect: { status: 422, api: true, field: 'photos[0]' } },
  { name: 'report multipart: an empty photo with a traversal name', request: async () => {
    const { body, type } = await multipart(fields({ email: refusedEmail(38) }), [['../../../etc/passwd', Buffer.alloc(0), 'image/jpeg']]);
    return { method: 'POST', path: '/api/v1/reports', headers: { 'Content-Type': type }, body };
  }, expect: { status: 422, api: true, field: 'photos[0]' } },
  { name: 'report multipart: four photos', request: async () => {
    const photo = ['p.jpg', fixture('plain.jpg'), 'image/jpeg'];
    const { body, type } = await multipart(fields({ email: refusedEmail(39) }), [photo, photo, photo, photo]);
    return { method: 'POST', path: '/api/v1/reports', headers: { 'Content-Type': type }, body };
  }, expect: { status: 422, api: true, code: 'too_many_photos' } },
  { name: 'report multipart: body over the limit (34 MB)', request: async () => {
    const big = Buffer.concat([fixture('plain.jpg'), Buffer.alloc(34 * 1024 * 1024)]);
    const { body, type } = await multipart(fields({ email: refusedEmail(40) }), [['big.jpg', big, 'image/jpeg']]);
    return { method: 'POST', path: '/api/v1/reports', headers: { 'Content-Type': type }, body };
  }, expect: { status: 413, api: true } },
  { name: 'report multipart: NUL in the description field', request: async () => {
    const { body, type } = await multipart(fields({ email: refusedEmail(41), description: 'Buca\u0000profonda davanti al civico' }));
    return { method: 'POST', path: '/api/v1/reports', headers: { 'Content-Type': type }, body };
  }, expect: { status: 422, api: true, field: 'description', code: 'control_characters' } },

  // --- bodies sent without Content-Length (chunked): counted as they come --------------
  { name: 'report: chunked JSON body over 64 KB', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(), chunked: true,
    body: reportJson({ description: 'x'.repeat(70 * 1024) }, 70) },
    expect: { status: 413, api: true } },
  { name: 'report: chunked JSON body within the limit (tolerated: filed)', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(), chunked: true,
    body: JSON.stringify(pothole({ reporter: { name: 'Mario Rossi', email: 'tollerato.chunked@example.org' }, description: 'Buca arrivata a pezzi, senza lunghezza dichiarata' })) },
    expect: { status: 201, tolerated: true, stores: { tickets: 1 } } },
  { name: 'report multipart: chunked body over the limit (34 MB)', request: async () => {
    const big = Buffer.concat([fixture('plain.jpg'), Buffer.alloc(34 * 1024 * 1024)]);
    const { body, type } = await multipart(fields({ email: refusedEmail(71) }), [['big.jpg', big, 'image/jpeg']]);
    return { method: 'POST', path: '/api/v1/reports', headers: { 'Content-Type': type }, body, chunked: true };
  }, expect: { status: 413, api: true } },
  { name: 'report multipart: chunked body with a photo within the limit (tolerated: filed with its photo)', request: async () => {
    const { body, type } = await multipart(fields({ email: 'tollerato.chunked.foto@example.org', description: 'Buca con foto arrivata a pezzi, civico 5' }),
      [['p.jpg', fixture('plain.jpg'), 'image/jpeg']]);
    return { method: 'POST', path: '/api/v1/reports', headers: { 'Content-Type': type }, body, chunked: true };
  }, expect: { status: 201, tolerated: true, stores: { tickets: 1, blobs: 1 }, check: async (ctx, answer) => {
    const view = (await json(`${ctx.worker.url}/api/v1/reports/${answer.json.tracking_token}`)).body;
    assert.equal(view.photos.length, 1);
  } } },
  { name: 'report form: chunked post over the limit comes back as the form, in Italian', request: async () => {
    const big = Buffer.concat([fixture('plain.jpg'), Buffer.alloc(34 * 1024 * 1024)]);
    const { body, type } = await multipart(fields({ email: refusedEmail(72) }), [['big.jpg', big, 'image/jpeg']]);
    return { method: 'POST', path: '/segnala/invia', headers: { 'Content-Type': type }, body, chunked: true };
  }, expect: { status: 422, page: true, check: async (ctx, answer) => assert.match(answer.text, /<html lang="it"/) } },
  { name: 'follow page: chunked form over 16 KB', request: (ctx) => ({ method: 'POST', path: `/segnalazioni/${ctx.open.public_number}/segui`,
    headers: FORM, chunked: true, body: urlencoded({ email: refusedEmail(73), pad: 'x'.repeat(20 * 1024) }) }),
    expect: { status: 413, page: true, check: async (ctx, answer) => assert.match(answer.text, /troppo grande/) } },
  { name: 'my reports page: chunked sign-in form over 16 KB', request: { method: 'POST', path: '/le-mie-segnalazioni/accedi',
    headers: FORM, chunked: true, body: urlencoded({ email: refusedEmail(74), language: 'en', pad: 'x'.repeat(20 * 1024) }) },
    expect: { status: 413, page: true, check: async (ctx, answer) => assert.match(answer.text, /troppo grande/) } },
  { name: 'staff sign-in: chunked JSON body over the limit', request: { method: 'POST', path: '/api/v1/staff/session', headers: jsonHeaders(), chunked: true,
    body: JSON.stringify({ email: refusedEmail(75), password: 'x'.repeat(200 * 1024) }) },
    expect: { status: 413, api: true } },
  { name: 'follow-up: chunked message over 64 KB', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`,
    headers: jsonHeaders(), chunked: true, body: JSON.stringify({ text: 'a'.repeat(70 * 1024) }) }), expect: { status: 413, api: true } },
  { name: 'open311: chunked form over 64 KB', request: (ctx) => ({ method: 'POST', path: '/open311/v2/requests.json', headers: FORM, chunked: true,
    body: urlencoded({ api_key: ctx.apiKey, service_code: 'buche-stradali', description: 'x'.repeat(70 * 1024), lat: '45.695', long: '9.67' }) }),
    expect: { status: 413, open311: '' } },

  // --- photo names are never used: a traversal name is stored under the ticket's key ----
  { name: 'report multipart: traversal and backslash photo names (tolerated: names are ignored)', request: async () => {
    const photo = fixture('plain.jpg');
    const { body, type } = await multipart(fields({ email: 'tollerato.foto@example.org', description: 'Buca con foto dai nomi strani, civico 3' }), [
      ['../../../../etc/passwd', photo, 'image/jpeg'], ['..\\..\\windows\\win.ini', photo, 'image/jpeg'], ['%2e%2e%2f%2e%2e%2fsecret.jpg', photo, 'image/jpeg'],
    ]);
    return { method: 'POST', path: '/api/v1/reports', headers: { 'Content-Type': type }, body };
  }, expect: { status: 201, tolerated: true, stores: { tickets: 1, blobs: 3 }, check: async (ctx, answer) => {
    const view = (await json(`${ctx.worker.url}/api/v1/reports/${answer.json.tracking_token}`)).body;
    assert.deepEqual(view.photos.map((p) => p.url), [1, 2, 3].map((n) => `/api/v1/reports/${answer.json.tracking_token}/photos/${n}`));
    assert.ok(!JSON.stringify(view).includes('passwd') && !JSON.stringify(view).includes('win.ini'), 'no trace of the names');
    const staff = (await ctx.admin.get(`/api/v1/staff/tickets/${answer.json.public_number}`)).body;
    assert.ok(!JSON.stringify(staff).includes('passwd') && !JSON.stringify(staff).includes('..'), 'staff see no name either');
  } } },

  // --- text with markup and SQL is data: stored exactly, answered as JSON ----------------
  { name: 'report: script and SQL in every text field (tolerated: stored as data)', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: JSON.stringify(pothole({
      description: `${allPayloads('desc')} '; DROP TABLE tickets; -- " OR 1=1 --`,
      address: `<b>Via</b> Roma'); DELETE FROM tickets;--`,
      reporter: { name: '<script>alert(1)</script> Robert\'); DROP TABLE staff_users;--', email: 'tollerato.sql@example.org' },
    })) },
  expect: { status: 201, tolerated: true, stores: { tickets: 1 }, check: async (ctx, answer) => {
    const staff = await ctx.admin.get(`/api/v1/staff/tickets/${answer.json.public_number}`);
    assert.equal(staff.headers.get('content-type'), 'application/json');
    assert.equal(staff.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(staff.body.description, `${allPayloads('desc')} '; DROP TABLE tickets; -- " OR 1=1 --`);
    assert.equal(staff.body.address, '<b>Via</b> Roma\'); DELETE FROM tickets;--');
    assert.match(JSON.stringify(staff.body.reporter), /DROP TABLE staff_users/);
    // The tables are all still there.
    assert.equal((await ctx.admin.get('/api/v1/staff/users')).status, 200);
  } } },
  { name: 'report: right-to-left override in the description and the name', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: JSON.stringify(pothole({ description: 'Buca \u202egro.elpmaxe\u202c vicino al civico 4', reporter: { name: 'Mario\u202e issoR', email: refusedEmail(90) } })) },
    expect: { status: 422, api: true, field: 'description', code: 'control_characters' } },
  { name: 'report: zero-width characters are dropped (tolerated: stored without them)', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: JSON.stringify(pothole({ description: 'Buca vicino \u200bal civico\ufeff 4, profonda', reporter: { name: 'Ma\u200brio', email: 'tollerato.zw@example.org' } })) },
  expect: { status: 201, tolerated: true, stores: { tickets: 1 }, check: async (ctx, answer) => {
    const staff = (await ctx.admin.get(`/api/v1/staff/tickets/${answer.json.public_number}`)).body;
    assert.equal(staff.description, 'Buca vicino al civico 4, profonda');
    assert.equal(staff.reporter.name, 'Mario');
  } } },
  { name: 'report: only invisible characters as description', request: { method: 'POST', path: '/api/v1/reports', headers: jsonHeaders(),
    body: reportJson({ description: '\u200b'.repeat(40) }, 91) },
    expect: { status: 422, api: true, field: 'description' } },
  { name: 'report: from another site (tolerated: filing needs no account, so nothing is forged)', request: { method: 'POST', path: '/api/v1/reports',
    headers: jsonHeaders({ Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' }), body: JSON.stringify(pothole({ reporter: { email: 'tollerato.csrf@example.org' } })) },
  expect: { status: 201, tolerated: true, stores: { tickets: 1 } } },

  // --- the HTML form without JavaScript ---------------------------------------------------
  { name: 'form: text/plain post', request: { method: 'POST', path: '/segnala/invia', headers: { 'Content-Type': 'text/plain' }, body: 'description=Buca' },
    expect: { status: 415, page: true, check: async (ctx, answer) => assert.match(answer.text, /non è arrivato in un formato leggibile/) } },
  { name: 'form: no content type', request: { method: 'POST', path: '/en/report/send', body: urlencoded(fields({ email: refusedEmail(42) })) },
    expect: { status: 415, page: true, check: async (ctx, answer) => assert.match(answer.text, /did not arrive in a readable form/) } },
  { name: 'form: JSON posted to the form', request: { method: 'POST', path: '/segnala/invia', headers: jsonHeaders(), body: reportJson({}, 43) },
    expect: { status: '4xx', page: true } },
  { name: 'form: broken multipart', request: { method: 'POST', path: '/segnala/invia',
    headers: { 'Content-Type': 'multipart/form-data; boundary=expected-boundary' }, body: BROKEN_MULTIPART[0] },
    expect: { status: '4xx', page: true, check: async (ctx, answer) => assert.match(answer.text, /non è arrivato in un formato leggibile/) } },
  { name: 'form: script in every field comes back escaped', request: { method: 'POST', path: '/segnala/invia', headers: FORM,
    body: urlencoded(fields({ email: `"><script>alert(1)</script>@${REFUSED_DOMAIN}`, description: '<script>alert("d")</script>',
      address: '"><img src=x onerror=alert(1)>', name: '</textarea><script>alert(2)</script>', category: '"><svg onload=alert(3)>' })) },
    expect: { status: 422, page: true, absent: ['<script>alert', '<img src=x', '<svg onload', '</textarea><script>'] } },
  { name: 'form: NUL and escape codes', request: { method: 'POST', path: '/segnala/invia', headers: FORM,
    body: urlencoded(fields({ email: refusedEmail(44), description: 'Buca\u0000profonda \u001b[2J davanti al civico' })) },
    expect: { status: 422, page: true } },
  { name: 'form: nonce of one character', request: { method: 'POST', path: '/segnala/invia', headers: FORM,
    body: urlencoded(fields({ email: refusedEmail(45), nonce: 'x' })) },
    expect: { status: 422, page: true } },
  { name: 'form: over the size limit (34 MB)', request: async () => {
    const big = Buffer.concat([fixture('plain.jpg'), Buffer.alloc(34 * 1024 * 1024)]);
    const { body, type } = await multipart(fields({ email: refusedEmail(46) }), [['big.jpg', big, 'image/jpeg']]);
    return { method: 'POST', path: '/segnala/invia', headers: { 'Content-Type': type }, body };
  }, expect: { status: '4xx', page: true } },

  // --- tracking pages, lookups, confirmation codes, static files ---------------------------
  { name: 'tracking API: forged token', request: () => ({ path: `/api/v1/reports/${forgedToken()}` }), expect: { status: 404, api: true } },
  { name: 'tracking API: tampered token', request: (ctx) => ({ path: `/api/v1/reports/${tampered(ctx.open.tracking_token)}` }), expect: { status: 404, api: true } },
  { name: 'tracking API: upper-case token', request: (ctx) => ({ path: `/api/v1/reports/${ctx.open.tracking_token.toUpperCase()}` }), expect: { status: 404, api: true } },
  { name: 'tracking API: SQL as token', request: { path: "/api/v1/reports/'%20OR%20'1'%3D'1" }, expect: { status: 404, api: true } },
  { name: 'tracking API: encoded traversal', request: { path: '/api/v1/reports/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd' }, expect: { status: 404, api: true } },
  { name: 'tracking API: raw traversal', request: { path: '/api/v1/reports/../../../etc/passwd' }, expect: { status: '4xx', any: true } },
  { name: 'photo: encoded traversal as position', request: (ctx) => ({ path: `/api/v1/reports/${ctx.open.tracking_token}/photos/..%2f..%2f..%2fconfig` }),
    expect: { status: 404, api: true } },
  { name: 'photo: backslash traversal as position', request: (ctx) => ({ path: `/api/v1/reports/${ctx.open.tracking_token}/photos/..%5c..%5cwin.ini` }),
    expect: { status: 404, api: true } },
  { name: 'photo: NUL after the position', request: (ctx) => ({ path: `/api/v1/reports/${ctx.open.tracking_token}/photos/1%00.jpg` }),
    expect: { status: 404, api: true } },
  { name: 'photo: position 256', request: (ctx) => ({ path: `/api/v1/reports/${ctx.open.tracking_token}/photos/256` }), expect: { status: 404, api: true } },
  { name: 'photo: forged token', request: () => ({ path: `/api/v1/reports/${forgedToken()}/photos/1` }), expect: { status: 404, api: true } },
  { name: 'tracking page: forged token', request: () => ({ path: `/segnalazione/${forgedToken()}` }), expect: { status: 404, page: true } },
  { name: 'tracking page: encoded traversal', request: { path: '/segnalazione/%2e%2e%2f%2e%2e%2fwrangler.toml' }, expect: { status: 404, page: true } },
  { name: 'tracking page: backslashes', request: { path: '/en/reports/..%5c..%5c..%5cCargo.toml' }, expect: { status: 404, page: true } },
  { name: 'lookup: script as the code comes back escaped', request: { path: `/segnalazione/cerca?code=${encodeURIComponent('"><script>alert(1)</script>')}` },
    expect: { status: 404, page: true, absent: ['"><script>alert(1)'] } },
  { name: 'lookup: a link to another site', request: { path: `/en/reports/find?code=${encodeURIComponent('https://evil.example/segnalazione/aaaa')}` },
    expect: { status: 404, page: true } },
  { name: 'e-mail confirmation: forged code', request: () => ({ path: `/conferma-email/${forgedToken()}` }), expect: { status: 404, page: true } },
  { name: 'e-mail confirmation: traversal', request: { path: '/conferma-email/..%2f..%2fstaff' }, expect: { status: 404, page: true } },
  { name: 'e-mail confirmation: tampered code', request: (ctx) => ({ path: `/conferma-email/${tampered(ctx.confirmationCode)}` }), expect: { status: 404, page: true } },
  { name: 'e-mail confirmation: link opened again shows its button and changes nothing', request: (ctx) => ({ path: `/conferma-email/${ctx.confirmationCode}` }),
    expect: { status: 200, page: true, replay: true } },
  { name: 'e-mail confirmation: forged code through the button', request: () => ({ method: 'POST', path: `/conferma-email/${forgedToken()}` }), expect: { status: 404, page: true } },
  { name: 'e-mail confirmation: button pressed again (idempotent, nothing new)', request: (ctx) => ({ method: 'POST', path: `/conferma-email/${ctx.confirmationCode}` }),
    expect: { status: 303, replay: true, location: /\/segnalazione\/[a-z2-7]{26}\?email=confirmed$/ } },
  { name: 'static: encoded traversal to the repository', request: { path: '/%2e%2e/%2e%2e/wrangler.toml' }, expect: { status: 404, page: true } },
  { name: 'static: another comune\'s tree', request: { path: '/_comuni/borgoverde/index.html' }, expect: { status: 404, page: true } },
  { name: 'static: a page model', request: { path: '/internal/my-reports/' }, expect: { status: 404, page: true } },
  { name: 'static: a page model behind encoded slashes', request: { path: '/internal%2ftracking%2f' }, expect: { status: [404, 307, 308], any: true, check: endsInNotFound } },
  { name: 'static: an English page model behind encoded slashes', request: { path: '/en%2Finternal%2Fmy-reports%2F' }, expect: { status: [404, 307, 308], any: true, check: endsInNotFound } },
  { name: 'static: another comune\'s tree behind encoded slashes', request: { path: '/..%2f_comuni%2fborgoverde%2findex.html' }, expect: { status: 404, page: true } },
  { name: 'static: another comune\'s tree behind encoded dots and slashes', request: { path: '/segnala/%2e%2e%2f%2e%2e%2f_comuni%2fborgoverde%2fsegnala%2findex.html' },
    expect: { status: 404, page: true } },
  { name: 'static: another comune\'s tree behind backslashes', request: { path: '/segnala\\..\\..\\_comuni\\borgoverde\\index.html' }, expect: { status: 404, page: true } },
  { name: 'static: the repository behind encoded slashes', request: { path: '/..%2f..%2f..%2fwrangler.toml' }, expect: { status: 404, page: true } },

  // --- follow-up with the tracking link -----------------------------------------------------
  { name: 'follow-up: forged token', request: () => ({ method: 'POST', path: `/api/v1/reports/${forgedToken()}/messages`, headers: jsonHeaders(), body: '{"text":"Ciao a tutti"}' }),
    expect: { status: 404, api: true } },
  { name: 'follow-up: from another site (Origin)', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`,
    headers: jsonHeaders({ Origin: EVIL }), body: '{"text":"Scritto da un altro sito"}' }), expect: { status: 403, api: true } },
  { name: 'follow-up: from another site (Sec-Fetch-Site)', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`,
    headers: jsonHeaders({ 'Sec-Fetch-Site': 'cross-site', Referer: `${EVIL}/page` }), body: '{"text":"Scritto da un altro sito"}' }), expect: { status: 403, api: true } },
  { name: 'follow-up: Origin null (sandboxed frame)', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`,
    headers: jsonHeaders({ Origin: 'null' }), body: '{"text":"Da un iframe sandbox"}' }), expect: { status: 403, api: true } },
  { name: 'follow-up: Origin of the same host on another port', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`,
    headers: jsonHeaders({ Origin: `http://127.0.0.1:${ctx.worker.port + 1}` }), body: '{"text":"Da un\'altra porta"}' }), expect: { status: 403, api: true } },
  { name: 'follow-up: broken JSON', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`,
    headers: jsonHeaders(), body: '{"text": "Ciao' }), expect: { status: 400, api: true, code: 'malformed_json' } },
  { name: 'follow-up: NUL in the message', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`,
    headers: jsonHeaders(), body: JSON.stringify({ text: 'Ciao\u0000 ufficio' }) }), expect: { status: 422, api: true, field: 'text', code: 'control_characters' } },
  { name: 'follow-up: lone surrogate in the message', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`,
    headers: jsonHeaders(), body: '{"text":"Ciao \\ud83d ufficio"}' }), expect: { status: '4xx', api: true } },
  { name: 'follow-up: message over 2000 characters', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`,
    headers: jsonHeaders(), body: JSON.stringify({ text: 'a'.repeat(2001) }) }), expect: { status: 422, api: true, field: 'text', code: 'too_long' } },
  { name: 'follow-up: body over 64 KB', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`,
    headers: jsonHeaders(), body: JSON.stringify({ text: 'a'.repeat(70 * 1024) }) }), expect: { status: 413, api: true } },
  { name: 'follow-up: unknown field', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`,
    headers: jsonHeaders(), body: '{"text":"Ciao","status":"resolved"}' }), expect: { status: 422, api: true } },
  { name: 'follow-up: text/plain', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`,
    headers: { 'Content-Type': 'text/plain' }, body: 'Ciao' }), expect: { status: 415, api: true } },
  { name: 'follow-up: broken multipart', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`,
    headers: { 'Content-Type': 'multipart/form-data; boundary=expected-boundary' }, body: BROKEN_MULTIPART[0] }), expect: { status: '4xx', api: true } },
  { name: 'follow-up: an HTML file as a photo', request: async (ctx) => {
    const form = new FormData();
    form.append('text', 'Ecco la foto');
    form.append('photos', new Blob(['<html><script>alert(1)</script>'], { type: 'image/png' }), '../../x.png');
    const { body, type } = await formBody(form);
    return { method: 'POST', path: `/api/v1/reports/${ctx.open.tracking_token}/messages`, headers: { 'Content-Type': type }, body };
  }, expect: { status: 422, api: true, field: 'photos[0]' } },
  { name: 'rating: 300 stars', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.resolved.tracking_token}/rating`,
    headers: jsonHeaders(), body: '{"stars":300}' }), expect: { status: 422, api: true } },
  { name: 'rating: minus one star', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.resolved.tracking_token}/rating`,
    headers: jsonHeaders(), body: '{"stars":-1}' }), expect: { status: 422, api: true } },
  { name: 'rating: stars as text', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.resolved.tracking_token}/rating`,
    headers: jsonHeaders(), body: '{"stars":"5"}' }), expect: { status: 422, api: true } },
  { name: 'rating: NUL in the comment', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.resolved.tracking_token}/rating`,
    headers: jsonHeaders(), body: JSON.stringify({ stars: 5, comment: 'Bene\u0000' }) }), expect: { status: 422, api: true } },
  { name: 'rating: from another site', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.resolved.tracking_token}/rating`,
    headers: jsonHeaders({ Origin: EVIL }), body: '{"stars":1}' }), expect: { status: 403, api: true } },
  { name: 'not solved: from another site', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.resolved.tracking_token}/not-solved`,
    headers: jsonHeaders({ Origin: EVIL }), body: '{"reason":"Riaperta da un altro sito"}' }), expect: { status: 403, api: true } },
  { name: 'not solved: reason missing', request: (ctx) => ({ method: 'POST', path: `/api/v1/reports/${ctx.resolved.tracking_token}/not-solved`,
    headers: jsonHeaders(), body: '{}' }), expect: { status: 422, api: true } },
  { name: 'follow-up page: from another site', request: (ctx) => ({ method: 'POST', path: `/segnalazione/${ctx.open.tracking_token}/messaggio`,
    headers: { ...FORM, Origin: EVIL }, body: urlencoded({ text: 'Scritto da un altro sito' }) }), expect: { status: 403, page: true } },
  { name: 'follow-up page: cross-site form post', request: (ctx) => ({ method: 'POST', path: `/en/reports/${ctx.resolved.tracking_token}/not-solved`,
    headers: { ...FORM, 'Sec-Fetch-Site': 'cross-site' }, body: urlencoded({ reason: 'Riaperta da un altro sito' }) }), expect: { status: 403, page: true } },
  { name: 'follow-up page: photos over the size limit', request: async (ctx) => {
    const form = new FormData();
    form.append('text', 'Foto enorme');
    form.append('photos', new Blob([Buffer.concat([fixture('plain.jpg'), Buffer.alloc(31 * 1024 * 1024)])], { type: 'image/jpeg' }), 'big.jpg');
    const { body, type } = await formBody(form);
    return { method: 'POST', path: `/segnalazione/${ctx.open.tracking_token}/messaggio`, headers: { 'Content-Type': type }, body };
  }, expect: { status: 413, page: true } },
  { name: 'follow-up page: forged token', request: () => ({ method: 'POST', path: `/segnalazione/${forgedToken()}/messaggio`,
    headers: FORM, body: urlencoded({ text: 'Ciao' }) }), expect: { status: 404, page: true } },
  { name: 'follow-up page: text/plain', request: (ctx) => ({ method: 'POST', path: `/segnalazione/${ctx.open.tracking_token}/messaggio`,
    headers: { 'Content-Type': 'text/plain' }, body: 'text=Ciao' }), expect: { status: 415, page: true } },
  { name: 'follow-up page: NUL in the message, script echoed escaped', request: (ctx) => ({ method: 'POST', path: `/segnalazione/${ctx.open.tracking_token}/messaggio`,
    headers: FORM, body: urlencoded({ text: '</textarea><script>alert(1)</script>\u0000' }) }),
    expect: { status: 422, page: true, absent: ['</textarea><script>alert(1)'] } },
  { name: 'follow-up page: rating out of range', request: (ctx) => ({ method: 'POST', path: `/segnalazione/${ctx.resolved.tracking_token}/valutazione`,
    headers: FORM, body: urlencoded({ stars: '"><script>alert(1)</script>' }) }), expect: { status: 422, page: true, absent: ['"><script>alert(1)'] } },

  // --- public reports and following -----------------------------------------------------------
  { name: 'public report API: SQL as number', request: { path: "/api/v1/public-reports/2026-000001'%20OR%20'1'%3D'1" }, expect: { status: 404, api: true } },
  { name: 'public report API: encoded traversal', request: { path: '/api/v1/public-reports/..%2f..%2fstaff%2fusers' }, expect: { status: 404, api: true } },
  { name: 'public report page: script as number', request: { path: '/segnalazioni/%3Cscript%3Ealert(1)%3C%2Fscript%3E' }, expect: { status: 404, page: true } },
  { name: 'follow API: from another site', request: (ctx) => ({ method: 'POST', path: `/api/v1/public-reports/${ctx.open.public_number}/subscriptions`,
    headers: jsonHeaders({ Origin: EVIL }), body: JSON.stringify({ email: refusedEmail(50) }) }), expect: { status: 403, api: true } },
  { name: 'follow API: header injection in the address', request: (ctx) => ({ method: 'POST', path: `/api/v1/public-reports/${ctx.open.public_number}/subscriptions`,
    headers: jsonHeaders(), body: JSON.stringify({ email: `${refusedEmail(51)}\r\nBcc: victim@example.org` }) }), expect: { status: 422, api: true, field: 'email' } },
  { name: 'follow API: NUL in the address', request: (ctx) => ({ method: 'POST', path: `/api/v1/public-reports/${ctx.open.public_number}/subscriptions`,
    headers: jsonHeaders(), body: JSON.stringify({ email: `r52\u0000@${REFUSED_DOMAIN}` }) }), expect: { status: 422, api: true, field: 'email' } },
  { name: 'follow API: language is a path', request: (ctx) => ({ method: 'POST', path: `/api/v1/public-reports/${ctx.open.public_number}/subscriptions`,
    headers: jsonHeaders(), body: JSON.stringify({ email: refusedEmail(53), language: '../../it' }) }), expect: { status: 422, api: true, field: 'language' } },
  { name: 'follow API: broken JSON', request: (ctx) => ({ method: 'POST', path: `/api/v1/public-reports/${ctx.open.public_number}/subscriptions`,
    headers: jsonHeaders(), body: '{"email":' }), expect: { status: 400, api: true } },
  { name: 'follow API: urlencoded', request: (ctx) => ({ method: 'POST', path: `/api/v1/public-reports/${ctx.open.public_number}/subscriptions`,
    headers: FORM, body: urlencoded({ email: refusedEmail(54) }) }), expect: { status: 415, api: true } },
  { name: 'follow API: body over 64 KB', request: (ctx) => ({ method: 'POST', path: `/api/v1/public-reports/${ctx.open.public_number}/subscriptions`,
    headers: jsonHeaders(), body: JSON.stringify({ email: refusedEmail(55), language: 'x'.repeat(70 * 1024) }) }), expect: { status: 413, api: true } },
  { name: 'follow page: from another site', request: (ctx) => ({ method: 'POST', path: `/segnalazioni/${ctx.open.public_number}/segui`,
    headers: { ...FORM, Origin: EVIL }, body: urlencoded({ email: refusedEmail(56) }) }), expect: { status: 403, page: true,
    check: async (ctx, answer) => assert.match(answer.text, /non arriva da una pagina del Comune/) } },
  { name: 'follow page: script as the address comes back escaped', request: (ctx) => ({ method: 'POST', path: `/segnalazioni/${ctx.open.public_number}/segui`,
    headers: FORM, body: urlencoded({ email: '"><script>alert(1)</script>' }) }), expect: { status: 400, page: true, absent: ['"><script>alert(1)'] } },
  { name: 'follow page: JSON posted to the form', request: (ctx) => ({ method: 'POST', path: `/en/public-reports/${ctx.open.public_number}/follow`,
    headers: jsonHeaders(), body: JSON.stringify({ email: refusedEmail(57) }) }), expect: { status: '4xx', page: true } },
  { name: 'subscription: forged secret, confirm', request: () => ({ path: `/segui/${forgedToken()}/conferma` }), expect: { status: 404, page: true } },
  { name: 'subscription: forged secret, one-click unsubscribe', request: () => ({ method: 'POST', path: `/segui/${forgedToken()}/disiscriviti`,
    headers: FORM, body: 'List-Unsubscribe=One-Click' }), expect: { status: 404, page: true } },
  { name: 'subscription: tampered secret', request: (ctx) => ({ path: `/segui/${tampered(ctx.subscription.kept)}/conferma` }), expect: { status: 404, page: true } },
  { name: 'subscription: unknown action on a real secret', request: (ctx) => ({ method: 'POST', path: `/segui/${ctx.subscription.kept}/rinnova` }),
    expect: { status: 404, page: true } },
  { name: 'subscription: traversal', request: { path: '/segui/..%2f..%2fstaff/conferma' }, expect: { status: 404, page: true } },
  { name: 'subscription: confirmation link opened again (says it is confirmed, changes nothing)', request: (ctx) => ({ path: `/segui/${ctx.subscription.kept}/conferma` }),
    expect: { status: 200, page: true, replay: true } },
  { name: 'subscription: confirmation button pressed again (idempotent, nothing new)', request: (ctx) => ({ method: 'POST', path: `/segui/${ctx.subscription.kept}/conferma` }),
    expect: { status: 200, page: true, replay: true } },
  { name: 'subscription: confirmation button pressed after unsubscribing (must not follow again)', request: (ctx) => ({ method: 'POST', path: `/segui/${ctx.subscription.ended}/conferma` }),
    expect: { status: [200, 404, 410], page: true, replay: true, check: async (ctx, answer) => {
      const tag = answer.text.match(/<[^>]*data-slot="sub-confirmed"[^>]*>/);
      assert.ok(!tag || /\shidden[\s=>]/.test(tag[0]), `the page does not say it is confirmed: ${tag?.[0]}`);
    } } },
  { name: 'nearby: script and NaN', request: { path: `/api/v1/reports/nearby?category=${encodeURIComponent('<script>')}&lat=NaN&lon=1e999` },
    expect: { status: 400, api: true, field: 'category' } },
  { name: 'nearby: SQL in the category, unknown parameter', request: { path: `/api/v1/reports/nearby?category=${encodeURIComponent("x' OR 1=1 --")}&lat=45.69&lon=9.67&radius=999999` },
    expect: { status: 400, api: true } },
  { name: 'nearby: nothing', request: { path: '/api/v1/reports/nearby' }, expect: { status: 400, api: true } },

  // --- my reports: one-time sign-in links and the citizen session --------------------------
  { name: 'my reports: sign-in link asked from another site', request: { method: 'POST', path: '/api/v1/citizen/sign-in',
    headers: jsonHeaders({ Origin: EVIL }), body: JSON.stringify({ email: 'cittadina@example.org' }) }, expect: { status: 403, api: true } },
  { name: 'my reports: header injection in the address', request: { method: 'POST', path: '/api/v1/citizen/sign-in',
    headers: jsonHeaders(), body: JSON.stringify({ email: 'cittadina@example.org\r\nBcc: victim@example.org' }) }, expect: { status: 422, api: true, field: 'email' } },
  { name: 'my reports: broken JSON', request: { method: 'POST', path: '/api/v1/citizen/sign-in', headers: jsonHeaders(), body: '{"email' },
    expect: { status: 400, api: true } },
  { name: 'my reports: text/plain', request: { method: 'POST', path: '/api/v1/citizen/sign-in', headers: { 'Content-Type': 'text/plain' }, body: 'cittadina@example.org' },
    expect: { status: 415, api: true } },
  { name: 'my reports: used sign-in link replayed', request: (ctx) => ({ method: 'POST', path: '/api/v1/citizen/session',
    headers: jsonHeaders(), body: JSON.stringify({ link: ctx.citizen.usedLink }) }), expect: { status: 401, api: true, check: async (ctx, answer) => {
    assert.equal(answer.json.error, 'used_link');
    assert.equal(answer.headers['set-cookie'], undefined, 'no session');
  } } },
  { name: 'my reports: forged sign-in link', request: () => ({ method: 'POST', path: '/api/v1/citizen/session',
    headers: jsonHeaders(), body: JSON.stringify({ link: forgedToken() }) }), expect: { status: 401, api: true, check: async (ctx, answer) => {
    assert.equal(answer.json.error, 'unknown_link');
    assert.equal(answer.headers['set-cookie'], undefined);
  } } },
  { name: 'my reports: a tracking token used as a sign-in link', request: (ctx) => ({ method: 'POST', path: '/api/v1/citizen/session',
    headers: jsonHeaders(), body: JSON.stringify({ link: ctx.citizen.trackingToken }) }), expect: { status: 401, api: true } },
  { name: 'my reports: SQL as the link', request: { method: 'POST', path: '/api/v1/citizen/session',
    headers: jsonHeaders(), body: JSON.stringify({ link: "' OR '1'='1' --" }) }, expect: { status: 401, api: true } },
  { name: 'my reports: a fresh link redeemed from another site', request: (ctx) => ({ method: 'POST', path: '/api/v1/citizen/session',
    headers: jsonHeaders({ Origin: EVIL }), body: JSON.stringify({ link: ctx.citizen.freshLink }) }), expect: { status: 403, api: true } },
  { name: 'my reports page: a fresh link redeemed by a cross-site form', request: (ctx) => ({ method: 'POST', path: `/le-mie-segnalazioni/accesso/${ctx.citizen.freshLink}`,
    headers: { ...FORM, 'Sec-Fetch-Site': 'cross-site' }, body: '' }), expect: { status: 403, page: true, check: async (ctx, answer) => {
    assert.equal(answer.headers['set-cookie'], undefined);
    assert.match(answer.text, /non arriva da una pagina del Comune/);
  } } },
  { name: 'my reports page: used link replayed through the button', request: (ctx) => ({ method: 'POST', path: `/le-mie-segnalazioni/accesso/${ctx.citizen.usedLink}`,
    headers: FORM, body: '' }), expect: { status: 400, page: true, check: async (ctx, answer) => {
    assert.equal(answer.headers['set-cookie'], undefined);
  } } },
  { name: 'my reports page: opening a link with script in it shows the button, escaped (tolerated: a GET uses nothing)',
    request: { path: `/le-mie-segnalazioni/accesso/${encodeURIComponent('"><svg onload=alert(1)>')}` },
    expect: { status: 200, page: true, tolerated: true, absent: ['"><svg onload'], check: async (ctx, answer) => assert.equal(answer.headers['set-cookie'], undefined) } },
  { name: 'my reports page: forged link through the button', request: () => ({ method: 'POST', path: `/en/my-reports/link/${forgedToken()}`, headers: FORM, body: '' }),
    expect: { status: 400, page: true } },
  { name: 'my reports page: script as the link', request: { method: 'POST', path: `/le-mie-segnalazioni/accesso/${encodeURIComponent('"><script>alert(1)</script>')}`, headers: FORM, body: '' },
    expect: { status: '4xx', page: true, absent: ['"><script>alert(1)'] } },
  { name: 'my reports: forged session cookie', request: { path: '/api/v1/citizen/reports', headers: { Cookie: `__Host-segnala_citizen=${'A'.repeat(43)}` } },
    expect: { status: 401, api: true } },
  { name: 'my reports: tampered session cookie', request: (ctx) => ({ path: '/api/v1/citizen/data', headers: { Cookie: `__Host-segnala_citizen=${tampered(ctx.citizen.token)}` } }),
    expect: { status: 401, api: true } },
  { name: 'my reports: the staff session cookie as a citizen one', request: (ctx) => ({ path: '/api/v1/citizen/data', headers: { Cookie: `__Host-segnala_citizen=${ctx.staffToken}` } }),
    expect: { status: 401, api: true } },
  { name: 'my reports: erase from another site with the session', request: (ctx) => ({ method: 'POST', path: '/api/v1/citizen/erase',
    headers: jsonHeaders({ Cookie: ctx.citizen.cookie, Origin: EVIL }), body: '{"confirm":true}' }), expect: { status: 403, api: true } },
  { name: 'my reports: erase by a cross-site form with the session', request: (ctx) => ({ method: 'POST', path: '/le-mie-segnalazioni/cancella',
    headers: { ...FORM, Cookie: ctx.citizen.cookie, 'Sec-Fetch-Site': 'cross-site' }, body: 'confirm=yes' }), expect: { status: 403, page: true,
    check: async (ctx, answer) => assert.match(answer.text, /non arriva da una pagina del Comune/) } },
  { name: 'my reports: erase with confirm as text', request: (ctx) => ({ method: 'POST', path: '/api/v1/citizen/erase',
    headers: jsonHeaders({ Cookie: ctx.citizen.cookie }), body: '{"confirm":"true"}' }), expect: { status: 422, api: true } },
  { name: 'my reports: erase with a forged session', request: { method: 'POST', path: '/api/v1/citizen/erase',
    headers: jsonHeaders({ Cookie: `__Host-segnala_citizen=${'B'.repeat(43)}` }), body: '{"confirm":true}' }, expect: { status: 401, api: true } },
  { name: 'my reports page: erase without a session', request: { method: 'POST', path: '/le-mie-segnalazioni/cancella', headers: FORM, body: 'confirm=yes' },
    expect: { status: 401, page: true } },
  { name: 'my reports page: script as the address comes back escaped', request: { method: 'POST', path: '/le-mie-segnalazioni/accedi', headers: FORM,
    body: urlencoded({ email: '"><img src=x onerror=alert(1)>', language: 'it' }) }, expect: { status: 400, page: true, absent: ['"><img src=x'] } },
  { name: 'my reports: unknown endpoint', request: { path: '/api/v1/citizen/..%2f..%2fstaff%2fusers' }, expect: { status: 404, api: true } },

  // --- staff API: cookies, CSRF, origin --------------------------------------------------------
  { name: 'staff: sign out with a forged cookie', request: { method: 'DELETE', path: '/api/v1/staff/session', headers: { Cookie: `__Host-segnala_staff=${'C'.repeat(43)}` } },
    expect: { status: 401, api: true } },
  { name: 'staff: two session cookies, forged one first', request: (ctx) => ({ method: 'POST', path: `/api/v1/staff/tickets/${ctx.open.public_number}/actions`,
    headers: jsonHeaders({ Cookie: `__Host-segnala_staff=${'D'.repeat(43)}; ${ctx.admin.cookie}`, 'X-CSRF-Token': ctx.admin.csrf }),
    body: JSON.stringify({ version: ctx.openVersion(), action: 'internal_note', text: 'due cookie' }) }), expect: { status: 401, api: true } },
  { name: 'staff: forged session cookie', request: { path: '/api/v1/staff/tickets', headers: { Cookie: `__Host-segnala_staff=${'A'.repeat(43)}` } },
    expect: { status: 401, api: true } },
  { name: 'staff: tampered session cookie', request: (ctx) => ({ path: '/api/v1/staff/tickets', headers: { Cookie: `__Host-segnala_staff=${tampered(ctx.staffToken)}` } }),
    expect: { status: 401, api: true } },
  { name: 'staff: session cookie one character short', request: (ctx) => ({ path: '/api/v1/staff/users', headers: { Cookie: `__Host-segnala_staff=${ctx.staffToken.slice(0, -1)}` } }),
    expect: { status: 401, api: true } },
  { name: 'staff: the citizen session cookie as a staff one', request: (ctx) => ({ path: '/api/v1/staff/tickets', headers: { Cookie: `__Host-segnala_staff=${ctx.citizen.token}` } }),
    expect: { status: 401, api: true } },
  { name: 'staff: the right token under a cookie without __Host-', request: (ctx) => ({ path: '/api/v1/staff/tickets', headers: { Cookie: `segnala_staff=${ctx.staffToken}` } }),
    expect: { status: 401, api: true } },
  { name: 'staff: the token with SQL appended', request: (ctx) => ({ path: '/api/v1/staff/tickets', headers: { Cookie: `__Host-segnala_staff=${ctx.staffToken}' OR '1'='1` } }),
    expect: { status: 401, api: true } },
  { name: 'staff action: no CSRF token', request: (ctx) => ({ method: 'POST', path: `/api/v1/staff/tickets/${ctx.open.public_number}/actions`,
    headers: jsonHeaders({ Cookie: ctx.admin.cookie }), body: JSON.stringify({ version: ctx.openVersion(), action: 'internal_note', text: 'senza token' }) }),
    expect: { status: 403, api: true, check: async (ctx, answer) => assert.equal(answer.json.error, 'csrf_failed') } },
  { name: 'staff action: another session\'s CSRF token', request: (ctx) => ({ method: 'POST', path: `/api/v1/staff/tickets/${ctx.open.public_number}/actions`,
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.operator.csrf }), body: JSON.stringify({ version: ctx.openVersion(), action: 'internal_note', text: 'token altrui' }) }),
    expect: { status: 403, api: true } },
  { name: 'staff action: tampered CSRF token', request: (ctx) => ({ method: 'POST', path: `/api/v1/staff/tickets/${ctx.open.public_number}/actions`,
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': tampered(ctx.admin.csrf) }), body: JSON.stringify({ version: ctx.openVersion(), action: 'internal_note', text: 'token alterato' }) }),
    expect: { status: 403, api: true } },
  { name: 'staff action: session and CSRF token, but from another site', request: (ctx) => ({ method: 'POST', path: `/api/v1/staff/tickets/${ctx.open.public_number}/actions`,
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf, Origin: EVIL }), body: JSON.stringify({ version: ctx.openVersion(), action: 'internal_note', text: 'da un altro sito' }) }),
    expect: { status: 403, api: true, check: async (ctx, answer) => assert.equal(answer.json.error, 'cross_origin') } },
  { name: 'staff action: session and CSRF token, cross-site fetch with a Referer', request: (ctx) => ({ method: 'POST', path: `/api/v1/staff/tickets/${ctx.open.public_number}/actions`,
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf, 'Sec-Fetch-Site': 'cross-site', Referer: `${EVIL}/x` }),
    body: JSON.stringify({ version: ctx.openVersion(), action: 'resolve', answer: 'Risolta da un altro sito' }) }), expect: { status: 403, api: true } },
  { name: 'staff action: a form post without origin and without the CSRF token', request: (ctx) => ({ method: 'POST', path: `/api/v1/staff/tickets/${ctx.open.public_number}/actions`,
    headers: { ...FORM, Cookie: ctx.admin.cookie }, body: urlencoded({ version: String(ctx.openVersion()), action: 'resolve', answer: 'Risolta da un form' }) }),
    expect: { status: 403, api: true } },
  { name: 'staff action: text/plain with the CSRF token', request: (ctx) => ({ method: 'POST', path: `/api/v1/staff/tickets/${ctx.open.public_number}/actions`,
    headers: { 'Content-Type': 'text/plain', Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }, body: JSON.stringify({ version: ctx.openVersion(), action: 'internal_note', text: 'x' }) }),
    expect: { status: 415, api: true } },
  { name: 'staff action: broken JSON', request: (ctx) => ({ method: 'POST', path: `/api/v1/staff/tickets/${ctx.open.public_number}/actions`,
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }), body: '{"version":1,"action":' }), expect: { status: 400, api: true } },
  { name: 'staff action: version as text and an unknown action', request: (ctx) => ({ method: 'POST', path: `/api/v1/staff/tickets/${ctx.open.public_number}/actions`,
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }), body: '{"version":"1; DROP TABLE tickets","action":"explode"}' }),
    expect: { status: 422, api: true } },
  { name: 'staff action: NUL in an internal note', request: (ctx) => ({ method: 'POST', path: `/api/v1/staff/tickets/${ctx.open.public_number}/actions`,
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }), body: JSON.stringify({ version: ctx.openVersion(), action: 'internal_note', text: 'nota\u0000' }) }),
    expect: { status: 422, api: true, field: 'text' } },
  { name: 'staff action: body over 64 KB', request: (ctx) => ({ method: 'POST', path: `/api/v1/staff/tickets/${ctx.open.public_number}/actions`,
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }), body: JSON.stringify({ version: ctx.openVersion(), action: 'internal_note', text: 'n'.repeat(70 * 1024) }) }),
    expect: { status: 413, api: true } },
  { name: 'staff action: traversal as ticket number', request: (ctx) => ({ method: 'POST', path: '/api/v1/staff/tickets/..%2f..%2fusers/actions',
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }), body: '{"version":1,"action":"take_in_charge"}' }), expect: { status: 404, api: true } },
  { name: 'staff: SQL as ticket number', request: (ctx) => ({ path: "/api/v1/staff/tickets/2026-000001'%20OR%20'1'%3D'1", headers: { Cookie: ctx.admin.cookie } }),
    expect: { status: 404, api: true } },
  { name: 'staff: inbox search with LIKE wildcards finds nothing (tolerated: the search is literal)', request: (ctx) => ({ path: `/api/v1/staff/tickets?q=${encodeURIComponent("%' OR '1'='1")}`, headers: { Cookie: ctx.admin.cookie } }),
    expect: { status: 200, tolerated: true, check: async (ctx, answer) => assert.equal(answer.json.total, 0, 'wildcards are not wildcards') } },
  { name: 'staff: inbox search with a lone % finds nothing (tolerated)', request: (ctx) => ({ path: '/api/v1/staff/tickets?q=%25', headers: { Cookie: ctx.admin.cookie } }),
    expect: { status: 200, tolerated: true, check: async (ctx, answer) => assert.equal(answer.json.total, 0) } },
  { name: 'staff: inbox filters with SQL', request: (ctx) => ({ path: `/api/v1/staff/tickets?status=${encodeURIComponent("open' OR 1=1 --")}&sort=${encodeURIComponent('newest; DROP TABLE tickets')}&per_page=-1`, headers: { Cookie: ctx.admin.cookie } }),
    expect: { status: 422, api: true, field: 'status' } },
  { name: 'staff: search with NUL', request: (ctx) => ({ path: '/api/v1/staff/tickets?q=buca%00', headers: { Cookie: ctx.admin.cookie } }),
    expect: { status: 422, api: true, field: 'q' } },
  { name: 'staff: photo position as traversal', request: (ctx) => ({ path: `/api/v1/staff/tickets/${ctx.open.public_number}/photos/..%2f..%2f1`, headers: { Cookie: ctx.admin.cookie } }),
    expect: { status: 404, api: true } },
  { name: 'staff: bulk action on 101 tickets', request: (ctx) => ({ method: 'POST', path: '/api/v1/staff/tickets/bulk-actions',
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }),
    body: JSON.stringify({ tickets: Array.from({ length: 101 }, () => ({ number: ctx.open.public_number, version: 1 })), command: { action: 'start_work' } }) }),
    expect: { status: 422, api: true, field: 'tickets' } },
  { name: 'staff: bulk tickets as a string', request: (ctx) => ({ method: 'POST', path: '/api/v1/staff/tickets/bulk-actions',
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }), body: '{"tickets":"*","command":{"action":"start_work"}}' }),
    expect: { status: 422, api: true } },
  { name: 'staff: new account with NUL, script and a made-up role', request: (ctx) => ({ method: 'POST', path: '/api/v1/staff/users',
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }),
    body: JSON.stringify({ email: 'nuovo\r\n@comune.example.it', name: 'Nome\u0000', role: 'superadmin', office: '../../', password: 'corta' }) }),
    expect: { status: 422, api: true } },
  { name: 'staff: new account from another site', request: (ctx) => ({ method: 'POST', path: '/api/v1/staff/users',
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf, Origin: EVIL }),
    body: JSON.stringify({ email: 'intruso@comune.example.it', name: 'Intruso', role: 'administrator', password: 'una frase lunga abbastanza 2026' }) }),
    expect: { status: 403, api: true } },
  { name: 'staff: an operator making an administrator', request: (ctx) => ({ method: 'POST', path: '/api/v1/staff/users',
    headers: jsonHeaders({ Cookie: ctx.operator.cookie, 'X-CSRF-Token': ctx.operator.csrf }),
    body: JSON.stringify({ email: 'intruso2@comune.example.it', name: 'Intruso', role: 'administrator', password: 'una frase lunga abbastanza 2026' }) }),
    expect: { status: 403, api: true } },
  { name: 'staff: API key with a control character in its name', request: (ctx) => ({ method: 'POST', path: '/api/v1/staff/api-keys',
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }), body: JSON.stringify({ name: 'App\u0007', contact: 'not an address' }) }),
    expect: { status: 422, api: true } },
  { name: 'staff: API key revoked with a traversal id', request: (ctx) => ({ method: 'POST', path: '/api/v1/staff/api-keys/..%2f..%2f*/revoke',
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }), body: '{}' }),
    expect: { status: '4xx', api: true } },
  { name: 'staff: configuration preview with broken JSON', request: (ctx) => ({ method: 'POST', path: '/api/v1/staff/configuration/preview',
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }), body: '{"config":{' }),
    expect: { status: 400, api: true } },
  { name: 'staff: configuration over 1 MB', request: (ctx) => ({ method: 'POST', path: '/api/v1/staff/configuration/versions',
    headers: jsonHeaders({ Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }), body: JSON.stringify({ config: { pad: 'x'.repeat(1100 * 1024) }, based_on: 0 }) }),
    expect: { status: 413, api: true } },
  { name: 'staff: configuration version that is not a number', request: (ctx) => ({ path: '/api/v1/staff/configuration/versions/1%20OR%201=1', headers: { Cookie: ctx.admin.cookie } }),
    expect: { status: 404, api: true } },
  { name: 'staff: import photo with a traversal id', request: (ctx) => ({ method: 'PUT', path: '/api/v1/staff/import/tickets/..%2f..%2f..%2fbergamo/photos/1',
    headers: { 'Content-Type': 'image/jpeg', Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }, body: fixture('plain.jpg') }),
    expect: { status: '4xx', api: true } },
  { name: 'staff: import tickets that are not JSON Lines', request: (ctx) => ({ method: 'POST', path: '/api/v1/staff/import/tickets',
    headers: { 'Content-Type': 'application/x-ndjson', Cookie: ctx.admin.cookie, 'X-CSRF-Token': ctx.admin.csrf }, body: '{"format":"segnala-ticket/1",\n<script>\n' }),
    expect: { status: '4xx', api: true } },
  { name: 'staff sign-in: from another site', request: { method: 'POST', path: '/api/v1/staff/session',
    headers: jsonHeaders({ Origin: EVIL }), body: JSON.stringify({ email: 'admin@comune.example.it', password: 'frase lunga per i test 2026' }) },
    expect: { status: 403, api: true, check: async (ctx, answer) => assert.equal(answer.headers['set-cookie'], undefined) } },
  { name: 'staff sign-in: SQL as the address', request: { method: 'POST', path: '/api/v1/staff/session',
    headers: jsonHeaders(), body: JSON.stringify({ email: "admin@comune.example.it' --", password: "' OR '1'='1" }) },
    expect: { status: 401, api: true, check: async (ctx, answer) => assert.equal(answer.headers['set-cookie'], undefined) } },
  { name: 'staff sign-in: password of 5000 characters', request: { method: 'POST', path: '/api/v1/staff/session',
    headers: jsonHeaders(), body: JSON.stringify({ email: 'nessuno@comune.example.it', password: 'p'.repeat(5000) }) },
    expect: { status: 422, api: true, field: 'password' } },
  { name: 'staff sign-in: broken JSON', request: { method: 'POST', path: '/api/v1/staff/session', headers: jsonHeaders(), body: '{"email":"a' },
    expect: { status: 400, api: true } },
  { name: 'staff sign-in: urlencoded', request: { method: 'POST', path: '/api/v1/staff/session', headers: FORM, body: 'email=admin%40comune.example.it&password=x' },
    expect: { status: 415, api: true } },
  { name: 'staff setup: a second administrator with a guessed token', request: { method: 'POST', path: '/api/v1/staff/setup',
    headers: jsonHeaders(), body: JSON.stringify({ setup_token: 'setup-00000000-0000-0000-0000-000000000000', email: 'intruso@comune.example.it', name: 'X', password: 'una frase lunga abbastanza 2026' }) },
    expect: { status: 403, api: true } },
  { name: 'staff setup: the right token once set up', request: (ctx) => ({ method: 'POST', path: '/api/v1/staff/setup',
    headers: jsonHeaders(), body: JSON.stringify({ setup_token: ctx.worker.setupToken, email: 'intruso@comune.example.it', name: 'X', password: 'una frase lunga abbastanza 2026' }) }),
    expect: { status: 409, api: true } },

  // --- staff pages ----------------------------------------------------------------------------
  { name: 'staff page: forged cookie goes to sign-in', request: { path: '/staff/segnalazioni/', headers: { Cookie: `__Host-segnala_staff=${'A'.repeat(43)}` } },
    expect: { status: 303, location: /^http:\/\/127\.0\.0\.1:\d+\/staff\/accesso\/\?next=/ } },
  { name: 'staff page: tampered cookie goes to sign-in', request: (ctx) => ({ path: '/staff/utenti/', headers: { Cookie: `__Host-segnala_staff=${tampered(ctx.staffToken)}` } }),
    expect: { status: 303, location: /\/staff\/accesso\/\?next=/ } },
  { name: 'staff page: an operator on an administrator page', request: (ctx) => ({ path: '/staff/utenti/', headers: { Cookie: ctx.operator.cookie } }),
    expect: { status: 403, page: true } },
  { name: 'staff page: traversal as ticket number', request: (ctx) => ({ path: '/staff/segnalazioni/..%2f..%2fapi%2fv1%2fstaff%2fusers', headers: { Cookie: ctx.admin.cookie } }),
    expect: { status: 404, page: true } },
  { name: 'staff page: open redirect after sign-in', request: (ctx) => ({ path: `/staff/accesso/?next=${encodeURIComponent('//evil.example/staff/')}`, headers: { Cookie: ctx.admin.cookie } }),
    expect: { status: 303, location: /^http:\/\/127\.0\.0\.1:\d+\/staff\/segnalazioni\/?$/ } },
  { name: 'staff page: open redirect with an encoded traversal', request: (ctx) => ({ path: `/staff/accesso/?next=${encodeURIComponent('/staff/%2e%2e/%2e%2e//evil.example')}`, headers: { Cookie: ctx.admin.cookie } }),
    expect: { status: 303, location: /^http:\/\/127\.0\.0\.1:\d+\/staff\/segnalazioni\/?$/ } },
  { name: 'staff page: open redirect with a backslash', request: (ctx) => ({ path: `/staff/accesso/?next=${encodeURIComponent('/staff/\\\\evil.example')}`, headers: { Cookie: ctx.admin.cookie } }),
    expect: { status: 303, location: /^http:\/\/127\.0\.0\.1:\d+\/staff\// } },
  { name: 'staff page: POST to a page', request: { method: 'POST', path: '/staff/accesso/', headers: FORM, body: 'email=a&password=b' },
    expect: { status: 405 } },

  // --- Open311 ----------------------------------------------------------------------------------
  { name: 'open311: filing without a key', request: { method: 'POST', path: '/open311/v2/requests.json', headers: FORM,
    body: urlencoded({ service_code: 'buche-stradali', description: 'Buca profonda sulla carreggiata', lat: '45.695', long: '9.67', email: refusedEmail(60) }) },
    expect: { status: 403, open311: 'api_key' } },
  { name: 'open311: filing with a forged key', request: { method: 'POST', path: '/open311/v2/requests.xml', headers: FORM,
    body: urlencoded({ api_key: `sgn_${'A'.repeat(40)}`, service_code: 'buche-stradali', description: 'Buca profonda sulla carreggiata', lat: '45.695', long: '9.67' }) },
    expect: { status: 403, xml: true, open311: 'api_key' } },
  { name: 'open311: filing with SQL as key', request: { method: 'POST', path: '/open311/v2/requests.json', headers: FORM,
    body: urlencoded({ api_key: "' OR '1'='1", service_code: 'buche-stradali', description: 'Buca profonda sulla carreggiata', lat: '45.695', long: '9.67' }) },
    expect: { status: 403, open311: 'api_key' } },
  { name: 'open311: JSON body', request: (ctx) => ({ method: 'POST', path: '/open311/v2/requests.json', headers: jsonHeaders(),
    body: JSON.stringify({ api_key: ctx.apiKey, service_code: 'buche-stradali', description: 'Buca profonda sulla carreggiata', lat: 45.695, long: 9.67 }) }),
    expect: { status: 400, open311: 'Content-Type' } },
  { name: 'open311: multipart body', request: async (ctx) => {
    const { body, type } = await multipart({ api_key: ctx.apiKey, service_code: 'buche-stradali', description: 'Buca profonda sulla carreggiata', lat: '45.695', long: '9.67' });
    return { method: 'POST', path: '/open311/v2/requests.json', headers: { 'Content-Type': type }, body };
  }, expect: { status: 400, open311: 'Content-Type' } },
  { name: 'open311: javascript: media_url', request: (ctx) => ({ method: 'POST', path: '/open311/v2/requests.json', headers: FORM,
    body: urlencoded({ api_key: ctx.apiKey, service_code: 'buche-stradali', description: 'Buca profonda sulla carreggiata', lat: '45.695', long: '9.67', email: refusedEmail(61), media_url: 'javascript:alert(document.cookie)' }) }),
    expect: { status: 400, open311: 'media_url' } },
  { name: 'open311: data: media_url', request: (ctx) => ({ method: 'POST', path: '/open311/v2/requests.json', headers: FORM,
    body: urlencoded({ api_key: ctx.apiKey, service_code: 'buche-stradali', description: 'Buca profonda sulla carreggiata', lat: '45.695', long: '9.67', email: refusedEmail(62), media_url: 'data:text/html,<script>alert(1)</script>' }) }),
    expect: { status: 400, open311: 'media_url' } },
  { name: 'open311: media_url with a space-hidden javascript:', request: (ctx) => ({ method: 'POST', path: '/open311/v2/requests.json', headers: FORM,
    body: urlencoded({ api_key: ctx.apiKey, service_code: 'buche-stradali', description: 'Buca profonda sulla carreggiata', lat: '45.695', long: '9.67', email: refusedEmail(63), media_url: 'https://x.example/ javascript:alert(1)' }) }),
    expect: { status: 400, open311: 'media_url' } },
  { name: 'open311: NUL in the description', request: (ctx) => ({ method: 'POST', path: '/open311/v2/requests.json', headers: FORM,
    body: urlencoded({ api_key: ctx.apiKey, service_code: 'buche-stradali', description: 'Buca\u0000profonda sulla carreggiata', lat: '45.695', long: '9.67', email: refusedEmail(64) }) }),
    expect: { status: 400, open311: 'description' } },
  { name: 'open311: traversal as service code', request: (ctx) => ({ method: 'POST', path: '/open311/v2/requests.json', headers: FORM,
    body: urlencoded({ api_key: ctx.apiKey, service_code: '../../../etc/passwd', description: 'Buca profonda sulla carreggiata', lat: '45.695', long: '9.67', email: refusedEmail(65) }) }),
    expect: { status: '4xx', open311: 'service_code' } },
  { name: 'open311: header injection in the e-mail', request: (ctx) => ({ method: 'POST', path: '/open311/v2/requests.json', headers: FORM,
    body: urlencoded({ api_key: ctx.apiKey, service_code: 'buche-stradali', description: 'Buca profonda sulla carreggiata', lat: '45.695', long: '9.67', email: `${refusedEmail(66)}\r\nBcc: v@example.org` }) }),
    expect: { status: 400, open311: 'email' } },
  { name: 'open311: script as an attribute code', request: (ctx) => ({ method: 'POST', path: '/open311/v2/requests.json', headers: FORM,
    body: `${urlencoded({ api_key: ctx.apiKey, service_code: 'buche-stradali', description: 'Buca profonda sulla carreggiata', lat: '45.695', long: '9.67', email: refusedEmail(67) })}&attribute%5B%3Cscript%3E%5D=1` }),
    expect: { status: 400, open311: 'attribute' } },
  { name: 'open311: body over 64 KB', request: (ctx) => ({ method: 'POST', path: '/open311/v2/requests.json', headers: FORM,
    body: urlencoded({ api_key: ctx.apiKey, service_code: 'buche-stradali', description: 'x'.repeat(70 * 1024), lat: '45.695', long: '9.67', email: refusedEmail(68) }) }),
    expect: { status: 413, open311: '' } },
  { name: 'open311: wrong jurisdiction', request: (ctx) => ({ method: 'POST', path: '/open311/v2/requests.json', headers: FORM,
    body: urlencoded({ api_key: ctx.apiKey, jurisdiction_id: '<script>alert(1)</script>', service_code: 'buche-stradali', description: 'Buca profonda sulla carreggiata', lat: '45.695', long: '9.67', email: refusedEmail(69) }) }),
    expect: { status: '4xx', open311: 'jurisdiction_id' } },
  { name: 'open311: script in the path of an XML answer stays well-formed', request: { path: '/open311/v2/services/%3Cscript%3Ealert(1)%3C%2Fscript%3E.xml' },
    expect: { status: 404, xml: true, open311: 'service_code', absent: ['<script>'] } },
  { name: 'open311: script as jurisdiction in an XML answer', request: { path: `/open311/v2/services.xml?jurisdiction_id=${encodeURIComponent('<x>&"\'')}` },
    expect: { status: '4xx', xml: true, open311: 'jurisdiction_id', absent: ['<x>&"'] } },
  { name: 'open311: control characters and bad UTF-8 as jurisdiction in XML', request: { path: '/open311/v2/requests.xml?jurisdiction_id=%01%FF%00%1B' },
    expect: { status: '4xx', xml: true, open311: 'jurisdiction_id', check: async (ctx, answer) => {
      assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(answer.text), 'no character XML 1.0 forbids');
    } } },
  { name: 'open311: NUL as service code in XML', request: { path: '/open311/v2/services/%00.xml' },
    expect: { status: 404, xml: true, open311: 'service_code' } },
  { name: 'open311: forged token', request: () => ({ path: `/open311/v2/tokens/${forgedToken()}.json` }), expect: { status: 404, open311: 'token' } },
  { name: 'open311: encoded traversal as request id', request: { path: '/open311/v2/requests/..%2f..%2fstaff.json' }, expect: { status: 404, open311: '' } },
  { name: 'open311: bad dates and status', request: { path: `/open311/v2/requests.json?start_date=${encodeURIComponent("2026' OR 1=1")}&status=${encodeURIComponent('<b>')}` },
    expect: { status: 400, open311: 'start_date' } },
  { name: 'open311: 1001 request ids', request: { path: `/open311/v2/requests.json?service_request_id=${Array.from({ length: 1001 }, (_, i) => i).join(',')}` },
    expect: { status: 400, open311: 'service_request_id' } },
  { name: 'open311: SQL as request ids finds nothing (tolerated: ids are bound values)', request: { path: `/open311/v2/requests.json?service_request_id=${encodeURIComponent("1' OR '1'='1,2026-000001 OR 1=1")}` },
    expect: { status: 200, tolerated: true, check: async (ctx, answer) => assert.deepEqual(answer.json, []) } },
  { name: 'open311: DELETE', request: { method: 'DELETE', path: '/open311/v2/requests.json' }, expect: { status: 405, open311: '' } },

  // --- open data ------------------------------------------------------------------------------------
  { name: 'open data: impossible dates', request: { path: '/api/v1/open-data/reports.json?from=2026-02-30&to=2026-13-01' }, expect: { status: 400, api: true, field: 'from' } },
  { name: 'open data: SQL in the filters', request: { path: `/api/v1/open-data/reports.csv?category=${encodeURIComponent("x' OR '1'='1")}&status=${encodeURIComponent('open;DROP TABLE tickets')}` },
    expect: { status: 400, api: true, field: 'category' } },
  { name: 'open data: limit out of range', request: { path: '/api/v1/open-data/reports.json?limit=1000000000000' }, expect: { status: 400, api: true, field: 'limit' } },
  { name: 'open data: bbox with NaN', request: { path: '/api/v1/open-data/reports.geojson?bbox=NaN,Infinity,1,2' }, expect: { status: 400, api: true, field: 'bbox' } },
  { name: 'open data: cursor as script', request: { path: `/api/v1/open-data/reports.json?after=${encodeURIComponent('<script>')}` }, expect: { status: 400, api: true, field: 'after' } },
  { name: 'open data: NUL and bad UTF-8 in a filter', request: { path: '/api/v1/open-data/reports.csv?from=%00&office=%FF%FE' }, expect: { status: 400, api: true, field: 'from' } },
  { name: 'open data: unknown parameter', request: { path: '/api/v1/open-data/reports.json?reporter=1' }, expect: { status: 400, api: true, field: 'reporter' } },
  { name: 'open data: snapshot traversal', request: { path: '/api/v1/open-data/snapshots/..%2f..%2fphotos/reports.csv' }, expect: { status: 404, api: true } },
  { name: 'open data: snapshot of a file that is not one', request: { path: '/api/v1/open-data/snapshots/latest/..%2f..%2fsnapshots%2findex.json' }, expect: { status: 404, api: true } },
  { name: 'open data: snapshot index itself', request: { path: '/api/v1/open-data/snapshots/2026-01-01/index.json' }, expect: { status: 404, api: true } },
  { name: 'open data: POST', request: { method: 'POST', path: '/api/v1/open-data/reports.json', headers: jsonHeaders(), body: '{}' }, expect: { status: 405, api: true } },
  { name: 'api: raw traversal out of the API', request: { path: '/api/v1/../../wrangler.toml' }, expect: { status: '4xx', any: true } },
  { name: 'api: unknown endpoint', request: { path: '/api/v2/reports' }, expect: { status: 404, api: true } },
  { name: 'dashboard: script in the filters', request: { path: `/cruscotto/?office=${encodeURIComponent('"><script>alert(1)</script>')}&from=${encodeURIComponent('<i hostile>')}` },
    expect: { status: [200, 400, 422], page: true, absent: ['"><script>alert(1)', '<i hostile>'] } },
];

describe('hostile input', () => {
  let worker, stateDir;
  const ctx = {};
  const figures = new StatusFigures();
  let refused = 0, tolerated = 0, storedWhenRefused = 0;
  const findings = [];

  before(async () => {
    stateDir = freshStateDir('hostile');
    worker = await startWorker({ stateDir });
    ctx.worker = worker;
    await setupAdministrator(worker);
    ctx.admin = await signIn(worker, 'admin@comune.example.it');
    await createStaff(ctx.admin, 'operatore.strade@comune.example.it', 'operator', 'strade-mobilita');
    ctx.operator = await signIn(worker, 'operatore.strade@comune.example.it');
    ctx.staffToken = ctx.admin.cookie.split('=')[1];

    // An open report with a photo, and a resolved one (ratings, "not solved").
    const form = new FormData();
    for (const [k, v] of Object.entries(fields({ email: 'mario.aperta@example.org' }))) form.append(k, v);
    form.append('photos', new Blob([fixture('plain.jpg')], { type: 'image/jpeg' }), 'a.jpg');
    const open = await fetch(`${worker.url}/api/v1/reports`, { method: 'POST', body: form });
    assert.equal(open.status, 201);
    ctx.open = await open.json();
    const resolved = await postJson(`${worker.url}/api/v1/reports`, pothole({ reporter: { email: 'mario.risolta@example.org' } }));
    ctx.resolved = resolved.json;
    const view = (await ctx.operator.get(`/api/v1/staff/tickets/${ctx.resolved.public_number}`)).body;
    assert.equal((await ctx.operator.post(`/api/v1/staff/tickets/${ctx.resolved.public_number}/actions`, { version: view.version, action: 'resolve', answer: 'Fatto.' })).status, 200);
    ctx.versions = {};
    ctx.openVersion = () => ctx.versions.open ?? 1;

    // An Open311 key.
    const key = await ctx.admin.post('/api/v1/staff/api-keys', { name: 'App di prova', contact: 'sviluppo@example.org' });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    ctx.apiKey = key.body.secret;

    // Two confirmed subscriptions to the open report; the second is then ended.
    const follow = async (email) => {
      const asked = await postJson(`${worker.url}/api/v1/public-reports/${ctx.open.public_number}/subscriptions`, { email });
      assert.equal(asked.status, 202, asked.text);
      const [message] = await mailsTo(worker, (m) => m.to.includes(email) && /conferma/.test(m.text));
      assert.ok(message, `confirmation for ${email}`);
      const path = linkIn(message, /http\S+\/segui\/[a-z2-7]{26}\/conferma/);
      assert.equal((await fetch(`${worker.url}${path}`, { method: 'POST' })).status, 200);
      return path.split('/')[2];
    };
    ctx.subscription = { kept: await follow('seguace.uno@example.org'), ended: await follow('seguace.due@example.org') };
    const ended = await fetch(`${worker.url}/segui/${ctx.subscription.ended}/disiscriviti`, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    assert.equal(ended.status, 200);

    // "My reports": a link used once (its session kept), and a fresh one nobody used.
    const mine = await postJson(`${worker.url}/api/v1/reports`, pothole({ reporter: { name: 'Cittadina', email: 'cittadina@example.org' } }));
    ctx.citizen = { trackingToken: mine.json.tracking_token };
    const link = async (count) => {
      assert.equal((await postJson(`${worker.url}/api/v1/citizen/sign-in`, { email: 'cittadina@example.org' })).status, 202);
      const found = await mailsTo(worker, (m) => m.to.includes('cittadina@example.org') && /accesso\//.test(m.text), count);
      assert.ok(found.length >= count, 'sign-in link sent');
      return found[count - 1].text.match(/\/le-mie-segnalazioni\/accesso\/([a-z2-7]{26})/)[1];
    };
    ctx.citizen.usedLink = await link(1);
    const session = await postJson(`${worker.url}/api/v1/citizen/session`, { link: ctx.citizen.usedLink });
    assert.equal(session.status, 200, session.text);
    ctx.citizen.cookie = session.headers.get('set-cookie').split(';')[0];
    ctx.citizen.token = ctx.citizen.cookie.split('=')[1];
    ctx.citizen.freshLink = await link(2);

    // The comune asks citizens to confirm their address: the first message carries a code,
    // followed once here; the cases replay and tamper with it.
    const current = (await ctx.admin.get('/api/v1/staff/configuration')).body;
    const config = structuredClone(current.config);
    config.mail = { ...config.mail, confirm_addresses: true };
    const saved = await ctx.admin.post('/api/v1/staff/configuration/versions', { config, note: 'Conferma degli indirizzi', based_on: current.version ?? 0 });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    for (let attempt = 0; attempt < 8 && !ctx.confirmationCode; attempt += 1) {
      const email = `conferma${attempt}@example.org`;
      assert.equal((await postJson(`${worker.url}/api/v1/reports`, pothole({ reporter: { email } }))).status, 201);
      const [message] = await mailsTo(worker, (m) => m.to.includes(email), 1, 5000);
      ctx.confirmationCode = message?.text.match(/\/conferma-email\/([a-z2-7]{26})/)?.[1];
    }
    assert.ok(ctx.confirmationCode, 'a confirmation code was sent');
    const confirmed = await fetch(`${worker.url}/conferma-email/${ctx.confirmationCode}`, { method: 'POST', redirect: 'manual' });
    assert.equal(confirmed.status, 303);
  });

  after(async () => {
    console.log(`hostile-input: ${figures.sent} requests sent, ${figures.classes['4xx']} answered 4xx, ${figures.classes['5xx']} 5xx, ${storedWhenRefused} stored`);
    console.log(`hostile-input: ${CASES.length} cases (${refused} to refuse, ${tolerated} tolerated or idempotent); answers by status class: ${figures.byClass()}`);
    if (findings.length) console.log(`hostile-input findings:\n${findings.map((f) => `  - ${f}`).join('\n')}`);
    await worker?.stop();
  });

  /** What a refused request must not change. */
  const snapshot = async () => {
    const count = (body, key) => (Array.isArray(body) ? body.length : (body?.[key] ?? []).length);
    const [tickets, open, resolved, followers, users, keys] = await Promise.all([
      ctx.admin.get('/api/v1/staff/tickets?per_page=1'),
      ctx.admin.get(`/api/v1/staff/tickets/${ctx.open.public_number}`),
      ctx.admin.get(`/api/v1/staff/tickets/${ctx.resolved.public_number}`),
      json(`${worker.url}/api/v1/public-reports/${ctx.open.public_number}`),
      ctx.admin.get('/api/v1/staff/users'),
      ctx.admin.get('/api/v1/staff/api-keys'),
    ]);
    ctx.versions.open = open.body.version;
    return {
      tickets: tickets.body.total,
      open: `${open.body.version}/${open.body.history.length}/${open.body.photos.length}`,
      resolved: `${resolved.body.version}/${resolved.body.history.length}`,
      blobs: storedPhotoBlobs(stateDir).length,
      followers: followers.body.followers,
      users: count(users.body, 'users'),
      keys: count(keys.body, 'keys'),
    };
  };

  for (const [index, testCase] of CASES.entries()) {
    test(`${index + 1}. ${testCase.name}`, async () => {
      const { expect } = testCase;
      const spec = typeof testCase.request === 'function' ? await testCase.request(ctx) : testCase.request;
      const before = await snapshot();
      const answer = await rawRequest(worker, spec);
      figures.add(answer.status);
      const afterState = await snapshot();
      const where = `${spec.method ?? 'GET'} ${spec.path.slice(0, 120)} → ${answer.status} ${answer.text.replace(/\s+/g, ' ').slice(0, 240)}`;
      if (answer.status >= 500) findings.push(`${testCase.name}: ${where}`);

      if (expect.tolerated || expect.replay) tolerated += 1; else refused += 1;
      // Nothing stored, or exactly what a tolerated request says it stores.
      const allowed = expect.stores ?? {};
      const changed = Object.keys(before).filter((key) => {
        const grew = typeof before[key] === 'number' ? afterState[key] - before[key] : (before[key] === afterState[key] ? 0 : 1);
        return grew !== (allowed[key] ?? 0);
      });
      if (changed.length && !expect.tolerated) {
        storedWhenRefused += 1;
        findings.push(`${testCase.name}: stored ${changed.map((k) => `${k} ${before[k]} → ${afterState[k]}`).join(', ')} (${where})`);
      }
      assert.deepEqual(changed.map((k) => `${k}: ${before[k]} → ${afterState[k]}`), [], `stored what it should not: ${where}`);

      assert.ok(answer.status < 500, `a 5xx: ${where}`);
      const statuses = expect.status === '4xx' ? null : [expect.status].flat();
      if (statuses) assert.ok(statuses.includes(answer.status), `status ${answer.status}, expected ${statuses}: ${where}`);
      else assert.ok(answer.status >= 400 && answer.status < 500, `expected a 4xx: ${where}`);

      const type = answer.headers['content-type'] ?? '';
      if (expect.api) {
        assert.match(type, /^application\/json/, `JSON answer: ${where}`);
        assert.equal(typeof answer.json?.error, 'string', `an error code: ${where}`);
        assert.equal(typeof answer.json?.message, 'string', `a message: ${where}`);
        // Validation errors list each field; other errors may leave the list out.
        if ([400, 422].includes(answer.status) || answer.json?.fields !== undefined) {
          assert.ok(Array.isArray(answer.json?.fields) && answer.json.fields.length > 0, `a list of fields: ${where}`);
        }
        if (expect.field !== undefined) {
          assert.ok(answer.json.fields.some((f) => f.field === expect.field), `field ${expect.field} named: ${where}`);
        }
        if (expect.code !== undefined) {
          assert.ok(answer.json.fields.some((f) => f.code === expect.code), `code ${expect.code}: ${where}`);
        }
      }
      if (expect.open311 !== undefined) {
        if (expect.xml || /xml/.test(type)) {
          assert.match(type, /^text\/xml/, where);
          assert.match(answer.text, /^<\?xml version="1\.0" encoding="utf-8"\?>\s*<errors>\s*<error>\s*<code>\d+<\/code>\s*<description>[^<]*<\/description>\s*<\/error>\s*<\/errors>\s*$/, `well-formed error list: ${where}`);
          assert.ok(answer.text.includes(`<description>${expect.open311}`), `names ${expect.open311}: ${where}`);
        } else {
          assert.match(type, /^application\/json/, where);
          assert.ok(Array.isArray(answer.json) && answer.json.length >= 1, `the spec's error list: ${where}`);
          assert.equal(answer.json[0].code, answer.status, where);
          assert.ok(answer.json.some((e) => e.description.startsWith(expect.open311)), `names ${expect.open311}: ${where}`);
        }
      }
      if (expect.page) {
        assert.match(type, /^text\/html/, `an HTML page: ${where}`);
        assert.match(answer.text, /<html[\s>]/i, `a readable page: ${where}`);
        assert.match(answer.text, /<title>[^<]+<\/title>/i, `with a title: ${where}`);
      }
      for (const raw of expect.absent ?? []) {
        assert.ok(!answer.text.includes(raw), `echoed unescaped: ${raw} in ${where}`);
      }
      if (expect.location) assert.match(answer.headers.location ?? '', expect.location, where);
      if (answer.status >= 400 && !expect.page && !expect.xml && !expect.any && /html/.test(type)) {
        assert.fail(`an API error answered as HTML: ${where}`);
      }
      await expect.check?.(ctx, answer);
    });
  }

  test('no refused request sent an e-mail, and the replayed links sent none either', async () => {
    // Messages are sent by the queue consumer a moment after the step; give them time.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const leaked = worker.mail.messages().filter((m) => m.to.some((to) => to.endsWith(`@${REFUSED_DOMAIN}`)) || /victim@example\.org/.test(m.to.join(',')));
    assert.deepEqual(leaked.map((m) => `${m.to} ${m.subject}`), []);
    const followers = worker.mail.messages().filter((m) => m.to.includes('seguace.uno@example.org') || m.to.includes('seguace.due@example.org'));
    assert.equal(followers.length, 2, 'one confirmation each, nothing after the replays');
  });

  test('the fresh sign-in link refused to another site still works for the citizen, once', async () => {
    const first = await postJson(`${worker.url}/api/v1/citizen/session`, { link: ctx.citizen.freshLink });
    assert.equal(first.status, 200, first.text);
    const again = await postJson(`${worker.url}/api/v1/citizen/session`, { link: ctx.citizen.freshLink });
    assert.equal(again.status, 401);
    figures.add(first.status);
    figures.add(again.status);
  });

  test('the citizen\'s data survived the erasure attempts from other sites', async () => {
    const data = await fetch(`${worker.url}/api/v1/citizen/data`, { headers: { Cookie: ctx.citizen.cookie } });
    figures.add(data.status);
    assert.equal(data.status, 200);
    assert.equal((await data.json()).reports[0].reporter.email, 'cittadina@example.org');
  });
});
