// Starts the real Worker under `wrangler dev` (workerd) on free loopback ports, with its
// Durable Object, KV, R2 and Queue state in a folder of its own and its own local mail
// sink (the demo comune sends through the Resend API); waits, bounded, until the API
// answers; stops the whole process group and the sink. Build first: scripts/build.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.mjs';
import crypto from 'node:crypto';
import { startMailSink } from '../../scripts/mail-sink.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WRANGLER = path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;

// A test's Workers can restart on their folder until the test process ends, so the
// folders made here are removed then, not when a Worker stops.
const madeStateDirs = new Set();
process.on('exit', () => {
  for (const dir of madeStateDirs) {
    try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* best effort at exit */ }
  }
});

export function freshStateDir(label = 'worker') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `segnala-${label}-`));
  madeStateDirs.add(dir);
  return dir;
}

/**
 * @param {{ stateDir?: string, vars?: Record<string,string> | ((at: { url: string, port: number }) => Record<string,string>),
 *   mail?: Awaited<ReturnType<typeof startMailSink>>, config?: string }} options
 *   `vars`: Worker variables, or a function of the Worker's address giving them;
 *   `mail`: a sink to keep across restarts (else a fresh one, closed by stop());
 *   `config`: another wrangler configuration (the benchmarks' baseline Worker).
 * @returns {Promise<{ url: string, stateDir: string, setupToken: string, mail: Awaited<ReturnType<typeof startMailSink>>,
 *   scheduled: () => Promise<void>, logs: () => string, stop: () => Promise<void>, kill: () => Promise<void> }>}
 */
export async function startWorker(options = {}) {
  const stateDir = options.stateDir ?? freshStateDir();
  const port = await freePort();
  const inspectorPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // A fresh one-time setup token per Worker, as an operator would set the secret.
  const setupToken = `setup-${crypto.randomUUID()}`;
  const ownSink = !options.mail;
  const mail = options.mail ?? await startMailSink();
  const vars = {
    PUBLIC_URL: url, SETUP_TOKEN: setupToken,
    // Failed e-mails are retried after 1 s, 2 s, 4 s... instead of minutes.
    MAIL_API_URL: mail.url, MAIL_API_KEY: mail.key, MAIL_RETRY_SECONDS: '1',
    ...(typeof options.vars === 'function' ? options.vars({ url, port }) : options.vars ?? {}),
  };
  const args = [
    WRANGLER, 'dev',
    ...(options.config ? ['--config', options.config] : []),
    '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(inspectorPort),
    '--persist-to', stateDir,
    '--show-interactive-dev-session=false',
    '--log-level', 'info',
    '--test-scheduled', // GET /__scheduled runs the cron sweep
    ...Object.entries(vars).flatMap(([key, value]) => ['--var', `${key}:${value}`]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true, // own process group, so stop() also ends workerd
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  let exited = false;
  const exit = new Promise((resolve) => child.on('exit', () => { exited = true; resolve(); }));

  const stop = async () => {
    if (ownSink) await mail.close();
    if (exited) return;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    const timer = new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS));
    await Promise.race([exit, timer]);
    if (!exited) {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      await exit;
    }
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await stop(); // closes this Worker's own mail sink, which would keep the test alive
      // The port was free when asked for, but another process can take it before wrangler
      // binds it: try again on new ports.
      const attempt = options.attempt ?? 1;
      if (/Address already in use/.test(output) && attempt < 3) {
        return startWorker({ ...options, stateDir, attempt: attempt + 1 });
      }
      throw new Error(`wrangler dev exited before it was ready:\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev not ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    try {
      const response = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) break;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const scheduled = async () => {
    const response = await fetch(`${url}/__scheduled?cron=*/10+*+*+*+*`, { signal: AbortSignal.timeout(10_000) });
    if (response.status !== 200) throw new Error(`scheduled run answered ${response.status}`);
  };
  // The runtime dies at once, as on a crash: no chance to finish what it was doing.
  const kill = async () => {
    if (!exited) {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      await exit;
    }
    if (ownSink) await mail.close();
  };
  return { url, port, inspectorPort, stateDir, setupToken: vars.SETUP_TOKEN, mail, scheduled, logs: () => output, stop, kill };
}
