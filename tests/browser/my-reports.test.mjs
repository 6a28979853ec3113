// "My reports" in real Chromium, the whole flow with the local mail sink: ask for a link,
// follow it from the e-mail, see every report with its history, sign out; then sign in
// again and erase the personal data. Without JavaScript, as the page has no script. Every
// state of the page passes axe (run on the page's HTML, as scripts are off).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { accessibilityViolationsOfHtml, launchBrowser } from '../support/browser.mjs';
import { pothole, postJson } from '../support/demo.mjs';

describe('my reports in Chromium', () => {
  let worker, reports;
  before(async () => {
    worker = await startWorker();
    reports = [];
    for (const description of ['Buca davanti alla scuola elementare', 'Tombino sollevato in via Tasso']) {
      const created = await postJson(`${worker.url}/api/v1/reports`, pothole({ description, reporter: { name: 'Giulia Rosa', email: 'giulia@example.org' } }));
      assert.equal(created.status, 201, created.text);
      reports.push(created.json);
    }
  });
  after(async () => { await worker?.stop(); });

  const links = async (count) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = worker.mail.messages().filter((m) => m.to.includes('giulia@example.org') && /accesso\//.test(m.text));
      if (found.length >= count || Date.now() > deadline) return found.map((m) => m.text.match(/http\S+\/accesso\/[a-z2-7]{26}/)[0]);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  async function signInFromMail(page, count) {
    await page.goto(`${worker.url}/le-mie-segnalazioni/`);
    await page.getByLabel('Il tuo indirizzo email').fill('Giulia@Example.org');
    await page.getByRole('button', { name: 'Mandami il link' }).click();
    assert.match(await page.getByRole('status').first().innerText(), /Controlla la tua casella email/);
    assert.deepEqual(await accessibilityViolationsOfHtml(await page.content(), worker.url), []);
    // The e-mail links to the comune's public address; here the Worker's own.
    const link = new URL((await links(count)).at(-1)).pathname;
    await page.goto(`${worker.url}${link}`);
    assert.deepEqual(await accessibilityViolationsOfHtml(await page.content(), worker.url), []);
    await page.getByRole('button', { name: 'Accedi' }).click();
    await page.waitForURL(/\/le-mie-segnalazioni\/$/);
  }

  test('a citizen signs in from the e-mail, sees every report with its history, signs out, then erases their data', async () => {
    const browser = await launchBrowser({ javaScriptEnabled: false });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${worker.url}/`);
      await page.getByRole('link', { name: 'Le mie segnalazioni' }).first().click();
      await signInFromMail(page, 1);
      assert.match(await page.getByRole('heading', { level: 2 }).first().innerText(), /giulia@example\.org/);
      const items = page.locator('.my-report');
      assert.equal(await items.count(), 2);
      assert.deepEqual(await items.locator('h3 a').allInnerTexts(), [reports[1].public_number, reports[0].public_number]);
      await items.first().locator('summary').click();
      assert.match(await items.first().locator('.ticket-history').innerText(), /Segnalazione ricevuta/);
      assert.deepEqual(await accessibilityViolationsOfHtml(await page.content(), worker.url), []);
      await items.first().locator('h3 a').click();
      await page.waitForURL(new RegExp(`/segnalazione/${reports[1].tracking_token}$`));
      await page.goBack();

      await page.getByRole('button', { name: 'Esci' }).click();
      assert.match(await page.locator('body').innerText(), /Sei uscito/);
      await page.goto(`${worker.url}/le-mie-segnalazioni/`);
      assert.ok(await page.getByRole('button', { name: 'Mandami il link' }).isVisible(), 'signed out for real');

      await signInFromMail(page, 2);
      await page.getByRole('button', { name: 'Cancella i miei dati' }).click();
      assert.match(await page.getByRole('alert').first().innerText(), /spunta la casella/);
      await page.locator('label[for="erase-confirm"]').click();
      await page.getByRole('button', { name: 'Cancella i miei dati' }).click();
      assert.match(await page.getByRole('status').first().innerText(), /I tuoi dati personali sono stati cancellati/);
      assert.deepEqual(await accessibilityViolationsOfHtml(await page.content(), worker.url), []);
      const used = new URL((await links(2))[0]).pathname;
      await page.goto(`${worker.url}${used}`);
      await page.getByRole('button', { name: 'Accedi' }).click();
      assert.match(await page.getByRole('alert').first().innerText(), /non è valido|già stato usato/);
    } finally {
      await browser.close();
    }
  });
});
