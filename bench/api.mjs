// API latency and throughput against the local Worker, each figure divided by the same
// load on the baseline Worker (functions/bench-baseline) measured in the same run.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../tests/support/worker.mjs';
import { multipart, pothole, potholeFields } from '../tests/support/demo.mjs';
import { setupAdministrator, signIn } from '../tests/support/staff.mjs';
import { launchBrowser } from '../tests/support/browser.mjs';
import { importLines } from '../scripts/json-lines.mjs';

export const BASELINES = {
  scaling: 'the same figure with the smallest store of the run',
  api: 'the very same requests (method, headers, body), at the same concurrency, to a Rust Worker built the same way that answers every request with a fixed 15-byte JSON without reading it (functions/bench-baseline), in the same wrangler dev and workerd, measured just before',
};

const REQUEST_TIMEOUT_MS = 120_000;

/** Sends `work(i)` with `concurrency` in flight until `count` are done or `budgetMs` has
 * passed (never fewer than two rounds); latencies of answered requests in ms. */
async function drive(work, { concurrency, count, budgetMs }) {
  const latencies = [];
  const errors = {};
  let next = 0;
  const started = performance.now();
  const minimum = concurrency * 2;
  const more = () => next < count && (next < minimum || performance.now() - started < budgetMs);
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (more()) {
      const i = next++;
      const at = performance.now();
      try {
        const status = await work(i);
        if (status >= 200 && status < 400) latencies.push(performance.now() - at);
        else errors[status] = (errors[status] ?? 0) + 1;
      } catch (error) {
        errors[error.name ?? 'network'] = (errors[error.name ?? 'network'] ?? 0) + 1;
      }
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? NaN;
  return { requests: next, answered: latencies.length, errors, p50: at(0.5), p99: at(0.99), perSecond: latencies.length / seconds };
}

/** Reads the whole answer, as a client does, and gives its status. */
async function fetched(url, init = {}) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  await response.arrayBuffer();
  return response.status;
}

/** A photo of about 1 MB: camera-like noise encoded as JPEG by Chromium, made once. */
export async function megabytePhoto() {
  const file = path.join(ROOT, 'target/bench/photo-1mb.jpg');
  if (fs.existsSync(file)) return fs.readFileSync(file);
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const base64 = await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      [canvas.width, canvas.height] = [1600, 1200];
      const context = canvas.getContext('2d');
      const image = context.createImageData(canvas.width, canvas.height);
      // Smooth gradients with a little grain, so the size is what a phone photo weighs.
      for (let y = 0, i = 0; y < canvas.height; y++) {
        for (let x = 0; x < canvas.width; x++, i += 4) {
          const grain = Math.random() * 48;
          image.data[i] = (x / 7 + grain) % 256;
          image.data[i + 1] = (y / 5 + grain) % 256;
          image.data[i + 2] = ((x + y) / 9 + grain) % 256;
          image.data[i + 3] = 255;
        }
      }
      context.putImageData(image, 0, 0);
      let best;
      for (const quality of [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5]) {
        const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
        best = blob;
        if (blob.size <= 1_100_000) break;
      }
      const bytes = new Uint8Array(await best.arrayBuffer());
      let text = '';
      for (const byte of bytes) text += String.fromCharCode(byte);
      return btoa(text);
    });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(base64, 'base64'));
    return fs.readFileSync(file);
  } finally {
    await browser.close();
  }
}

/** Fills the store with exactly `count` worked tickets of the past year through the import
 * API, made up by `segnala demo-history` (as the demo's history is); returns how many. */
export async function seed(worker, admin, count) {
  const seedNumber = crypto.randomInt(1, 2 ** 40);
  const until = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date(Date.now() - 86_400_000));
  const generate = async (perMonth) => (await promisify(execFile)('cargo', [
    'run', '-q', '--locked', '-p', 'segnala-cli', '--', 'demo-history', path.join(ROOT, 'config/demo-bergamo.json'),
    path.join(ROOT, 'config/demo-history.json'), '--until', until, '--seed', String(seedNumber),
    '--per-month', String(perMonth), '--fallback-staff', admin.user.id,
  ], { cwd: ROOT, maxBuffer: 2 * 1024 * 1024 * 1024, timeout: 900_000 })).stdout.split('\n').filter(Boolean);
  // The generator follows the seasons and the current month is short: ask for more, then
  // keep the first `count` (lines are in filing order, so no duplicate loses its original).
  // Its count varies with the seed, so ask again, for more each time, until there are enough.
  let perMonth = Math.max(1, Math.ceil(count / 12));
  let lines = await generate(perMonth);
  for (let attempt = 0; lines.length < count && attempt < 4; attempt += 1) {
    perMonth = Math.ceil(perMonth * (count / Math.max(1, lines.length)) * 1.1);
    lines = await generate(perMonth);
  }
  if (lines.length < count) throw new Error(`demo-history made ${lines.length} tickets, ${count} were asked for`);
  lines = lines.slice(0, count);
  const { imported } = await importLines(worker.url, { Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf }, lines, { timeoutMs: REQUEST_TIMEOUT_MS });
  return imported;
}

