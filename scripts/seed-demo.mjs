// Files the demo reports (config/demo-reports.json) through the public API of a running
// local stack, once per state folder. Usage: node scripts/seed-demo.mjs URL STATE_DIR
import fs from 'node:fs';
import path from 'node:path';

const [url, stateDir] = process.argv.slice(2);
const marker = path.join(stateDir, '.demo-seeded');
if (fs.existsSync(marker)) process.exit(0);

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
