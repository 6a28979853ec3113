// The benchmarks (scripts/bench): every figure next to a baseline measured in the same run,
// printed as a table and written as JSON. Build first (scripts/bench does).
// Usage: node bench/run.mjs [--quick] [--sizes 1000,10000,100000] [--only size,api,site,path] [--out FILE]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, startWorker } from '../tests/support/worker.mjs';
import { pothole, postJson } from '../tests/support/demo.mjs';
import { startTileServer } from '../tests/support/tiles.mjs';
import * as api from './api.mjs';
import * as size from './size.mjs';
import { table } from './table.mjs';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    only: { type: 'string', default: 'size,api,site,path' },
    out: { type: 'string', default: path.join(ROOT, 'target/bench/results.json') },
  },
});
const quick = options.quick;
const sizes = (options.sizes ?? (quick ? '1000' : '1000,10000,100000')).split(',').map(Number);
const only = new Set(options.only.split(','));
const load = quick
  ? { levels: [1, 4], count: 24, budgetMs: 4_000 }
  : { levels: [1, 4, 16], count: 80, budgetMs: 10_000 };

const rows = [];
const baselines = {};
const started = Date.now();
const log = (message) => console.error(`bench: ${message} (${Math.round((Date.now() - started) / 1000)} s)`);

if (only.has('size')) {
  log('Worker size and start-up');
  rows.push(...await size.measureSize({ quick }));
  Object.assign(baselines, size.BASELINES);
}

if (only.has('api')) {
  const photo = await api.megabytePhoto();
  const baselineWorker = await startWorker({ config: path.join(ROOT, 'bench/baseline.wrangler.toml') });
  try {
    for (const tickets of sizes) {
      const worker = await startWorker();
      try {
        const admin = await api.administrator(worker);
        log(`seeding ${tickets.toLocaleString('en')} tickets`);
        const seeding = Date.now();
        const stored = await api.seed(worker, admin, tickets);
        const seconds = (Date.now() - seeding) / 1000;
        log(`seeded ${stored} tickets in ${seconds} s`);
        rows.push({ group: 'seed', subject: `import of ${stored.toLocaleString('en')} worked tickets`, measure: 'tickets per second', unit: '/s', value: stored / seconds });
        const filed = await postJson(`${worker.url}/api/v1/reports`, pothole(), { 'CF-Connecting-IP': '10.255.255.1' });
        if (filed.status !== 201) throw new Error(`report refused: ${filed.status} ${filed.text}`);
        const trackingPath = new URL(filed.json.tracking_url).pathname;
        for (const [name, request] of api.scenarios(admin, { photo, trackingPath })) {
          log(`${name} at ${stored} tickets`);
          rows.push(...await api.measure(name, request, { worker, baselineWorker, ...load, tickets: stored }));
        }
      } finally {
        await worker.stop();
        fs.rmSync(worker.stateDir, { recursive: true, force: true });
      }
    }
  } finally {
    await baselineWorker.stop();
    fs.rmSync(baselineWorker.stateDir, { recursive: true, force: true });
  }
  rows.push(...api.scaling(rows));
  Object.assign(baselines, api.BASELINES);
}

if (only.has('site') || only.has('path')) {
  // Loaded only when asked: they bring Chromium and Lighthouse along.
  const site = await import('./site.mjs');
  const citizenPath = await import('./citizen-path.mjs');
  const tiles = await startTileServer();
  const worker = await startWorker({ vars: { TILE_URL: tiles.url } });
  try {
    if (only.has('site')) {
      log('site: page weight and Lighthouse');
      rows.push(...await site.measureSite(worker, { quick }));
      Object.assign(baselines, site.BASELINES);
    }
    if (only.has('path')) {
      log("a citizen's path");
      rows.push(...await citizenPath.measureCitizenPath(worker, { quick }));
      Object.assign(baselines, citizenPath.BASELINES);
    }
  } finally {
    await worker.stop();
    await tiles.stop();
    fs.rmSync(worker.stateDir, { recursive: true, force: true });
  }
}

const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  quick,
  seconds: Math.round((Date.now() - started) / 1000),
  baselines,
  rows,
};
fs.mkdirSync(path.dirname(options.out), { recursive: true });
fs.writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
console.log(table(rows, baselines));
console.log(`\n${rows.length} figures in ${result.seconds} s; written to ${path.relative(process.cwd(), options.out) || options.out}`);
