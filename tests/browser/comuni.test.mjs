// Another comune of the same deployment in Chromium: Borgoverde, at its own host name on
// the same local Worker, shows its own name and its own colour on the citizens' pages and
// in the staff area, and stays accessible (axe-core, WCAG 2.1 AA: its colour is checked
// for contrast when the configuration is read, and here on the rendered pages).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { accessibilityViolations, launchBrowser } from '../support/browser.mjs';

const HOST = 'borgoverde.localhost';

/** [r, g, b] of a computed CSS colour. */
const rgb = (css) => css.match(/\d+/g).slice(0, 3).map(Number);

describe('another comune of the deployment in Chromium', () => {
  let worker;
  let browser;
  let origin;
  before(async () => {
    worker = await startWorker();
    browser = await launchBrowser({ hosts: [HOST] });
    origin = `http://${HOST}:${worker.port}`;
  });
  after(async () => {
    await browser?.close();
    await worker?.stop();
  });

  test('its home page and report form carry its name and colour and pass axe', async () => {
    const page = await browser.context.newPage();
    assert.equal((await page.goto(`${origin}/`)).status(), 200);
    assert.match(await page.title(), /Comune di Borgoverde \(demo\)/);
    assert.equal(await page.locator('.it-brand-title').innerText(), 'Comune di Borgoverde (demo)');
    const [r, g, b] = rgb(await page.locator('.it-header-center-wrapper').evaluate((e) => getComputedStyle(e).backgroundColor));
    assert.ok(g > r && g > b, `the header is Borgoverde's green, not the kit's blue: rgb(${r}, ${g}, ${b})`);
    assert.deepEqual(await accessibilityViolations(page), []);

    assert.equal((await page.goto(`${origin}/segnala/`)).status(), 200);
    assert.match(await page.title(), /Borgoverde/);
    assert.deepEqual(await accessibilityViolations(page), []);
    await page.close();
  });

  test('the same pages at the first comune keep the kit colour', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${worker.url}/`);
    assert.match(await page.title(), /Comune di Bergamo/);
    const [r, g, b] = rgb(await page.locator('.it-header-center-wrapper').evaluate((e) => getComputedStyle(e).backgroundColor));
    assert.ok(b > r && b > g, `the kit's blue: rgb(${r}, ${g}, ${b})`);
    await page.close();
  });

  test('its staff sign-in page is its own, in its colour, and passes axe', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${origin}/staff/`);
    assert.match(page.url(), /\/staff\/accesso\//);
    assert.match(await page.title(), /Borgoverde/);
    const stylesheet = await page.locator('link[rel=stylesheet]').first().getAttribute('href');
    assert.equal(stylesheet, '/css/comuni/borgoverde/staff.css');
    assert.deepEqual(await accessibilityViolations(page), []);
    await page.close();
  });
});
