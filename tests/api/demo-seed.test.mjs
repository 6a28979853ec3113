// The local stack's demo data: scripts/seed-demo.mjs files every demo report through the
// public API, writes their tracking links, and does nothing more when run again; with the
// setup token it also makes demo staff and imports a year of worked reports.
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

  test('on a fresh stack with the setup token, a worked year comes before today\'s reports', async () => {
    const fresh = await startWorker();
    try {
      await run(process.execPath, [SEED, fresh.url, fresh.stateDir, fresh.setupToken], { timeout: 300_000 });
      const plan = JSON.parse(fs.readFileSync(path.join(fresh.stateDir, '.demo-history'), 'utf8'));
      assert.equal(plan.complete, true);
      assert.ok(plan.tickets > 1000, `${plan.tickets} reports in a year`);

      const stats = await (await fetch(`${fresh.url}/api/v1/open-data/statistics.json`)).json();
      assert.equal(stats.totals.reports, plan.tickets + DEMO_REPORTS.length, JSON.stringify(stats.totals));
      const filedMonths = stats.by_month.filter((m) => m.received > 0);
      assert.ok(filedMonths.length >= 12, `${filedMonths.length} months with reports`);
      assert.ok(stats.totals.resolved > plan.tickets / 2, JSON.stringify(stats.totals));
      assert.ok(stats.performance.take_in_charge.median_hours > 0, JSON.stringify(stats.performance));

      // Today's demo reports are numbered after the year's; nobody was e-mailed for the year.
      const lines = fs.readFileSync(path.join(fresh.stateDir, '.demo-seeded'), 'utf8').trim().split('\n').slice(1);
      const year = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome', year: 'numeric' }).format(new Date());
      const history = fs.readFileSync(path.join(fresh.stateDir, 'demo-history.jsonl'), 'utf8').trim().split('\n')
        .map((line) => JSON.parse(line).number).filter((n) => n.startsWith(year));
      const highest = Math.max(0, ...history.map((n) => Number(n.split('-')[1])));
      const sequences = lines.map((line) => Number(line.split(' ')[0].split('-')[1]));
      assert.deepEqual(sequences, sequences.map((_, i) => highest + i + 1), `today's numbers continue the year's (${highest})`);
      const told = fresh.mail.messages().filter((m) => m.to.some((to) => to.startsWith('cittadino.')));
      assert.deepEqual(told, [], 'the made-up citizens are told nothing');

      // Run again: nothing is imported or filed twice.
      await run(process.execPath, [SEED, fresh.url, fresh.stateDir, fresh.setupToken], { timeout: 120_000 });
      const again = await (await fetch(`${fresh.url}/api/v1/open-data/statistics.json`)).json();
      assert.equal(again.totals.reports, stats.totals.reports);
    } finally {
      await fresh.stop();
    }
  });
});
