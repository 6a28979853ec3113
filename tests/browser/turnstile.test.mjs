// The report form with the human check on, in real Chromium: the widget (a local stand-in
// of Cloudflare Turnstile's script, as the tests have no internet) appears on the review
// step, its token travels with the report and is verified once, the page's policy lets the
// widget's script load with no violation; when verification is down the citizen is told
// and can send again once it is back, with a fresh token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { setupAdministrator, signIn } from '../support/staff.mjs';
import { startTileServer } from '../support/tiles.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { SECRET, startTurnstile } from '../support/turnstile.mjs';

describe('Turnstile on the report form in Chromium', () => {
  let worker, tiles, turnstile;
  before(async () => {
    tiles = await startTileServer();
    turnstile = await startTurnstile();
    worker = await startWorker({
      vars: {
        TILE_URL: tiles.url, TURNSTILE_SECRET: SECRET,
        TURNSTILE_VERIFY_URL: turnstile.verifyUrl, TURNSTILE_SCRIPT_URL: turnstile.scriptUrl,
      },
    });
    await setupAdministrator(worker);
    const admin = await signIn(worker, 'admin@comune.example.it');
    const current = (await admin.get('/api/v1/staff/configuration')).body;
    const config = structuredClone(current.config);
    config.abuse = { ...(config.abuse ?? {}), turnstile: { site_key: '0x4AAAAAAAbrowser-test' } };
    const saved = await admin.post('/api/v1/staff/configuration/versions', { config, note: 'Controllo anti-spam', based_on: current.version });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
  });
  after(async () => {
    await worker?.stop();
    await tiles?.stop();
    await turnstile?.close();
  });

  async function toReview(page) {
    await page.goto(`${worker.url}/segnala/`);
    await page.getByLabel('Tema').selectOption({ label: 'Strade e viabilità' });
    await page.getByLabel('Argomento').selectOption('buche-stradali');
    await page.getByRole('button', { name: 'Avanti' }).click();
    await page.getByLabel('Indirizzo o luogo di riferimento').fill('Via Borgo Palazzo 40');
    await page.getByRole('button', { name: 'Avanti' }).click();
    await page.getByLabel('Descrizione').fill('Tombino sollevato sul marciapiede, pericoloso per chi passa');
    await page.getByRole('button', { name: 'Avanti' }).click();
    await page.locator('label[for="privacy_accepted"]').click();
    await page.getByRole('button', { name: 'Avanti' }).click();
    await page.locator('#review-list').waitFor();
  }

  test('the widget is asked on the review step and its token files the report once', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.addInitScript(() => {
        window.__violations = [];
        document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      await toReview(page);
      const widget = page.locator('#review .turnstile-box');
      await widget.getByText('Turnstile (local stand-in) for 0x4AAAAAAAbrowser-test').waitFor();
      assert.ok(await page.getByText('Controllo anti-spam').isVisible());
      const asked = turnstile.verifications.length;
      await page.getByRole('button', { name: 'Invia la segnalazione' }).click();
      await page.waitForURL(/\/segnalazione\/[a-z2-7]{26}\?new=1$/);
      assert.equal(turnstile.verifications.length, asked + 1, 'verified once');
      assert.match(turnstile.verifications.at(-1).token, /^pass-/);
      assert.deepEqual(await page.evaluate(() => window.__violations), []);
    } finally {
      await browser.close();
    }
  });

  test('when verification is down the citizen is told, and a second try with a fresh token works', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await toReview(page);
      await page.locator('#review .turnstile-box input[name="cf-turnstile-response"]').waitFor({ state: 'attached' });
      const first = await page.locator('input[name="cf-turnstile-response"]').inputValue();
      turnstile.setDown(true);
      await page.getByRole('button', { name: 'Invia la segnalazione' }).click();
      await page.locator('#error-summary').getByText('Non è stato possibile fare il controllo anti-spam').waitFor();
      assert.match(page.url(), /\/segnala\/$/);
      const second = await page.locator('input[name="cf-turnstile-response"]').inputValue();
      assert.notEqual(second, first, 'the widget was reset for a new token');
      turnstile.setDown(false);
      await page.getByRole('button', { name: 'Invia la segnalazione' }).click();
      await page.waitForURL(/\/segnalazione\/[a-z2-7]{26}\?new=1$/);
    } finally {
      await browser.close();
    }
  });
});
