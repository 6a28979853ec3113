// `wrangler deploy --dry-run` against the real wrangler.toml and the built Worker (run
// scripts/build first; scripts/test does): what `npx wrangler deploy` would upload, checked
// without a Cloudflare account or network. Credentials are removed from the environment and
// wrangler's configuration folder is a fresh one, so a cached `wrangler login` is never used.
// Each run is bounded and its whole process group is killed on a timeout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/worker.mjs';

const WRANGLER = path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
const BUILT_WORKER = path.join(ROOT, 'functions/worker/build/index.js');
const BUILT_WASM = path.join(ROOT, 'functions/worker/build/index_bg.wasm');
const RUN_TIMEOUT_MS = 120_000;

function tempDir(label) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `segnala-${label}-`));
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function requireBuild() {
  for (const file of [BUILT_WORKER, BUILT_WASM]) {
    assert.ok(fs.existsSync(file), `${path.relative(ROOT, file)} is missing: run scripts/build first`);
  }
}

/**
 * Runs `wrangler deploy --dry-run --outdir OUTDIR [--config CONFIG]` from the repository root.
 * @returns {Promise<{ code: number | null, signal: string | null, output: string }>}
 */
function dryRun({ outdir, config, home }) {
  const env = { ...process.env };
  for (const name of ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_API_KEY', 'CLOUDFLARE_EMAIL', 'CLOUDFLARE_ACCOUNT_ID',
    'CF_API_TOKEN', 'CF_ACCOUNT_ID']) delete env[name];
  Object.assign(env, {
    WRANGLER_SEND_METRICS: 'false',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    CI: '1', // never prompt
    XDG_CONFIG_HOME: home, // no cached OAuth login; wrangler's logs stay in the temp folder
    WRANGLER_LOG_PATH: path.join(home, 'logs'),
  });
  const args = [WRANGLER, 'deploy', '--dry-run', '--outdir', outdir, ...(config ? ['--config', config] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      detached: true, // own process group, so a timeout ends esbuild and every helper too
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    const timer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      reject(new Error(`wrangler deploy --dry-run did not finish within ${RUN_TIMEOUT_MS} ms:\n${output}`));
    }, RUN_TIMEOUT_MS);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // eslint-disable-next-line no-control-regex
      resolve({ code, signal, output: output.replace(/\x1b\[[0-9;]*m/g, '') });
    });
  });
}

/** The real wrangler.toml, with its two paths (relative to the file) made absolute. */
function relocatedConfig() {
  const text = fs.readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8');
  const relocated = text
    .replace(/^main = "(.+)"$/m, (_, main) => `main = ${JSON.stringify(path.join(ROOT, main))}`)
    .replace(/^directory = "(.+)"$/m, (_, dir) => `directory = ${JSON.stringify(path.join(ROOT, dir))}`);
  assert.ok(relocated.includes(`main = ${JSON.stringify(BUILT_WORKER)}`), 'wrangler.toml names the built Worker as main');
  return relocated;
}

describe('deploying the real configuration (dry run)', () => {
  let work;
  let outdir;
  let run;
  let wasmHash;
  before(async () => {
    requireBuild();
    work = tempDir('dry-run');
    outdir = path.join(work, 'out');
    wasmHash = sha256(BUILT_WASM);
    run = await dryRun({ outdir, home: path.join(work, 'home') });
  });
  after(() => { if (work) fs.rmSync(work, { recursive: true, force: true }); });

  test('wrangler checks the whole deployment without a Cloudflare login and exits 0', () => {
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /--dry-run: exiting now\./, run.output);
    assert.doesNotMatch(run.output, /\[ERROR\]|not logged in/i, run.output);
  });

  test('the output lists the Durable Object, KV, both R2 buckets, the queue and the assets as bindings', () => {
    const bindings = [
      /env\.COMUNE_STORE \(ComuneStore\)\s+Durable Object/,
      /env\.KV \([0-9a-f]{32}\)\s+KV Namespace/,
      /env\.PHOTOS \(segnala-photos\)\s+R2 Bucket/,
      /env\.OPEN_DATA \(segnala-open-data\)\s+R2 Bucket/,
      /env\.OUTBOX \(segnala-outbox\)\s+Queue/,
      /env\.ASSETS\s+Assets/,
    ];
    for (const binding of bindings) assert.match(run.output, binding);
    assert.match(run.output, /Read \d+ files from the assets directory/);
  });

  test('the output folder holds the bundled Worker, exporting ComuneStore, and the built wasm module', () => {
    const bundle = path.join(outdir, 'index.js');
    assert.ok(fs.existsSync(bundle), `no index.js in ${fs.readdirSync(outdir)}`);
    const code = fs.readFileSync(bundle, 'utf8');
    assert.match(code, /export\s*\{[^}]*\bComuneStore\b/, 'the Durable Object class is exported');
    const imported = code.match(/from\s*"\.\/([^"]+\.wasm)"/);
    assert.ok(imported, 'the bundle imports a wasm module');
    const wasm = path.join(outdir, imported[1]);
    assert.ok(fs.existsSync(wasm), `${imported[1]} is not in the output folder`);
    assert.deepEqual([...fs.readFileSync(wasm).subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'a WebAssembly module');
    assert.equal(sha256(wasm), wasmHash, 'the wasm module is the one scripts/build made');
  });
});

describe('a broken configuration (dry run)', () => {
  let work;
  before(() => {
    requireBuild();
    work = tempDir('dry-run-broken');
  });
  after(() => { if (work) fs.rmSync(work, { recursive: true, force: true }); });

  test('a copy of wrangler.toml in another folder passes, and the same copy with a duplicate binding name fails', async () => {
    const good = path.join(work, 'good.toml');
    fs.writeFileSync(good, relocatedConfig());
    const passed = await dryRun({ outdir: path.join(work, 'out-good'), config: good, home: path.join(work, 'home') });
    assert.equal(passed.code, 0, passed.output);

    // A second R2 binding called PHOTOS: wrangler refuses bindings that share a name.
    const broken = path.join(work, 'broken.toml');
    fs.writeFileSync(broken, `${relocatedConfig()}\n[[r2_buckets]]\nbinding = "PHOTOS"\nbucket_name = "segnala-photos-copy"\n`);
    const failed = await dryRun({ outdir: path.join(work, 'out-broken'), config: broken, home: path.join(work, 'home') });
    assert.notEqual(failed.code, 0, failed.output);
    assert.match(failed.output, /PHOTOS assigned to multiple R2 Bucket bindings/);
    assert.ok(!fs.existsSync(path.join(work, 'out-broken', 'index.js')), 'nothing is bundled for a refused configuration');
  });
});
