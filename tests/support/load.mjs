// What the load and fault suites share: a bounded pool of concurrent citizens, each report
// with its own e-mail address, network address and idempotency key (retried with the same
// key when the connection fails, as the web form does), and the figures they print.
import crypto from 'node:crypto';
import { fixture, multipart, pothole, potholeFields } from './demo.mjs';

/** `SEGNALA_LOAD=heavy` (scripts/stress) runs the suites at a larger scale. */
export const HEAVY = process.env.SEGNALA_LOAD === 'heavy';

export function figures(name) {
  const counts = { sent: 0, accepted: 0, replayed: 0, retried: 0, '4xx': 0, '5xx': 0, network: 0 };
  return {
    counts,
    note(status) {
      counts.sent += 1;
      if (status === 'network') counts.network += 1;
      else if (status === 200 || status === 201) counts.accepted += 1;
      else if (status >= 500) counts['5xx'] += 1;
      else if (status >= 400) counts['4xx'] += 1;
    },
    print(extra = {}) {
      const all = { ...counts, ...extra };
      console.log(`${name}: ${Object.entries(all).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    },
  };
}

/** Runs `work(i)` for i in 0..count with at most `concurrency` at once. */
export async function pool(count, concurrency, work) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** The i-th citizen's report: JSON, or multipart with a photo every `photoEvery`. */
export function citizenReport(i, { photoEvery = 4, run = crypto.randomUUID().slice(0, 8) } = {}) {
  const email = `cittadino.${run}.${i}@example.it`;
  const headers = {
    'Idempotency-Key': `load-${run}-${i}`,
    'CF-Connecting-IP': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    Accept: 'application/json',
  };
  const description = `Buca numero ${i} del giro ${run}, profonda e pericolosa`;
  if (photoEvery && i % photoEvery === 0) {
    const body = () => multipart(potholeFields({ email, description }), [['buca.jpg', fixture('plain.jpg'), 'image/jpeg']]);
    return { email, photo: true, headers, body };
  }
  const json = JSON.stringify(pothole({ reporter: { name: `Cittadino ${i}`, email }, description }));
  return { email, photo: false, headers: { ...headers, 'Content-Type': 'application/json' }, body: () => json };
}

/** Posts a report, retrying (same key) after a failed connection up to `tries` times. */
export async function submit(url, report, stats, { tries = 3, timeoutMs = 30_000 } = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${url}/api/v1/reports`, {
        method: 'POST', headers: report.headers, body: report.body(), signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      stats?.note(response.status);
      if (response.status === 200) stats && (stats.counts.replayed += 1);
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: response.status, json, text };
    } catch (error) {
      stats?.note('network');
      if (attempt >= tries) return { status: 'network', error: String(error) };
      stats && (stats.counts.retried += 1);
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/** Whether the numbers 1..n of a year all appear exactly once. */
export function gapFree(numbers) {
  const sequences = numbers.map((n) => Number(n.split('-')[1])).sort((a, b) => a - b);
  return sequences.every((s, i) => s === i + 1);
}

/** Waits, bounded, until `check()` is true, calling `poke()` between tries. */
export async function eventually(check, { timeoutMs = 60_000, every = 500, poke } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    if (poke) await poke().catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
