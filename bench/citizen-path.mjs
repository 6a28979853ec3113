// A citizen's path: a scripted Chromium (JavaScript on, fresh profile each run) files a
// report on the real form, from opening it to seeing the tracking page, counting the
// screens it passes through, the fields it fills or chooses and the seconds it takes.
// The baseline is the same script on the shortest possible form, measured in the same
// run: one plain HTML page with the same data (topic, place as address text, description,
// e-mail) whose submit shows a "received" page, served by a small local Node server.
// Needs the Worker started with TILE_URL pointing at the local tile server
// (tests/support/tiles.mjs): the form's map loads tiles even when the place is typed.
import { launchBrowser } from '../tests/support/browser.mjs';
import { demoConfig, pothole, postJson } from '../tests/support/demo.mjs';
import { startBaselineServer } from './site.mjs';

export const BASELINES = {
  'citizen path': 'the same browser script on a one-page plain HTML form with the same data '
    + '(topic, address, description, e-mail) whose submit shows a "received" page, '
    + 'served by a small local Node server in the same run',
};

const RUN_TIMEOUT_MS = 90_000;
const REPORT = {
  theme: 'Strade e viabilità',
  category: 'buche-stradali',
  address: 'Via Borgo Palazzo 12',
  description: 'Buca profonda sulla carreggiata davanti al civico 12',
  email: 'cittadina.benchmark@example.it',
};

const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

// The comune's topics grouped by theme in one list, as the real form shows them without JavaScript.
const TOPICS = demoConfig.themes.map((theme) => `<optgroup label="${escape(theme.name.it)}">${
  theme.categories.map((category) => `<option value="${escape(category.id)}">${escape(category.name.it)}</option>`).join('')
}</optgroup>`).join('\n');

const MINIMAL_FORM = `<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Segnala un problema</title></head>
<body>
<main>
<h1>Segnala un problema</h1>
<form method="post" action="/ricevuta">
  <p><label for="category">Argomento</label><br><select id="category" name="category" required><option value="">Scegli l'argomento</option>
${TOPICS}
  </select></p>
  <p><label for="address">Indirizzo o luogo di riferimento</label><br><input id="address" name="address" required maxlength="200"></p>
  <p><label for="description">Descrizione</label><br><textarea id="description" name="description" required minlength="10" rows="5"></textarea></p>
  <p><label for="email">Email</label><br><input id="email" name="email" type="email"></p>
  <p><button type="submit">Invia la segnalazione</button></p>
</form>
</main>
</body>
</html>
`;

async function received(request) {
  if (request.method !== 'POST') return { status: 405, type: 'text/plain', body: 'POST only' };
  let body = '';
  for await (const chunk of request) body += chunk;
  const fields = new URLSearchParams(body);
  // Checked like the real service would, so the script cannot "file" an empty form.
  const missing = ['category', 'address', 'description'].filter((name) => !fields.get(name)?.trim());
  if (missing.length) return { status: 400, body: `<!doctype html><title>Errore</title><p>Mancano: ${escape(missing.join(', '))}</p>` };
  return {
    body: `<!doctype html><html lang="it"><head><meta charset="utf-8"><title>Segnalazione ricevuta</title></head>
<body><main><h1>Segnalazione ricevuta</h1><p>Argomento: ${escape(fields.get('category'))}</p></main></body></html>`,
  };
}

/** Counts what the citizen goes through: a screen each time what they see changes
 * (another step of the form or another page), a field each time they fill or choose one. */
function counter(page) {
  let screens = 0, fields = 0, last = null;
  return {
    async screen() {
      const id = await page.evaluate(() => {
        const step = [...document.querySelectorAll('.report-step')].find((element) => !element.hidden);
        return `${location.pathname}#${step?.getAttribute('data-step') ?? ''}`;
      });
      if (id !== last) screens += 1;
      last = id;
    },
    async fill(locator, value) { fields += 1; await locator.fill(value); },
    async choose(locator, option) { fields += 1; await locator.selectOption(option); },
    async check(locator) { fields += 1; await locator.click(); },
    get screens() { return screens; },
    get fields() { return fields; },
  };
}

