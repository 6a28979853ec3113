// Helpers for the hostile-input, hostile-rendering and privacy suites: raw requests that a
// browser or `fetch` would tidy up (paths with `..` or `%2e`, odd headers, bytes that are
// not UTF-8), multipart bodies built by hand, payloads that try to run script, and waits
// for e-mails in the local mail sink, every wait bounded.
import http from 'node:http';
import assert from 'node:assert/strict';

const TIMEOUT_MS = 30_000;

/**
 * One request to the local Worker through node:http, so that the path, the headers and the
 * body go as written (no normalisation of `..`, no added Origin, any bytes in the body).
 * @param {{ port: number }} worker
 * With `chunked`, the body goes without Content-Length, in pieces (Transfer-Encoding:
 * chunked), as a streamed upload does; the answer may come before it is all sent.
 * @param {{ method?: string, path: string, headers?: Record<string,string>, body?: string | Buffer, chunked?: boolean }} request
 * @returns {Promise<{ status: number, headers: http.IncomingHttpHeaders, bytes: Buffer, text: string, json: any }>}
 */
export function rawRequest(worker, { method = 'GET', path, headers = {}, body, chunked = false }) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const req = http.request({
      host: '127.0.0.1',
      port: worker.port,
      path,
      method,
      headers: {
        Host: `127.0.0.1:${worker.port}`,
        ...(payload !== undefined && !chunked ? { 'Content-Length': payload.length } : {}),
        ...headers,
      },
      timeout: TIMEOUT_MS,
    }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const text = bytes.toString('utf8');
        let json;
        try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, bytes, text, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    if (payload !== undefined && chunked) {
      writeInPieces(req, payload);
      return;
    }
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Writes the body 64 KiB at a time, waiting for each to drain; a server that answers
 * early and stops reading ends the writing without an error. */
function writeInPieces(req, payload) {
  const PIECE = 64 * 1024;
  let offset = 0;
  req.on('error', () => {});
  const next = () => {
    while (offset < payload.length) {
      if (req.destroyed || req.writableEnded) return;
      const piece = payload.subarray(offset, offset + PIECE);
      offset += PIECE;
      if (!req.write(piece)) {
        req.once('drain', next);
        return;
      }
    }
    req.end();
  };
  next();
}

/** A multipart/form-data body and its Content-Type, as the browser's FormData makes it. */
export async function formBody(form) {
  const response = new Response(form);
  return { body: Buffer.from(await response.arrayBuffer()), type: response.headers.get('content-type') };
}

/** The same string with its first character changed: a tampered secret of the same shape
 * (the first character, so that base32 and base64url trailing bits stay valid). */
export function tampered(secret) {
  const first = secret[0];
  const other = first === 'b' ? 'c' : 'b';
  return other + secret.slice(1);
}

/** A random 26-character lowercase base32 secret, well formed but issued by nobody. */
export function forgedToken() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  // 16 bytes in base32 leave the last character's low bits zero: keep it decodable.
  for (let i = 0; i < 25; i += 1) out += alphabet[Math.floor(Math.random() * 32)];
  return out + 'a';
}

/**
 * Text that tries to run script wherever it is put into a page the wrong way. Each sets
 * `window.__pwned` (and calls alert) when it runs; `{{ }}` checks template engines.
 */
export function scriptPayloads(tag) {
  return [
    `<script>window.__pwned='${tag}-script';alert('${tag}')</script>`,
    `<img src=x onerror="window.__pwned='${tag}-img';alert('${tag}')">`,
    `"><svg onload="window.__pwned='${tag}-svg';alert('${tag}')">`,
    `javascript:window.__pwned='${tag}-js';alert('${tag}')`,
    `{{ 7*7 }} {{constructor.constructor('window.__pwned="${tag}-tpl"')()}}`,
  ];
}

/** One string holding every payload, for a field that takes a sentence. */
export function allPayloads(tag) {
  return `${tag}: ${scriptPayloads(tag).join(' ')}`;
}

/** Messages the mail sink received that match, waiting (bounded) until `count` are there. */
export async function mailsTo(worker, match, count = 1, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = worker.mail.messages().filter(match);
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The path of the first link in a message's text that matches `pattern`. */
export function linkIn(message, pattern) {
  const found = message.text.match(pattern);
  assert.ok(found, `no link ${pattern} in: ${message.text}`);
  return new URL(found[0]).pathname;
}

/** Counts answers by status class, for the figures a suite prints at the end. */
export class StatusFigures {
  constructor() { this.classes = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }; this.sent = 0; }
  add(status) {
    this.sent += 1;
    const key = `${Math.floor(status / 100)}xx`;
    this.classes[key] = (this.classes[key] ?? 0) + 1;
  }
  byClass() {
    return Object.entries(this.classes).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`).join(' ');
  }
}

/** Signs a browser page in to the staff dashboard through its sign-in form (as staff do),
 * starting from `path`, and waits until the page it was headed to is shown. */
export async function staffSignInPage(page, worker, email, password, path = '/staff/segnalazioni/') {
  await page.goto(`${worker.url}${path}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Entra' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/staff/accesso'), { timeout: 30_000 });
}
