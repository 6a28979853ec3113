// A daily snapshot of several 5 MiB upload parts, written by the Worker as a multipart
// upload into the local R2, which checks what R2 checks (every part but the last of the
// same size, at least 5 MiB, the last no larger); the file must equal the live export byte
// for byte. Filing the 1,000 long reports takes most of this suite's half minute.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { pothole, postJson } from '../support/demo.mjs';
import { setupAdministrator, signIn } from '../support/staff.mjs';

const REPORTS = 1000;
const CONCURRENCY = 8;
const PART = 5 * 1024 * 1024;

describe('snapshot in several upload parts', () => {
  let worker, admin;
  before(async () => {
    // Descriptions of 4-byte characters make a report about 16 KB: 1,000 reports are some
    // 16 MB, in pages of 400 (6.4 MB, more than a part each), so parts are cut inside
    // pages and inside characters, and a file has four of them.
    worker = await startWorker({ vars: { OPEN_DATA_PAGE_SIZE: '400' } });
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    // Descriptions are published, so they are in the files.
    const current = (await admin.get('/api/v1/staff/configuration')).body;
    const config = structuredClone(current.config);
    config.open_data = { ...(config.open_data ?? {}), publish_descriptions: true };
    const saved = await admin.post('/api/v1/staff/configuration/versions', { config, note: 'descrizioni', based_on: current.version ?? 0 });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    let next = 0;
    const filer = async () => {
      while (next < REPORTS) {
        const n = next++;
        const description = `Segnalazione ${n}: ${'🕳'.repeat(3900)}`;
        const lat = 45.68 + (n % 40) * 0.0008, lon = 9.64 + Math.floor(n / 40) * 0.0012;
        // A thousand citizens, each from their own address: one would reach the rate limits.
        const response = await postJson(`${worker.url}/api/v1/reports`,
          pothole({ description, location: { lat, lon }, reporter: { name: 'Mario Rossi', email: `cittadino.${n}@example.it` } }),
          { 'CF-Connecting-IP': `10.0.${n >> 8}.${n & 255}` });
        assert.equal(response.status, 201, response.text);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, filer));
  });
  after(async () => { await worker?.stop(); });

  test('the snapshot equals the live export, written in several equal parts', async () => {
    const get = (path) => fetch(`${worker.url}/api/v1/open-data/${path}`);
    // The published descriptions must be in the configuration the Worker uses.
    for (let attempt = 0; attempt < 60; attempt += 1) {
      const page = await (await get('reports.json?limit=1')).json();
      if (page.reports[0].description) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const run = await fetch(`${worker.url}/__scheduled?cron=*/10+*+*+*+*`, { signal: AbortSignal.timeout(300_000) });
    assert.equal(run.status, 200);
    const { snapshots } = await (await get('snapshots.json')).json();
    assert.equal(snapshots.length, 1, worker.logs().slice(-2000));
    const csv = snapshots[0].files.find((f) => f.name === 'reports.csv');
    assert.equal(csv.reports, REPORTS);
    assert.ok(csv.bytes > 3 * PART, `${csv.bytes} bytes: fewer than four parts`);
    for (const name of ['reports.csv', 'reports.geojson']) {
      const download = await fetch(`${worker.url}${snapshots[0].files.find((f) => f.name === name).url}`);
      // R2 (and S3) tag a multipart object "<hash>-<number of parts>".
      const parts = Number(download.headers.get('etag').match(/-(\d+)"$/)?.[1] ?? 1);
      assert.ok(parts >= 3, `${name} was uploaded in ${parts} part(s)`);
      const file = Buffer.from(await download.arrayBuffer());
      const live = Buffer.from(await (await get(name)).arrayBuffer());
      assert.equal(file.length, live.length, name);
      assert.ok(file.equals(live), `${name} differs from the live export`);
    }
  });
});
