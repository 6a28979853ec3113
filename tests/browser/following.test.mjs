// Following a report in real Chromium: the report form offers the open report of the same
// topic next to the chosen point and links to its public page, where anyone follows it
// with an address; the confirmation link from the mail sink turns it on and the page behind
// the unsubscribe link turns it off. Every page passes axe.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { startTileServer } from '../support/tiles.mjs';
import { accessibilityViolations, launchBrowser } from '../support/browser.mjs';
import { pothole, postJson } from '../support/demo.mjs';

const HERE = { latitude: 45.7035, longitude: 9.6625 };

describe('following a report in Chromium', () => {
  let worker, tiles, existing;
  before(async () => {
    tiles = await startTileServer();
    worker = await startWorker({ vars: { TILE_URL: tiles.url } });
    const created = await postJson(`${worker.url}/api/v1/reports`, pothole({ location: { lat: 45.7036, lon: 9.6626 } }));
    assert.equal(created.status, 201, created.text);
    existing = created.json;
  });
  after(async () => {
    await worker?.stop();
    await tiles?.stop();
  });

  async function withBrowser(options, body) {
    const browser = await launchBrowser(options);
    try {
      await body(await browser.context.newPage());
    } finally {
      await browser.close();
    }
  }

  const mailTo = async (address, count) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = worker.mail.messages().filter((m) => m.to.includes(address));
      if (found.length >= count || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  test('the form offers the open report next to the point, whose page follows it by e-mail', async () => {
    await withBrowser({ permissions: ['geolocation'], geolocation: HERE }, async (page) => {
      await page.goto(`${worker.url}/segnala/`);
      await page.getByLabel('Tema').selectOption({ label: 'Strade e viabilità' });
      await page.getByLabel('Argomento').selectOption('buche-stradali');
      await page.getByRole('button', { name: 'Avanti' }).click();
      const nearby = page.locator('#nearby');
      assert.ok(await nearby.isHidden(), 'nothing before a point is chosen');
      await page.getByRole('button', { name: 'Usa la mia posizione' }).click();
      await nearby.waitFor({ state: 'visible', timeout: 10_000 });
      assert.ok(await page.getByRole('heading', { name: "Qualcuno l'ha già segnalato?" }).isVisible());
      const link = nearby.getByRole('link', { name: new RegExp(`Vedi e segui ${existing.public_number}`) });
      assert.equal(await link.getAttribute('href'), `/segnalazioni/${existing.public_number}`);
      assert.match(await nearby.innerText(), /Buche e dissesti stradali · Ricevuta — a circa \d+ m/);
      assert.deepEqual(await accessibilityViolations(page), []);

      await page.goto(`${worker.url}/segnalazioni/${existing.public_number}`);
      assert.ok(await page.getByRole('heading', { name: `Segnalazione ${existing.public_number}` }).isVisible());
      assert.deepEqual(await accessibilityViolations(page), []);
      await page.getByRole('button', { name: 'Segui la segnalazione' }).click();
      assert.equal(await page.getByLabel('Il tuo indirizzo email').getAttribute('aria-invalid'), 'true', 'an empty address is refused');
      assert.match(await page.locator('#follow-email-error').innerText(), /Scrivi il tuo indirizzo email/);
      await page.getByLabel('Il tuo indirizzo email').fill('elena@example.org');
      await page.getByRole('button', { name: 'Segui la segnalazione' }).click();
      assert.ok(await page.getByRole('heading', { name: 'Controlla la tua casella email' }).isVisible());
      assert.deepEqual(await accessibilityViolations(page), []);

      const [confirmation] = await mailTo('elena@example.org', 1);
      await page.goto(confirmation.text.match(/http\S+\/conferma/)[0]);
      assert.deepEqual(await accessibilityViolations(page), []);
      await page.getByRole('button', { name: 'Conferma e segui la segnalazione' }).click();
      assert.match(await page.locator('main, body').first().innerText(), /Indirizzo confermato/);
      assert.deepEqual(await accessibilityViolations(page), []);
      await page.getByRole('button', { name: 'Non ricevere più aggiornamenti' }).click();
      assert.match(await page.locator('body').innerText(), /Il tuo indirizzo è stato cancellato/);
      await page.getByRole('link', { name: 'Vai alla pagina della segnalazione' }).click();
      assert.match(await page.locator('[data-slot="followers"]').innerText(), /^0$/);
    });
  });

  test('without JavaScript the public page follows a report in English', async () => {
    await withBrowser({ javaScriptEnabled: false }, async (page) => {
      await page.goto(`${worker.url}/en/public-reports/${existing.public_number}`);
      await page.getByLabel('Your e-mail address').fill('frank@example.org');
      await page.getByRole('button', { name: 'Follow the report' }).click();
      assert.ok(await page.getByRole('heading', { name: 'Check your inbox' }).isVisible());
      const [confirmation] = await mailTo('frank@example.org', 1);
      assert.match(confirmation.subject, /Confirm: updates of report/);
    });
  });
});
