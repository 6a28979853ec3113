#!/usr/bin/env node
// A local stand-in for the HTTP mail APIs Segnala speaks, on 127.0.0.1: Resend
// (`POST /emails`, bearer key, Idempotency-Key) and Postmark (`POST /email`,
// X-Postmark-Server-Token). It checks requests as the providers do, keeps the messages,
// and shows them: `GET /` (a page), `GET /messages` (JSON), `GET /messages/ID` (the HTML
// body). scripts/dev starts it; the tests start one per Worker and steer it:
// `POST /_sink/behaviour` makes the next requests (or the next to one address) fail
// (status, Retry-After) or hang, and
// `POST /_sink/down` / `POST /_sink/up` stop and restart the API answering at all.
//   node scripts/mail-sink.mjs [--port N] [--key KEY]
import http from 'node:http';
import crypto from 'node:crypto';

const escape = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const ADDRESS = /^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$/;

/** The address inside `"Name" <address>`, or the text itself. */
function address(text) {
  const match = /<([^>]*)>\s*$/.exec(String(text ?? ''));
  return (match ? match[1] : String(text ?? '')).trim();
}

async function body(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function send(response, status, value, headers = {}) {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(value));
}

/**
 * @param {{ port?: number, key?: string }} options
 * @returns {Promise<{ url: string, port: number, messages: () => object[], requests: () => number,
 *   clear: () => void, fail: (b: object) => void, down: () => void, up: () => void, close: () => Promise<void> }>}
 */
