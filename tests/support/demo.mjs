// The demo comune the local stack and the tests use, and reports that fit it.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './worker.mjs';

export const demoConfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'config/demo-bergamo.json'), 'utf8'));

export function pothole(overrides = {}) {
  return {
    category: 'buche-stradali',
    kind: 'segnalazione',
    description: 'Buca profonda sulla carreggiata davanti al civico 12',
    location: { lat: 45.6950, lon: 9.6700 },
    address: 'Via Borgo Palazzo 12',
    reporter: { name: 'Mario Rossi', email: 'mario.rossi@example.it' },
    language: 'it',
    privacy_accepted: true,
    ...overrides,
  };
}

export async function postJson(url, body, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, headers: response.headers, json, text };
}

export const FIXTURES = new URL('../fixtures/photos/', import.meta.url);

export function fixture(name) {
  return fs.readFileSync(new URL(name, FIXTURES));
}

/** A multipart body from plain fields and photos given as [name, bytes, type] triples. */
export function multipart(fields, photos = [], thumbnails = []) {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, String(value));
  for (const [name, bytes, type] of photos) form.append('photos', new Blob([bytes], { type }), name);
  for (const [name, bytes, type] of thumbnails) form.append('thumbnails', new Blob([bytes], { type }), name);
  return form;
}

/** Flat form fields of a valid report (the names the HTML form uses). */
export function potholeFields(overrides = {}) {
  return {
    category: 'buche-stradali',
    kind: 'segnalazione',
    description: 'Buca profonda sulla carreggiata davanti al civico 12',
    lat: '45.695',
    lon: '9.67',
    address: 'Via Borgo Palazzo 12',
    name: 'Mario Rossi',
    email: 'mario.rossi@example.it',
    language: 'it',
    privacy_accepted: 'on',
    ...overrides,
  };
}

export async function send(url, body, headers = {}) {
  const response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual' });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, headers: response.headers, json, text };
}

/** Photo objects stored by the local R2 of a state folder. */
export function storedPhotoBlobs(stateDir) {
  const dir = path.join(stateDir, 'v3/r2/segnala-photos/blobs');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => path.join(dir, name)) : [];
}

export function sequenceOf(publicNumber) {
  return Number(publicNumber.split('-')[1]);
}
