// The security headers of every page, and that the pages still work under them: the
// citizens' pages, the form with its map, the public dashboard with its map and a
// tracking page load in Chromium with no Content-Security-Policy violation (an inline
// script or style, a request to another site, would be one).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { startTileServer } from '../support/tiles.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { pothole, postJson } from '../support/demo.mjs';

describe('security headers in Chromium', () => {
  let worker;
  let tiles;
  let browser;
  before(async () => {
    tiles = await startTileServer();
    worker = await startWorker({ vars: { TILE_URL: tiles.url } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await worker?.stop();
    await tiles?.stop();
  });

  /** Opens a page and returns it with the policy violations it reports, as they come. */
  async function open(path) {
    const page = await browser.context.newPage();
    const violations = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`Refused to load (Content Security Policy): ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const response = await page.goto(`${worker.url}${path}`);
    return { page, response, violations };
  }

  test('every page carries the policy, no framing, no sniffing and a referrer policy', async () => {
    for (const path of ['/', '/segnala/', '/cruscotto/', '/en/', '/staff/accesso/', '/nessuna-pagina/']) {
      const { page, response } = await open(path);
      const headers = response.headers();
      assert.match(headers['content-security-policy'], /default-src 'self'/, path);
      assert.match(headers['content-security-policy'], /frame-ancestors 'none'/, path);
      assert.doesNotMatch(headers['content-security-policy'], /unsafe-inline|unsafe-eval/, path);
      assert.equal(headers['x-frame-options'], 'DENY', path);
      assert.equal(headers['x-content-type-options'], 'nosniff', path);
      assert.ok(headers['referrer-policy'], path);
      assert.equal(headers['strict-transport-security'], undefined, `${path}: no HSTS over plain HTTP`);
      await page.close();
    }
  });

  test('the form with its map, the dashboard with its map and a tracking page run with no violation', async () => {
    const form = await open('/segnala/');
    await form.page.getByLabel('Tema').selectOption({ label: 'Strade e viabilità' });
    await form.page.getByLabel('Argomento').selectOption('buche-stradali');
    await form.page.getByRole('button', { name: 'Avanti' }).click();
    await form.page.locator('#map .leaflet-tile-loaded').first().waitFor();
    assert.deepEqual(form.violations, []);
    await form.page.close();

    const dashboard = await open('/cruscotto/');
    await dashboard.page.locator('#reports-map').scrollIntoViewIfNeeded();
    await dashboard.page.locator('#reports-map .leaflet-tile-loaded').first().waitFor();
    assert.deepEqual(dashboard.violations, []);
    await dashboard.page.close();

    const filed = await postJson(`${worker.url}/api/v1/reports`, pothole());
    assert.equal(filed.status, 201);
    const tracking = await open(`/segnalazione/${filed.json.tracking_token}`);
    assert.equal(tracking.response.status(), 200);
    assert.equal(tracking.response.headers()['referrer-policy'], 'same-origin', 'the capability page keeps its own');
    assert.deepEqual(tracking.violations, []);
    await tracking.page.close();
  });
});