export async function startMailSink(options = {}) {
  const key = options.key ?? 'sink-key';
  const messages = [];
  const byIdempotencyKey = new Map();
  let requests = 0;
  let isDown = false;
  /** Queued answers for the next API requests: { status, retryAfter, body } or { hang: true }. */
  let behaviours = [];
  const hanging = new Set();

  function keep(provider, fields) {
    const message = {
      id: crypto.randomUUID(),
      provider,
      received_at: new Date().toISOString(),
      ...fields,
    };
    messages.push(message);
    return message;
  }

  function resend(request, response, text) {
    if (request.headers.authorization !== `Bearer ${key}`) {
      return send(response, 403, { statusCode: 403, name: 'invalid_api_key', message: 'API key is invalid' });
    }
    let json;
    try { json = JSON.parse(text); } catch {
      return send(response, 422, { statusCode: 422, name: 'validation_error', message: 'Invalid JSON body.' });
    }
    const to = Array.isArray(json.to) ? json.to : [json.to];
    if (!json.from || !ADDRESS.test(address(json.from))) {
      return send(response, 422, { statusCode: 422, name: 'validation_error', message: 'Invalid `from` field.' });
    }
    if (to.length === 0 || !to.every((t) => ADDRESS.test(address(t)))) {
      return send(response, 422, { statusCode: 422, name: 'validation_error', message: 'Invalid `to` field.' });
    }
    if (!json.subject || (!json.html && !json.text)) {
      return send(response, 422, { statusCode: 422, name: 'validation_error', message: 'Missing `subject`, `html` or `text`.' });
    }
    // Resend answers a repeated Idempotency-Key with the first answer and sends nothing.
    const idempotencyKey = request.headers['idempotency-key'];
    if (idempotencyKey && byIdempotencyKey.has(idempotencyKey)) {
      return send(response, 200, { id: byIdempotencyKey.get(idempotencyKey) });
    }
    const message = keep('resend', {
      from: json.from, to, reply_to: json.reply_to ?? null, subject: json.subject,
      text: json.text ?? '', html: json.html ?? '', idempotency_key: idempotencyKey ?? null,
      headers: json.headers ?? {},
    });
    if (idempotencyKey) byIdempotencyKey.set(idempotencyKey, message.id);
    send(response, 200, { id: message.id });
  }

  function postmark(request, response, text) {
    if (request.headers['x-postmark-server-token'] !== key) {
      return send(response, 401, { ErrorCode: 10, Message: 'The Server Token you provided in the X-Postmark-Server-Token request header was invalid.' });
    }
    let json;
    try { json = JSON.parse(text); } catch {
      return send(response, 422, { ErrorCode: 402, Message: 'Received invalid JSON input.' });
    }
    if (!json.To || !String(json.To).split(',').every((t) => ADDRESS.test(address(t)))) {
      return send(response, 422, { ErrorCode: 300, Message: `Invalid 'To' address: '${json.To ?? ''}'.` });
    }
    if (!json.From || !ADDRESS.test(address(json.From))) {
      return send(response, 422, { ErrorCode: 300, Message: `Invalid 'From' address: '${json.From ?? ''}'.` });
    }
    const message = keep('postmark', {
      from: json.From, to: String(json.To).split(',').map((t) => t.trim()), reply_to: json.ReplyTo ?? null,
      subject: json.Subject ?? '', text: json.TextBody ?? '', html: json.HtmlBody ?? '',
      message_stream: json.MessageStream ?? 'outbound', idempotency_key: json.Metadata?.idempotency_key ?? null,
      headers: Object.fromEntries((json.Headers ?? []).map((h) => [h.Name, h.Value])),
    });
    send(response, 200, { To: json.To, SubmittedAt: message.received_at, MessageID: message.id, ErrorCode: 0, Message: 'OK' });
  }

  function page(response) {
    const rows = messages.slice().reverse().map((m) => `<tr><td>${escape(m.received_at)}</td><td>${escape(m.to.join(', '))}</td>
      <td><a href="/messages/${escape(m.id)}">${escape(m.subject)}</a></td><td>${escape(m.provider)}</td></tr>`).join('');
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Segnala mail sink</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{padding:.3rem .6rem;border-bottom:1px solid #ccc;text-align:left}</style></head>
<body><h1>Messages sent (${messages.length})</h1><p>JSON: <a href="/messages">/messages</a></p>
<table><thead><tr><th>Received</th><th>To</th><th>Subject</th><th>API</th></tr></thead><tbody>${rows}</tbody></table></body></html>`);
  }

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url, 'http://sink');
    const text = await body(request);
    if (url.pathname.startsWith('/_sink/') && request.method === 'POST') {
      if (url.pathname === '/_sink/behaviour') behaviours.push(...[].concat(JSON.parse(text || '[]')));
      else if (url.pathname === '/_sink/down') isDown = true;
      else if (url.pathname === '/_sink/up') isDown = false;
      else if (url.pathname === '/_sink/clear') messages.length = 0;
      return send(response, 200, { ok: true });
    }
    if (request.method === 'GET' && url.pathname === '/') return page(response);
    if (request.method === 'GET' && url.pathname === '/messages') return send(response, 200, messages);
    if (request.method === 'GET' && url.pathname.startsWith('/messages/')) {
      const message = messages.find((m) => m.id === url.pathname.slice('/messages/'.length));
      if (!message) return send(response, 404, { error: 'no such message' });
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" });
      return response.end(message.html || `<pre>${escape(message.text)}</pre>`);
    }
    if (request.method === 'POST' && (url.pathname === '/emails' || url.pathname === '/email')) {
      requests += 1;
      if (isDown) return request.socket.destroy();
      // A behaviour with `to` waits for a message to that address; others take the next.
      let recipients = [];
      try {
        const json = JSON.parse(text);
        recipients = [].concat(json.to ?? json.To ?? []).flatMap((t) => String(t).split(',')).map(address);
      } catch { /* the provider's own checks answer */ }
      const index = behaviours.findIndex((b) => !b.to || recipients.includes(b.to));
      const next = index >= 0 ? behaviours.splice(index, 1)[0] : undefined;
      if (next?.hang) { hanging.add(response); return; }
      if (next) {
        const headers = next.retryAfter ? { 'Retry-After': String(next.retryAfter) } : {};
        return send(response, next.status, next.body ?? { message: 'simulated failure' }, headers);
      }
      return url.pathname === '/emails' ? resend(request, response, text) : postmark(request, response, text);
    }
    send(response, 404, { error: 'not found' });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    key,
    messages: () => messages.slice(),
    requests: () => requests,
    clear: () => { messages.length = 0; },
    fail: (behaviour) => { behaviours.push(...[].concat(behaviour)); },
    down: () => { isDown = true; },
    up: () => { isDown = false; },
    close: () => new Promise((resolve) => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const sink = await startMailSink({ port: Number(option('--port') ?? 8025), key: option('--key') });
  console.log(`Mail sink on ${sink.url} (messages at ${sink.url}/ and ${sink.url}/messages)`);
  const stop = () => sink.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
