// Debian's Chromium driven by playwright-core (Playwright's own browser downloads are not
// reachable here), with a fresh profile per launch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** @param {import('playwright-core').BrowserContextOptions & { hosts?: string[] }} options e.g. javaScriptEnabled,
 *   geolocation; `hosts`: names to resolve to 127.0.0.1 (another comune of the local Worker) */
export async function launchBrowser({ hosts = [], ...options } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'segnala-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    ...options,
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    timeout: 60_000,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ...(hosts.length ? [`--host-resolver-rules=${hosts.map((h) => `MAP ${h} 127.0.0.1`).join(',')}`] : []),
    ],
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** WCAG 2.1 A and AA violations found by axe-core on the current page. */
export async function accessibilityViolations(page) {
  // Evaluated through the DevTools protocol, so pages with a strict Content-Security-Policy
  // (no inline scripts) can be checked too.
  await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  // Colours are judged as they end up: a transition still running (a button fading in from
  // the browser's grey on a slow machine) would otherwise be measured half-way.
  await page.evaluate(async () => {
    await document.fonts.ready;
    for (const animation of document.getAnimations()) {
      try { animation.finish(); } catch { animation.cancel(); }
    }
  });
  const results = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** The same check for a page captured without JavaScript: its HTML, scripts removed, is
 * loaded in a page of its own (axe needs JavaScript to run). */
export async function accessibilityViolationsOfHtml(html, baseUrl) {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const withoutScripts = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '')
      .replace('<head>', `<head><base href="${baseUrl}/">`);
    await page.setContent(withoutScripts, { waitUntil: 'load' });
    return await accessibilityViolations(page);
  } finally {
    await browser.close();
  }
}
