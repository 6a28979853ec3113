// Moves a comune's tickets between Segnala deployments, or out of the product, as a folder
// anyone can read: tickets.jsonl (one ticket per line, schema/export/ticket.schema.json)
// and photos/{number}/{position}.{ext}. Signs in as an administrator of the deployment.
//
//   SEGNALA_EMAIL=... SEGNALA_PASSWORD=... node scripts/transfer.mjs export URL FOLDER
//   SEGNALA_EMAIL=... SEGNALA_PASSWORD=... node scripts/transfer.mjs import URL FOLDER
//
// Import sends the lines in batches (each written whole or not at all) and then the
// photos; it can be run again after an interruption: what is there already is skipped.
import fs from 'node:fs';
import path from 'node:path';
import { importLines } from './json-lines.mjs';

const TIMEOUT_MS = 120_000;
/// A whole export is one streamed answer: give it time to arrive.
const EXPORT_TIMEOUT_MS = 60 * 60_000;

async function signIn(url, email, password) {
  const response = await fetch(`${url}/api/v1/staff/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }), signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`sign-in refused (${response.status}): ${body.message ?? body.error}`);
  return { Cookie: response.headers.get('set-cookie').split(';')[0], 'X-CSRF-Token': body.csrf_token };
}

async function exportTo(url, session, folder) {
  const response = await fetch(`${url}/api/v1/staff/export/tickets.jsonl`, { headers: session, signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS) });
  if (response.status !== 200) throw new Error(`export refused (${response.status}): ${await response.text()}`);
  const text = await response.text();
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'tickets.jsonl'), text, { mode: 0o600 });
  const tickets = text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  let photos = 0;
  for (const ticket of tickets) {
    for (const photo of ticket.photos) {
      const file = await fetch(`${url}/api/v1/staff/tickets/${ticket.number}/photos/${photo.position}`, { headers: session, signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (file.status !== 200) throw new Error(`photo ${photo.file}: ${file.status}`);
      const target = path.join(folder, photo.file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, Buffer.from(await file.arrayBuffer()), { mode: 0o600 });
      photos += 1;
    }
  }
  return { tickets: tickets.length, photos };
}

async function importFrom(url, session, folder) {
  const lines = fs.readFileSync(path.join(folder, 'tickets.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
  const files = new Map();
  for (const line of lines) {
    const ticket = JSON.parse(line);
    for (const photo of ticket.photos ?? []) files.set(`${ticket.id}/${photo.position}`, { ...photo, number: ticket.number });
  }
  const { imported, skipped, photosMissing: missing } = await importLines(url, session, lines, { timeoutMs: TIMEOUT_MS });
  const totals = { imported, skipped, photos: 0 };
  for (const { id, position } of missing) {
    const photo = files.get(`${id}/${position}`);
    const bytes = fs.readFileSync(path.join(folder, photo.file));
    const response = await fetch(`${url}/api/v1/staff/import/tickets/${id}/photos/${position}`, {
      method: 'PUT', headers: { ...session, 'Content-Type': photo.content_type }, body: bytes,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (![200, 201].includes(response.status)) throw new Error(`photo ${photo.file} refused (${response.status}): ${await response.text()}`);
    totals.photos += 1;
  }
  return totals;
}


const [command, url, folder] = process.argv.slice(2);
const { SEGNALA_EMAIL: email, SEGNALA_PASSWORD: password } = process.env;
if (!['export', 'import'].includes(command) || !url || !folder || !email || !password) {
  console.error('usage: SEGNALA_EMAIL=... SEGNALA_PASSWORD=... node scripts/transfer.mjs export|import URL FOLDER');
  process.exit(2);
}
try {
  const base = url.replace(/\/$/, '');
  const session = await signIn(base, email, password);
  if (command === 'export') {
    const done = await exportTo(base, session, folder);
    console.log(`exported ${done.tickets} tickets and ${done.photos} photos to ${folder}`);
  } else {
    const done = await importFrom(base, session, folder);
    console.log(`imported ${done.imported} tickets (${done.skipped} already there) and ${done.photos} photos from ${folder}`);
  }
} catch (error) {
  console.error(`transfer: ${error.message}`);
  process.exit(1);
}
