// The home page in real headless Chromium: the comune's name, its themes, both languages,
// accessibility (axe-core, WCAG 2.1 AA).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { accessibilityViolations, launchBrowser } from '../support/browser.mjs';
import { demoConfig } from '../support/demo.mjs';

describe('home page in Chromium', () => {
  let worker;
  let browser;
  before(async () => {
    worker = await startWorker();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await worker?.stop();
  });

  test('shows the comune name and its six themes with their categories', async () => {
    const page = await browser.context.newPage();
    const response = await page.goto(`${worker.url}/`);
    assert.equal(response.status(), 200);
    assert.equal(await page.getAttribute('html', 'lang'), 'it');
    assert.match(await page.title(), /Comune di Bergamo \(demo\)/);
    assert.equal(await page.locator('.it-brand-title').innerText(), demoConfig.name);
    const themes = await page.locator('[data-testid=themes] .card-title').allInnerTexts();
    assert.deepEqual(themes, demoConfig.themes.map((t) => t.name.it));
    const categories = await page.locator('#tema-verde-urbano li').count();
    assert.equal(categories, demoConfig.themes.find((t) => t.id === 'verde-urbano').categories.length);
    assert.ok(await page.getByText('112').first().isVisible(), 'emergency number shown');
    await page.close();
  });

  test('the styles of the UI kit are loaded', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${worker.url}/`);
    const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
    assert.match(font, /Titillium Web/);
    await page.close();
  });

  test('the English page shows English names and links back to Italian', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${worker.url}/`);
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(`${worker.url}/en/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    const themes = await page.locator('[data-testid=themes] .card-title').allInnerTexts();
    assert.deepEqual(themes, demoConfig.themes.map((t) => t.name.en));
    assert.ok(await page.getByRole('link', { name: 'Italiano' }).isVisible());
    await page.close();
  });

  test('has no WCAG 2.1 AA violations found by axe in either language', async () => {
    const page = await browser.context.newPage();
    for (const path of ['/', '/en/']) {
      await page.goto(`${worker.url}${path}`);
      assert.deepEqual(await accessibilityViolations(page), [], path);
    }
    await page.close();
  });
});
