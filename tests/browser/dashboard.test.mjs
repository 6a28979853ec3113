// The public dashboard ("cruscotto") in real Chromium: headline figures, charts with their
// tables, per office and category, the clustered map, filters carried to the downloads and
// the map, a readable message for a bad filter, English, no JavaScript, a phone screen, and
// no personal data anywhere on the page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { startTileServer } from '../support/tiles.mjs';
import { accessibilityViolations, accessibilityViolationsOfHtml, launchBrowser } from '../support/browser.mjs';
import { pothole, postJson } from '../support/demo.mjs';
import { setupAdministrator, signIn } from '../support/staff.mjs';

const CITIZEN = { name: 'Ernestina Riservatissima', email: 'ernestina.riservata@example.it' };

describe('public dashboard in Chromium', () => {
  let worker, tiles, admin;
  const tokens = [];

  before(async () => {
    tiles = await startTileServer();
    worker = await startWorker({ vars: { TILE_URL: tiles.url } });
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    const file = async (overrides) => {
      const response = await postJson(`${worker.url}/api/v1/reports`, pothole({ reporter: CITIZEN, ...overrides }));
      assert.equal(response.status, 201, response.text);
      tokens.push(response.json.tracking_token);
      return response.json;
    };
    const work = async (report, commands) => {
      let version = (await admin.get(`/api/v1/staff/tickets/${report.public_number}`)).body.version;
      for (const command of commands) {
        const response = await admin.post(`/api/v1/staff/tickets/${report.public_number}/actions`, { version, ...command });
        assert.equal(response.status, 200, `${command.action}: ${JSON.stringify(response.body)}`);
        version = response.body.version;
      }
    };
    // Three potholes to the roads office (one resolved), one complaint about waste (rejected).
    const resolved = await file({ location: { lat: 45.6950, lon: 9.6700 } });
    await file({ location: { lat: 45.6960, lon: 9.6710 } });
    await file({ location: { lat: 45.7035, lon: 9.6625 } });
    const waste = await file({ category: 'rifiuti-abbandonati', kind: 'reclamo', location: { lat: 45.6841, lon: 9.6632 } });
    await work(resolved, [{ action: 'take_in_charge' }, { action: 'resolve', answer: `Risolta per ${CITIZEN.name}` }]);
    await work(waste, [{ action: 'internal_note', text: `Richiamare ${CITIZEN.email}` },
      { action: 'reject', reason: 'not_a_problem', explanation: 'Nessun rifiuto al sopralluogo.' }]);
  });
  after(async () => {
    await worker?.stop();
    await tiles?.stop();
  });

  async function open(path, body, options = {}) {
    const browser = await launchBrowser(options);
    try {
      const page = await browser.context.newPage();
      const response = await page.goto(`${worker.url}${path}`);
      await body(page, response);
    } finally {
      await browser.close();
    }
  }

  const figure = (page, name) => page.locator(`[data-slot="figure-${name}"]`).innerText();
  const rows = (page, slot) => page.locator(`[data-slot="${slot}"] tr`).evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((cell) => cell.textContent)));
  const mapStatus = (page) => page.locator('#map-status').innerText();

  async function showMap(page) {
    await page.locator('#reports-map').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => /\d/.test(document.querySelector('#map-status').textContent), null, { timeout: 20_000 });
  }

  test('shows the figures, every chart with its table, and offices and topics, without accessibility violations', async () => {
    await open('/cruscotto/', async (page, response) => {
      assert.equal(response.status(), 200);
      assert.equal(await page.locator('h1').innerText(), 'Cruscotto delle segnalazioni');
      assert.equal(await figure(page, 'reports'), '4');
      assert.equal(await figure(page, 'open'), '2');
      assert.equal(await figure(page, 'resolved'), '1');
      assert.equal(await figure(page, 'resolution-on-time'), '100%');
      assert.match(await figure(page, 'take-in-charge-median'), /^\d+(,\d)? or[ae]$/);

      // Every chart is an image named by its heading, followed by the same numbers as a table.
      for (const name of ['volumes', 'times', 'backlog', 'offices', 'categories', 'themes']) {
        const chart = page.locator(`[data-slot="${name}-chart"] svg[role="img"]`);
        assert.equal(await chart.count(), 1, `${name} chart`);
        assert.equal(await chart.getAttribute('aria-labelledby'), `${name}-title`);
        assert.ok((await rows(page, `${name}-rows`)).length > 0, `${name} table`);
      }
      const months = await rows(page, 'volumes-rows');
      assert.equal(months.length, 12, 'the last twelve months');
      assert.deepEqual(months.at(-1).slice(1), ['4', '2', '1'], 'this month: 4 received, 2 closed, 1 resolved');
      assert.equal(await page.locator('[data-slot="volumes-chart"] rect').count(), 24, 'received and closed for each month');

      const offices = await rows(page, 'offices-rows');
      // The pothole in Città Alta goes to the old town's office (routing by zone).
      const roads = offices.find((row) => row[0].includes('Strade'));
      assert.equal(roads[1], '2');
      assert.equal(offices.find((row) => row[0].includes('Città Alta'))[1], '1');
      assert.equal(roads[7], '100% (1 su 1)', 'resolved on time');
      const waste = offices.find((row) => row[0].includes('Ambiente'));
      assert.equal(waste[1], '1');
      const categories = await rows(page, 'categories-rows');
      assert.equal(categories.find((row) => row[0] === 'Buche e dissesti stradali')?.[1], '3');
      const statuses = await rows(page, 'statuses-rows');
      assert.deepEqual(statuses.find((row) => row[0] === 'Respinta'), ['Respinta', '1', '25%']);

      assert.deepEqual(await accessibilityViolations(page), []);
      // The tables inside their disclosures too.
      await page.locator('details.chart-data').evaluateAll((all) => all.forEach((d) => { d.open = true; }));
      assert.deepEqual(await accessibilityViolations(page), []);
    });
  });

  test('clusters the published places of the reports on the map, loaded only near the screen', async () => {
    await open('/cruscotto/', async (page) => {
      const loaded = () => page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name).filter((n) => /leaflet|geojson/.test(n)));
      assert.deepEqual(await loaded(), [], 'no map library or data before the map is near');
      await showMap(page);
      assert.equal(await mapStatus(page), 'Segnalazioni sulla mappa: 4. Quelle senza luogo pubblicato non compaiono.');
      assert.ok((await loaded()).some((n) => n.includes('leaflet.markercluster')));
      // Tiles arrive after the markers' data: wait for one to be drawn before counting.
      await page.locator('#reports-map .leaflet-tile-loaded').first().waitFor({ timeout: 20_000 });
      assert.ok(tiles.requests() > 0, 'tiles come from the configured server');
      // The two potholes 130 m apart share a cluster at the city's zoom.
      const cluster = page.locator('.marker-cluster').first();
      await cluster.waitFor();
      assert.equal(await cluster.innerText(), '2');
      // A single report opens a popup with its public facts only.
      await page.locator('.leaflet-marker-icon:not(.marker-cluster)').first().click();
      const popup = await page.locator('.leaflet-popup-content').innerText();
      assert.match(popup, /^\d{4}-\d{6}\n/);
      assert.match(popup, /Inviata il \d{1,2} \w+ \d{4}/);
      const number = popup.split('\n')[0];
      assert.equal(await page.locator('.leaflet-popup-content a').getAttribute('href'), `/segnalazioni/${number}`, 'it links to the report\'s page');
      assert.deepEqual(await accessibilityViolations(page), []);
    }, { viewport: { width: 1280, height: 900 } });
  });

  test('filters narrow the figures, the downloads and the map', async () => {
    await open('/cruscotto/', async (page) => {
      await page.selectOption('#filter-office', 'ambiente-igiene');
      await Promise.all([page.waitForURL(/office=ambiente-igiene/), page.locator('button[type="submit"]').click()]);
      assert.equal(await figure(page, 'reports'), '1');
      assert.equal(await page.locator('#filter-office').inputValue(), 'ambiente-igiene', 'the choice stays selected');
      const csv = await page.locator('a[data-download$="reports.csv"]').getAttribute('href');
      // The downloads cover the figures' period too: the last twelve months by default.
      assert.match(csv, /^\/api\/v1\/open-data\/reports\.csv\?from=\d{4}-\d{2}-01&to=\d{4}-\d{2}-\d{2}&office=ambiente-igiene$/);
      const download = await fetch(`${worker.url}${csv}`);
      assert.equal((await download.text()).trim().split('\n').length, 2, 'header and the one report');
      await showMap(page);
      assert.match(await mapStatus(page), /: 1\./);
    });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date());
    await open(`/cruscotto/?from=${today}&to=${today}&kind=reclamo&utm_source=newsletter`, async (page, response) => {
      assert.equal(response.status(), 200, 'parameters that are not filters are ignored');
      assert.equal(await figure(page, 'reports'), '1');
      assert.equal(await page.locator('#filter-from').inputValue(), today);
      assert.equal(await page.locator('#filter-kind').inputValue(), 'reclamo');
    });
  });

  test('a bad filter gets a readable message and the unfiltered figures', async () => {
    await open('/cruscotto/?from=2026-13-45&office=nessuno', async (page, response) => {
      assert.equal(response.status(), 400);
      const message = page.locator('[data-slot="errors"]');
      assert.ok(await message.isVisible());
      assert.deepEqual(await page.locator('[data-slot="error-list"] li').allInnerTexts(),
        ['Dal giorno: valore non valido', 'Ufficio: valore non valido']);
      assert.equal(await figure(page, 'reports'), '4');
      assert.deepEqual(await accessibilityViolations(page), []);
    });
  });

  test('works in English', async () => {
    await open('/en/dashboard/', async (page, response) => {
      assert.equal(response.status(), 200);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.equal(await page.locator('h1').innerText(), 'Reports dashboard');
      assert.match(await figure(page, 'period'), /^\d{1,2} [A-Z][a-z]+ \d{4} – \d{1,2} [A-Z][a-z]+ \d{4}$/);
      assert.match(await figure(page, 'take-in-charge-median'), /^\d+(\.\d)? hours?$/);
      assert.ok((await rows(page, 'statuses-rows')).some((row) => row[0] === 'Rejected'));
      assert.match(await page.locator('a[data-download$="reports.csv"]').getAttribute('href'), /^\/api\/v1\/open-data\/reports\.csv\?from=.+&to=.+&lang=en$/);
      await showMap(page);
      assert.equal(await mapStatus(page), 'Reports on the map: 4. Those without a published place are not shown.');
      assert.deepEqual(await accessibilityViolations(page), []);
      await page.locator('a[hreflang="it"]').click();
      await page.waitForURL(/\/cruscotto\/$/);
    });
  });

  test('is complete without JavaScript', async () => {
    await open('/cruscotto/?category=buche-stradali', async (page) => {
      assert.equal(await figure(page, 'reports'), '3');
      assert.equal(await page.locator('svg[role="img"]').count(), 6);
      assert.ok(await page.locator('#reports-map').isHidden());
      assert.match(await mapStatus(page), /JavaScript/);
      const html = await page.content();
      assert.deepEqual(await accessibilityViolationsOfHtml(html, worker.url), []);
    }, { javaScriptEnabled: false });
  });

  test('fits a phone screen, charts scrolling inside their own box with the keyboard', async () => {
    await open('/cruscotto/', async (page) => {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
      // A chart wider than the screen scrolls in its box, which the keyboard can reach.
      const box = page.locator('[data-slot="volumes-chart"]');
      assert.ok(await box.evaluate((b) => b.scrollWidth > b.clientWidth), 'the chart scrolls in its box');
      assert.equal(await box.getAttribute('tabindex'), '0');
      await box.focus();
      await page.keyboard.press('ArrowRight');
      // Keyboard scrolling may be animated, so the offset is read once it settles.
      const scrolled = await box.evaluate((b) => new Promise((done) => {
        const started = Date.now();
        (function check() {
          if (b.scrollLeft > 0 || Date.now() - started > 3000) done(b.scrollLeft > 0);
          else requestAnimationFrame(check);
        })();
      }));
      assert.ok(scrolled, 'the arrow keys scroll it');
      assert.deepEqual(await accessibilityViolations(page), []);
      await showMap(page);
      assert.ok(await page.locator('#reports-map').isVisible());
    }, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  });

  test('shows no personal data', async () => {
    await open('/cruscotto/', async (page) => {
      await showMap(page);
      await page.locator('.leaflet-marker-icon').evaluateAll((all) => all.forEach((m) => m.click()));
      const html = await page.content();
      for (const secret of [CITIZEN.name, CITIZEN.email, 'Ernestina', 'Richiamare', 'Via Borgo Palazzo']) {
        assert.ok(!html.includes(secret), `the page shows ${secret}`);
      }
      for (const token of tokens) assert.ok(!html.includes(token), 'the page shows a tracking code');
    });
  });
});