/** The administrator of a fresh Worker, signed in. */
export async function administrator(worker) {
  await setupAdministrator(worker);
  return signIn(worker, 'admin@comune.example.it');
}

/** Each scenario: a name and its i-th request, as a path and fetch options, so the very
 * same request (method, headers, body) can go to Segnala and to the baseline. */
export function scenarios(admin, { photo, trackingPath, run = crypto.randomUUID().slice(0, 8) }) {
  // Every report comes from its own citizen (address and e-mail), as the rate limits expect.
  const citizen = (i) => ({
    email: `bench.${run}.${i}@example.it`,
    headers: { 'CF-Connecting-IP': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, Accept: 'application/json' },
  });
  const staff = { Cookie: admin.cookie };
  return [
    ['submit a report (JSON)', (i) => {
      const { email, headers } = citizen(2 * i);
      return ['/api/v1/reports', {
        method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify(pothole({ reporter: { name: 'Cittadina Bench', email } })),
      }];
    }],
    ['submit a report with a 1 MB photo', (i) => {
      const { email, headers } = citizen(2 * i + 1);
      return ['/api/v1/reports', {
        method: 'POST', headers, body: multipart(potholeFields({ email }), [['foto.jpg', photo, 'image/jpeg']]),
      }];
    }],
    ['read a tracking page', () => [trackingPath, {}]],
    ['staff inbox query', () => ['/api/v1/staff/tickets', { headers: staff }]],
    ['open-data statistics', () => ['/api/v1/open-data/statistics.json', {}]],
    // Statistics are cached until the data changes; a new period each time shows what the
    // first reader after a change waits for.
    ['open-data statistics, uncached', (i) => {
      const from = new Date(Date.UTC(2025, 0, 1) + (i % 360) * 86_400_000).toISOString().slice(0, 10);
      return [`/api/v1/open-data/statistics.json?from=${from}`, {}];
    }],
    ['full CSV export (open data)', () => ['/api/v1/open-data/reports.csv', {}]],
  ];
}

/** One scenario at each concurrency, each level sent first to the baseline Worker and
 * then to Segnala, so that both see the same machine; rows of figures and ratios. */
export async function measure(name, request, { worker, baselineWorker, levels, count, budgetMs, tickets }) {
  const rows = [];
  // Numbered on across levels, so no level repeats another's citizens or filters.
  let sent = 0;
  const to = (target) => (i) => {
    const [route, init] = request(sent + i);
    return fetched(`${target.url}${route}`, init);
  };
  for (const concurrency of levels) {
    // More requests for the baseline: it is fast, and its p99 needs them.
    const base = await drive(to(baselineWorker), { concurrency, count: count * 2, budgetMs });
    const own = await drive(to(worker), { concurrency, count, budgetMs });
    sent += own.requests;
    const subject = `${name} · ${tickets.toLocaleString('en')} tickets · ${concurrency} at once`;
    const common = { group: 'api', scenario: name, tickets, concurrency, subject, samples: own.answered, ...(own.requests !== own.answered ? { errors: own.errors } : {}) };
    rows.push(
      { ...common, measure: 'p50', unit: 'ms', value: own.p50, baseline: base.p50, ratio: own.p50 / base.p50 },
      { ...common, measure: 'p99', unit: 'ms', value: own.p99, baseline: base.p99, ratio: own.p99 / base.p99 },
      { ...common, measure: 'throughput', unit: 'req/s', value: own.perSecond, baseline: base.perSecond, ratio: own.perSecond / base.perSecond },
    );
  }
  return rows;
}

/** How each scenario's cost grows with the store: its p50 one at a time, and its throughput
 * at the highest concurrency, in each store against the smallest one. */
export function scaling(rows) {
  const api = rows.filter((r) => r.group === 'api');
  const sizes = [...new Set(api.map((r) => r.tickets))].sort((a, b) => a - b);
  if (sizes.length < 2) return [];
  const top = Math.max(...api.map((r) => r.concurrency));
  const out = [];
  for (const scenario of [...new Set(api.map((r) => r.scenario))]) {
    for (const [measure, concurrency, label] of [['p50', 1, 'p50, 1 at once'], ['throughput', top, `throughput, ${top} at once`]]) {
      const at = (tickets) => api.find((r) => r.scenario === scenario && r.tickets === tickets && r.concurrency === concurrency && r.measure === measure);
      const smallest = at(sizes[0]);
      for (const tickets of sizes.slice(1)) {
        const row = at(tickets);
        if (!row || !smallest) continue;
        out.push({
          group: 'scaling', subject: `${scenario} · ${tickets.toLocaleString('en')} tickets`, measure: label, unit: row.unit,
          value: row.value, baseline: smallest.value, ratio: row.value / smallest.value,
        });
      }
    }
  }
  return out;
}
