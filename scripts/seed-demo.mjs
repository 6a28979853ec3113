// Seeds a local stack's demo comune, once per state folder, through its public and staff
// APIs: with a setup token, demo staff accounts (an administrator, and a referent and an
// operator of the roads office) with random passwords written to STATE_DIR/demo-staff.json,
// and a made-up year of past reports worked by the offices (`segnala demo-history`,
// imported like any export), so the dashboard shows a working service; then the demo
// reports of config/demo-reports.json, filed today.
// Usage: node scripts/seed-demo.mjs URL STATE_DIR [SETUP_TOKEN]
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { importLines } from './json-lines.mjs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const [url, stateDir, setupToken] = process.argv.slice(2);
const marker = path.join(stateDir, '.demo-seeded');
const staffFile = path.join(stateDir, 'demo-staff.json');
const historyFile = path.join(stateDir, '.demo-history');
const staffDone = () => !setupToken || (fs.existsSync(staffFile) && JSON.parse(fs.readFileSync(staffFile, 'utf8')).complete);
const historyDone = () => !setupToken || fs.existsSync(marker)
  || (fs.existsSync(historyFile) && JSON.parse(fs.readFileSync(historyFile, 'utf8')).complete);
if (fs.existsSync(marker) && staffDone()) process.exit(0);

const deadline = Date.now() + 120_000;
for (;;) {
  try {
    if ((await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2000) })).ok) break;
  } catch { /* not up yet */ }
  if (Date.now() > deadline) {
    console.error(`seed: ${url} did not answer within 120 s; demo reports not filed`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}

async function post(route, body, headers = {}) {
  const response = await fetch(`${url}${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

// Passwords are written before the accounts exist, so an interrupted seed can finish later.
async function seedStaff() {
  const accounts = fs.existsSync(staffFile)
    ? JSON.parse(fs.readFileSync(staffFile, 'utf8')).accounts
    : [
      { email: 'admin@comune.example.it', name: 'Amministratrice Demo', role: 'administrator' },
      { email: 'referente.strade@comune.example.it', name: 'Referente Strade Demo', role: 'referent', office: 'strade-mobilita' },
      { email: 'operatore.strade@comune.example.it', name: 'Operatore Strade Demo', role: 'operator', office: 'strade-mobilita' },
    ].map((account) => ({ ...account, password: crypto.randomBytes(18).toString('base64url') }));
  fs.writeFileSync(staffFile, JSON.stringify({ complete: false, accounts }, null, 2), { mode: 0o600 });
  const [admin, ...others] = accounts;
  const setup = await post('/api/v1/staff/setup', { setup_token: setupToken, email: admin.email, name: admin.name, password: admin.password });
  if (setup.status !== 201 && setup.body.error !== 'already_set_up') {
    throw new Error(`setup refused (${setup.status}): ${JSON.stringify(setup.body)}`);
  }
  const login = await post('/api/v1/staff/session', { email: admin.email, password: admin.password });
  if (login.status !== 200) throw new Error(`demo administrator cannot sign in (${login.status}); run scripts/dev --reset`);
  const session = { Cookie: login.headers.get('set-cookie').split(';')[0], 'X-CSRF-Token': login.body.csrf_token };
  for (const account of others) {
    const created = await post('/api/v1/staff/users', account, session);
    const taken = created.status === 422 && created.body.fields?.some((f) => f.code === 'email_taken');
    if (created.status !== 201 && !taken) throw new Error(`staff account refused (${created.status}): ${JSON.stringify(created.body)}`);
  }
  fs.writeFileSync(staffFile, JSON.stringify({ complete: true, accounts }, null, 2), { mode: 0o600 });
  console.log(`seed: demo staff accounts ready; e-mails and passwords in ${staffFile}`);
}

async function adminSession() {
  const [admin] = JSON.parse(fs.readFileSync(staffFile, 'utf8')).accounts;
  const login = await post('/api/v1/staff/session', { email: admin.email, password: admin.password });
  if (login.status !== 200) throw new Error(`demo administrator cannot sign in (${login.status})`);
  return { Cookie: login.headers.get('set-cookie').split(';')[0], 'X-CSRF-Token': login.body.csrf_token };
}

// A year up to yesterday (in Italy), made up with a seed kept in the state folder, so an
// interrupted import resumes with the same tickets; batches already written are skipped.
async function seedHistory() {
  const session = await adminSession();
  const users = await (await fetch(`${url}/api/v1/staff/users`, { headers: session })).json();
  const id = (email) => users.find((u) => u.email === email)?.id;
  const plan = fs.existsSync(historyFile) ? JSON.parse(fs.readFileSync(historyFile, 'utf8')) : {
    seed: crypto.randomBytes(6).readUIntBE(0, 6),
    until: new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date(Date.now() - 86_400_000)),
    complete: false,
  };
  fs.writeFileSync(historyFile, JSON.stringify(plan));
  // The lines are kept too: a resumed import sends the very same tickets, whatever changed
  // in the generator or its texts since.
  const linesFile = path.join(stateDir, 'demo-history.jsonl');
  if (!fs.existsSync(linesFile)) {
    const made = await makeHistory(plan, id);
    fs.writeFileSync(`${linesFile}.part`, made, { mode: 0o600 });
    fs.renameSync(`${linesFile}.part`, linesFile);
  }
  const lines = fs.readFileSync(linesFile, 'utf8').split('\n').filter(Boolean);
  const { imported } = await importLines(url, session, lines);
  fs.writeFileSync(historyFile, JSON.stringify({ ...plan, complete: true, tickets: lines.length }));
  console.log(`seed: imported a year of demo history up to ${plan.until}: ${imported} reports`);
}


async function makeHistory(plan, id) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const config = process.env.SEGNALA_CONFIG ?? path.join(root, 'config/demo-bergamo.json');
  const { stdout } = await promisify(execFile)('cargo', [
    'run', '-q', '--locked', '-p', 'segnala-cli', '--', 'demo-history', config,
    path.join(root, 'config/demo-history.json'), '--until', plan.until, '--seed', String(plan.seed),
    '--staff', `strade-mobilita=${id('operatore.strade@comune.example.it')}`, '--fallback-staff', id('admin@comune.example.it'),
  ], { cwd: root, maxBuffer: 256 * 1024 * 1024, timeout: 300_000 });
  return stdout;
}

if (!staffDone()) {
  try {
    await seedStaff();
  } catch (error) {
    console.error(`seed: ${error.message}`);
    process.exit(1);
  }
}
if (!historyDone()) {
  try {
    await seedHistory();
  } catch (error) {
    console.error(`seed: ${error.message}`);
    process.exit(1);
  }
}
if (fs.existsSync(marker)) process.exit(0);

const reports = JSON.parse(fs.readFileSync(new URL('../config/demo-reports.json', import.meta.url), 'utf8'));
const numbers = [];
for (const [index, report] of reports.entries()) {
  // A seed interrupted half-way and run again files each demo report once.
  const response = await fetch(`${url}/api/v1/reports`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `demo-seed-${index + 1}` },
    body: JSON.stringify(report),
  });
  const body = await response.json();
  if (response.status !== 201 && response.status !== 200) {
    console.error(`seed: report refused (${response.status}): ${JSON.stringify(body)}`);
    process.exit(1);
  }
  numbers.push(`${body.public_number} ${body.tracking_url}`);
}
fs.writeFileSync(marker, `${new Date().toISOString()}\n${numbers.join('\n')}\n`);
console.log(`seed: filed ${reports.length} demo reports; tracking links in ${marker}`);
