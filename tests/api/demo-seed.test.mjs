// The local stack's demo data: scripts/seed-demo.mjs files every demo report through the
// public API, writes their tracking links, and does nothing more when run again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, startWorker } from '../support/worker.mjs';

const run = promisify(execFile);
const SEED = path.join(ROOT, 'scripts/seed-demo.mjs');
const DEMO_REPORTS = JSON.parse(fs.readFileSync(path.join(ROOT, 'config/demo-reports.json'), 'utf8'));

describe('demo seed of the local stack', () => {
  let worker;
  before(async () => { worker = await startWorker(); });
  after(async () => { await worker?.stop(); });

  test('files every demo report and lists their tracking links', async () => {
    await run(process.execPath, [SEED, worker.url, worker.stateDir], { timeout: 60_000 });
    const lines = fs.readFileSync(path.join(worker.stateDir, '.demo-seeded'), 'utf8').trim().split('\n').slice(1);
    assert.equal(lines.length, DEMO_REPORTS.length);
    for (const line of lines) {
      const [number, link] = line.split(' ');
      assert.match(number, /^\d{4}-\d{6}$/);
      const token = new URL(link).pathname.split('/').pop();
      const view = await fetch(`${worker.url}/api/v1/reports/${token}`);
      assert.equal(view.status, 200, link);
      assert.equal((await view.json()).public_number, number);
    }
  });

  test('with the setup token, creates demo staff who can sign in, once', async () => {
    await run(process.execPath, [SEED, worker.url, worker.stateDir, worker.setupToken], { timeout: 120_000 });
    const staffFile = path.join(worker.stateDir, 'demo-staff.json');
    const { complete, accounts } = JSON.parse(fs.readFileSync(staffFile, 'utf8'));
    assert.equal(complete, true);
    assert.deepEqual(accounts.map((a) => a.role), ['administrator', 'referent', 'operator']);
    assert.equal(fs.statSync(staffFile).mode & 0o077, 0, 'passwords readable by their owner only');
    for (const account of accounts) {
      const response = await fetch(`${worker.url}/api/v1/staff/session`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: account.email, password: account.password }),
      });
      assert.equal(response.status, 200, account.email);
    }
    // Interrupted after writing the passwords: a rerun completes without duplicates.
    fs.writeFileSync(staffFile, JSON.stringify({ complete: false, accounts }));
    await run(process.execPath, [SEED, worker.url, worker.stateDir, worker.setupToken], { timeout: 120_000 });
    assert.equal(JSON.parse(fs.readFileSync(staffFile, 'utf8')).complete, true);
  });

  test('a second run, or one after an interruption, files nothing twice', async () => {
    const markerPath = path.join(worker.stateDir, '.demo-seeded');
    const first = fs.readFileSync(markerPath, 'utf8').trim().split('\n').slice(1);
    await run(process.execPath, [SEED, worker.url, worker.stateDir], { timeout: 60_000 });
    assert.deepEqual(fs.readFileSync(markerPath, 'utf8').trim().split('\n').slice(1), first, 'marker present: nothing done');
    fs.rmSync(markerPath); // as if the seed had stopped before writing it
    await run(process.execPath, [SEED, worker.url, worker.stateDir], { timeout: 60_000 });
    assert.deepEqual(fs.readFileSync(markerPath, 'utf8').trim().split('\n').slice(1), first, 'the same reports, not new ones');
  });
});
