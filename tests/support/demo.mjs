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