async function realForm(page, workerUrl, count) {
  const next = async (step) => {
    await page.getByRole('button', { name: 'Avanti' }).click();
    await page.locator(`.report-step[data-step="${step}"]`).waitFor({ state: 'visible' });
    await count.screen();
  };
  await page.goto(`${workerUrl}/segnala/`);
  await count.screen();
  await count.choose(page.getByLabel('Tema'), { label: REPORT.theme });
  await count.choose(page.getByLabel('Argomento'), REPORT.category);
  await next(2);
  await count.fill(page.getByLabel('Indirizzo o luogo di riferimento'), REPORT.address);
  await next(3);
  await count.fill(page.getByLabel('Descrizione'), REPORT.description);
  await next(4);
  await count.fill(page.getByLabel('Email'), REPORT.email);
  // bootstrap-italia draws its own box: people click the label.
  await count.check(page.locator('label[for="privacy_accepted"]'));
  await next(5);
  await page.getByRole('button', { name: 'Invia la segnalazione' }).click();
  await page.waitForURL(/\/segnalazione\/[a-z2-7]{26}\?new=1$/, { timeout: 30_000 });
  await page.getByRole('heading', { name: 'Segnalazione inviata' }).waitFor();
  await count.screen();
}

async function minimalForm(page, baselineUrl, count) {
  await page.goto(`${baselineUrl}/`);
  await count.screen();
  await count.choose(page.getByLabel('Argomento'), REPORT.category);
  await count.fill(page.getByLabel('Indirizzo o luogo di riferimento'), REPORT.address);
  await count.fill(page.getByLabel('Descrizione'), REPORT.description);
  await count.fill(page.getByLabel('Email'), REPORT.email);
  await page.getByRole('button', { name: 'Invia la segnalazione' }).click();
  await page.waitForURL(`${baselineUrl}/ricevuta`, { timeout: 30_000 });
  await page.getByRole('heading', { name: 'Segnalazione ricevuta' }).waitFor();
  await count.screen();
}

/** One filing in a fresh browser; the browser's start is not counted. */
async function run(path, url) {
  const browser = await launchBrowser();
  let timer;
  try {
    const page = await browser.context.newPage();
    const count = counter(page);
    const started = performance.now();
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`filing on ${url} took over ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS);
    });
    await Promise.race([path(page, url, count), timeout]);
    return { screens: count.screens, fields: count.fields, seconds: (performance.now() - started) / 1000 };
  } finally {
    clearTimeout(timer);
    await browser.close();
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * @param {{ url: string }} worker a Worker from tests/support/worker.mjs started with
 *   vars { TILE_URL: (await startTileServer()).url }
 * @param {{ quick?: boolean }} options quick: one filing on each form instead of three
 * @returns {Promise<Array<{ group: string, subject: string, measure: string, unit: string, value: number, baseline: number, ratio: number }>>}
 */
export async function measureCitizenPath(worker, { quick = false } = {}) {
  const config = await (await fetch(`${worker.url}/api/v1/config`, { signal: AbortSignal.timeout(10_000) })).json();
  if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(config.map?.tile_url ?? '')) {
    throw new Error(`the Worker's map tiles come from ${config.map?.tile_url}: start it with TILE_URL set to the local tile server`);
  }
  // A first report through the API wakes the ticket store (its first request applies the
  // migrations), which is the server's start, not the citizen's path.
  const warm = await postJson(`${worker.url}/api/v1/reports`, pothole());
  if (warm.status !== 201) throw new Error(`warming up the ticket store answered ${warm.status}: ${warm.text}`);
  const server = await startBaselineServer({ '/': MINIMAL_FORM, '/ricevuta': received });
  try {
    const real = [], minimal = [];
    // Alternated, so a slow moment of the machine falls on both alike.
    for (let round = 0; round < (quick ? 1 : 3); round++) {
      real.push(await run(realForm, worker.url));
      minimal.push(await run(minimalForm, server.url));
    }
    const screens = (runs) => Math.max(...runs.map((r) => r.screens)); // the same every run
    const fields = (runs) => Math.max(...runs.map((r) => r.fields));
    const seconds = (runs) => Math.round(median(runs.map((r) => r.seconds)) * 100) / 100;
    return [
      row('screens', 'count', screens(real), screens(minimal)),
      row('fields', 'count', fields(real), fields(minimal)),
      row('seconds', 's', seconds(real), seconds(minimal)),
    ];
  } finally {
    await server.stop();
  }
}

function row(measure, unit, value, baseline) {
  return {
    group: 'citizen path', subject: 'filing a report', measure, unit, value, baseline,
    ratio: baseline ? Math.round((value / baseline) * 1000) / 1000 : NaN,
  };
}
