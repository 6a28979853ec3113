// Filing reports in real Chromium: the stepped form with map, geolocation and a photo;
// the same form without JavaScript; errors shown next to their fields; keyboard only;
// then the tracking page. Map tiles come from a local tile server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startWorker } from '../support/worker.mjs';
import { setupAdministrator, signIn } from '../support/staff.mjs';
import { startTileServer } from '../support/tiles.mjs';
import { accessibilityViolations, accessibilityViolationsOfHtml, launchBrowser } from '../support/browser.mjs';
import { FIXTURES } from '../support/demo.mjs';

const PHOTO = fileURLToPath(new URL('portrait-with-gps.jpg', FIXTURES));
const CITTA_ALTA = { latitude: 45.7035, longitude: 9.6625 };
const MILANO = { latitude: 45.4642, longitude: 9.19 };

/** Whether a (lazily loaded) photo arrives and decodes: brought into view, given 15 s. */
async function photoShown(image) {
  await image.waitFor();
  await image.scrollIntoViewIfNeeded();
  return image.evaluate((img) => new Promise((resolve) => {
    const done = () => resolve(img.complete && img.naturalWidth > 0);
    if (img.complete) return done();
    img.addEventListener('load', done, { once: true });
    img.addEventListener('error', done, { once: true });
    setTimeout(done, 15_000);
  }));
}

describe('report form in Chromium', () => {
  let worker;
  let tiles;
  before(async () => {
    tiles = await startTileServer();
    worker = await startWorker({ vars: { TILE_URL: tiles.url } });
    await setupAdministrator(worker);
  });
  after(async () => {
    await worker?.stop();
    await tiles?.stop();
  });

  async function withBrowser(options, body) {
    const browser = await launchBrowser(options);
    try {
      const page = await browser.context.newPage();
      await body(page, browser.context);
    } finally {
      await browser.close();
    }
  }

  test('files a report step by step with position, photo and review, then shows the tracking page', async () => {
    await withBrowser({ permissions: ['geolocation'], geolocation: CITTA_ALTA }, async (page) => {
      await page.goto(`${worker.url}/segnala/`);
      assert.ok(await page.getByLabel('Argomento').isDisabled(), 'first the theme');
      await page.getByLabel('Tema').selectOption({ label: 'Strade e viabilità' });
      const offered = await page.getByLabel('Argomento').locator('option').allInnerTexts();
      assert.deepEqual(offered.slice(1), ['Buche e dissesti stradali', 'Marciapiedi e percorsi pedonali', 'Segnaletica stradale',
        'Illuminazione pubblica', 'Semafori guasti', 'Barriere architettoniche'], 'then only its categories');
      await page.getByLabel('Argomento').selectOption('buche-stradali');
      await page.locator('label[for="kind-reclamo"]').click();
      await page.getByRole('button', { name: 'Avanti' }).click();

      await page.locator('#map .leaflet-tile-loaded').first().waitFor();
      assert.ok(tiles.requests() > 0, 'tiles came from the local tile server');
      assert.equal(await page.locator('.leaflet-control-zoom-in').getAttribute('title'), 'Ingrandisci', 'map controls speak Italian');
      await page.getByRole('button', { name: 'Usa la mia posizione' }).click();
      await page.locator('.leaflet-marker-icon').waitFor();
      assert.equal(await page.locator('#lat').inputValue(), '45.703500');
      assert.match(await page.locator('#map-status').innerText(), /Segnaposto impostato/);
      await page.getByLabel('Indirizzo o luogo di riferimento').fill('Via Gombito, vicino alla torre');
      await page.getByRole('button', { name: 'Avanti' }).click();

      await page.getByLabel('Descrizione').fill('Porfido sconnesso e cubetti mancanti vicino alla fontana');
      await page.getByLabel('Foto (facoltative)').setInputFiles(PHOTO);
      await page.locator('#photo-previews img').waitFor();
      await page.getByRole('button', { name: 'Avanti' }).click();

      await page.locator('label[for="privacy_accepted"]').click();
      await page.getByLabel('Email').fill('cittadina@example.it');
      await page.getByLabel('Email').press('Enter'); // Enter means "next", not "send"
      await page.locator('#review-list').waitFor();
      assert.match(page.url(), /\/segnala\/$/, 'not sent before the review');

      const review = await page.locator('#review-list').innerText();
      assert.match(review, /Buche e dissesti stradali/);
      assert.match(review, /Reclamo/);
      assert.match(review, /Via Gombito/);
      assert.match(review, /cittadina@example.it/);
      await page.getByRole('button', { name: 'Invia la segnalazione' }).click();

      await page.waitForURL(/\/segnalazione\/[a-z2-7]{26}\?new=1$/);
      assert.ok(await page.getByRole('heading', { name: 'Segnalazione inviata' }).isVisible());
      const facts = await page.locator('.ticket-facts').innerText();
      assert.match(facts, /Servizio Città Alta e Centro Storico/, 'routed by zone from the position');
      assert.match(facts, /Reclamo/);
      assert.match(await page.locator('[data-slot="next-steps"]').innerText(), /entro 3 giorni lavorativi/);
      const image = page.locator('.ticket-photos img');
      assert.ok(await photoShown(image), 'the photo is shown');
      const tracking = await page.locator('#tracking-url').inputValue();
      assert.equal(new URL(tracking).pathname, new URL(page.url()).pathname);
      assert.equal(await page.locator('.tracking-code').innerText(), new URL(tracking).pathname.split('/').pop(),
        'the tracking code is shown for the lookup page');
      assert.ok(!(await page.content()).includes('cittadina@example.it'), 'the e-mail is not shown');
      assert.deepEqual(await accessibilityViolations(page), []);
    });
  });

  test('a large photo is shrunk in the browser before it is sent', async () => {
    await withBrowser({}, async (page) => {
      await page.goto(`${worker.url}/segnala/`);
      // A 3000x2000 photo of noise: as PNG far over the 10 MB the server accepts.
      const png = Buffer.from(await page.evaluate(async () => {
        const canvas = document.createElement('canvas');
        canvas.width = 3000;
        canvas.height = 2000;
        const context = canvas.getContext('2d');
        const pixels = context.createImageData(canvas.width, canvas.height);
        const random = new Uint32Array(pixels.data.buffer);
        for (let offset = 0; offset < random.length; offset += 16384) {
          crypto.getRandomValues(random.subarray(offset, Math.min(offset + 16384, random.length)));
        }
        for (let i = 3; i < pixels.data.length; i += 4) pixels.data[i] = 255;
        context.putImageData(pixels, 0, 0);
        const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
        const bytes = new Uint8Array(await blob.arrayBuffer());
        let binary = '';
        for (let i = 0; i < bytes.length; i += 32768) binary += String.fromCharCode(...bytes.subarray(i, i + 32768));
        return btoa(binary);
      }), 'base64');
      assert.ok(png.length > 10 * 1024 * 1024, `the original is ${png.length} bytes`);
      await page.getByLabel('Tema').selectOption('verde-urbano');
      await page.getByLabel('Argomento').selectOption({ index: 1 });
      await page.getByRole('button', { name: 'Avanti' }).click();
      await page.getByLabel('Indirizzo o luogo di riferimento').fill('Parco Suardi, ingresso di via Pignolo');
      await page.getByRole('button', { name: 'Avanti' }).click();
      await page.getByLabel('Descrizione').fill('Ramo spezzato sopra il vialetto, pericoloso per chi passa');
      await page.getByLabel('Foto (facoltative)').setInputFiles({ name: 'grande.png', mimeType: 'image/png', buffer: png });
      await page.locator('#photo-previews img').waitFor();
      await page.getByRole('button', { name: 'Avanti' }).click();
      await page.locator('label[for="privacy_accepted"]').click();
      await page.getByRole('button', { name: 'Avanti' }).click();
      await page.getByRole('button', { name: 'Invia la segnalazione' }).click();
      await page.waitForURL(/\/segnalazione\/[a-z2-7]{26}\?new=1$/);
      const token = new URL(page.url()).pathname.split('/').pop();
      const view = await (await fetch(`${worker.url}/api/v1/reports/${token}`)).json();
      assert.equal(view.photos.length, 1);
      assert.deepEqual([view.photos[0].width, view.photos[0].height], [2048, 1365], 'longest side 2048 px, proportions kept');
      const stored = await fetch(`${worker.url}${view.photos[0].url}`);
      assert.equal(stored.headers.get('content-type'), 'image/jpeg');
      assert.ok(Number((await stored.arrayBuffer()).byteLength) < png.length / 2, 'much smaller than the original');
      assert.ok(view.photos[0].thumbnail_url, 'a small variant was made in the browser');
    });
  });

  test('says so before sending when the position is outside the comune', async () => {
    await withBrowser({ permissions: ['geolocation'], geolocation: MILANO }, async (page) => {
      await page.goto(`${worker.url}/segnala/`);
      await page.getByLabel('Tema').selectOption('protezione-ambientale');
      await page.getByLabel('Argomento').selectOption('rifiuti-abbandonati');
      await page.getByRole('button', { name: 'Avanti' }).click();
      await page.locator('#map .leaflet-tile-loaded').first().waitFor();
      await page.getByRole('button', { name: 'Usa la mia posizione' }).click();
      await page.locator('#location-error').waitFor();
      assert.equal(await page.locator('#location-error').innerText(), 'Il punto indicato è fuori dal territorio del Comune.');
      await page.getByRole('button', { name: 'Avanti' }).click();
      assert.ok(await page.locator('fieldset[data-step="2"]').isVisible(), 'still on the place step');
    });
  });

  test('announces missing fields in a summary tied to the fields', async () => {
    await withBrowser({}, async (page) => {
      await page.goto(`${worker.url}/segnala/`);
      assert.equal(await page.getByRole('link', { name: 'English' }).getAttribute('href'), '/en/report/',
        'the language link leads to the same page in English');
      await page.getByRole('button', { name: 'Avanti' }).click();
      const summary = page.locator('#error-summary');
      assert.ok(await summary.isVisible());
      assert.equal(await summary.getAttribute('role'), 'alert');
      assert.ok(await summary.evaluate((el) => el === document.activeElement), 'focus moves to the summary');
      assert.equal(await page.locator('#theme').getAttribute('aria-invalid'), 'true', 'first the theme is missing');
      assert.match(await page.locator('#theme').getAttribute('aria-describedby'), /category-error/);
      assert.equal(await page.locator('#category-error').innerText(), "Scegli il tema, poi l'argomento della segnalazione.");
      assert.deepEqual(await accessibilityViolations(page), []);

      await page.getByLabel('Tema').selectOption('verde-urbano');
      assert.equal(await page.locator('#theme').getAttribute('aria-invalid'), null, 'a corrected field loses its error');
      assert.ok(!(await page.locator('#category-error').isVisible()));
      await page.getByRole('button', { name: 'Avanti' }).click();
      assert.equal(await page.locator('#category').getAttribute('aria-invalid'), 'true', 'then the category');
      assert.match(await page.locator('#category').getAttribute('aria-describedby'), /category-error/);
      assert.equal(await page.locator('#category-error').innerText(), "Scegli l'argomento della segnalazione.");
      await page.getByRole('link', { name: "Scegli l'argomento della segnalazione." }).click();
      assert.ok(await page.locator('#category').evaluate((el) => el === document.activeElement), 'the summary link leads to the field');
      assert.deepEqual(await accessibilityViolations(page), []);
    });
  });

  test('asks the chosen topic\'s own questions, checks them, shows them in the review and sends only those', async () => {
    await withBrowser({}, async (page) => {
      await page.goto(`${worker.url}/segnala/`);
      await page.getByLabel('Tema').selectOption('sicurezza');
      await page.getByLabel('Argomento').selectOption('veicoli-abbandonati');
      await page.getByRole('button', { name: 'Avanti' }).click();
      await page.getByLabel('Indirizzo o luogo di riferimento').fill('Via Moroni 300');
      await page.getByRole('button', { name: 'Avanti' }).click();

      const vehicles = page.locator('#questions-veicoli-abbandonati');
      assert.ok(await vehicles.isVisible(), 'the topic\'s questions are asked');
      assert.equal(await page.locator('.category-questions:visible').count(), 1, 'and no other topic\'s');
      assert.ok(!(await vehicles.locator('.questions-scope').isVisible()), 'no "answer only if" note with JavaScript');
      await page.getByLabel('Descrizione').fill('Auto ferma da mesi con le gomme a terra');
      await page.getByRole('button', { name: 'Avanti' }).click();
      const date = page.getByLabel('Da quando è lì, più o meno?');
      assert.equal(await date.getAttribute('aria-invalid'), 'true', 'a required question left blank stops the step');
      assert.equal(await page.locator('#answer_veicoli-abbandonati_da-quando__error').innerText(), 'Rispondi a questa domanda.');
      assert.deepEqual(await accessibilityViolations(page), []);
      await page.getByRole('link', { name: 'Rispondi a questa domanda.' }).click();
      assert.ok(await date.evaluate((el) => el === document.activeElement), 'the summary link leads to the question');
      await date.fill('2026-09-01');
      assert.equal(await date.getAttribute('aria-invalid'), null, 'answering clears the error');
      await page.getByLabel('Targa del veicolo').fill('AB 123 CD');
      await page.getByRole('button', { name: 'Avanti' }).click();
      await page.locator('label[for="privacy_accepted"]').click();
      await page.getByRole('button', { name: 'Avanti' }).click();
      let review = await page.locator('#review-list').innerText();
      assert.match(review, /Targa del veicolo\s+AB 123 CD/);
      assert.match(review, /Da quando è lì, più o meno\?\s+1 settembre 2026/);

      // Another topic: its questions replace the first one's, which are no longer sent.
      for (let step = 0; step < 4; step++) await page.getByRole('button', { name: 'Indietro' }).click();
      await page.getByLabel('Tema').selectOption('protezione-ambientale');
      await page.getByLabel('Argomento').selectOption('rifiuti-abbandonati');
      await page.getByRole('button', { name: 'Avanti' }).click();
      await page.getByRole('button', { name: 'Avanti' }).click();
      assert.ok(!(await vehicles.isVisible()));
      assert.ok(await page.locator('#questions-rifiuti-abbandonati').isVisible());
      // bootstrap-italia draws its own boxes: people click the labels.
      await page.locator('label[for="answer_rifiuti-abbandonati_tipo-rifiuti_pneumatici"]').click();
      await page.locator('label[for="answer_rifiuti-abbandonati_tipo-rifiuti_sacchi"]').click();
      await page.getByRole('button', { name: 'Avanti' }).click();
      await page.getByRole('button', { name: 'Avanti' }).click();
      review = await page.locator('#review-list').innerText();
      assert.match(review, /Che cosa è stato abbandonato\?\s+Sacchi di rifiuti, Pneumatici/);
      assert.doesNotMatch(review, /AB 123 CD/);
      await page.getByRole('button', { name: 'Invia la segnalazione' }).click();
      await page.waitForURL(/\/segnalazione\/[a-z2-7]{26}\?new=1$/);

      const admin = await signIn(worker, 'admin@comune.example.it');
      const found = await admin.get('/api/v1/staff/tickets?q=gomme%20a%20terra');
      const ticket = await admin.get(`/api/v1/staff/tickets/${found.body.tickets[0].number}`);
      assert.deepEqual(ticket.body.answers.map((a) => [a.code, a.answer]), [['tipo-rifiuti', 'Sacchi di rifiuti, Pneumatici']],
        'only the chosen topic\'s answers are sent');
    });
  });

  test('without JavaScript every topic\'s questions are on the page and only the chosen one\'s count', async () => {
    await withBrowser({ javaScriptEnabled: false }, async (page) => {
      await page.goto(`${worker.url}/en/report/`);
      assert.ok(await page.locator('#questions-buche-stradali').isVisible());
      assert.match(await page.locator('#questions-veicoli-abbandonati .questions-scope').innerText(),
        /Answer only if you chose the topic “Abandoned vehicles”/);
      await page.getByLabel('Topic').selectOption('veicoli-abbandonati');
      await page.getByLabel('Address or landmark').fill('Via Moroni 300');
      await page.getByLabel('Description').fill('A car left for months with flat tyres');
      await page.getByLabel('Number plate').fill('EF 456 GH');
      await page.getByLabel('How many street lights are off?').fill('7');
      await page.locator('label[for="privacy_accepted"]').click();
      await page.getByRole('button', { name: 'Send the report' }).click();
      await page.waitForURL(`${worker.url}/en/report/send`);
      assert.equal(await page.locator('#answer_veicoli-abbandonati_da-quando__error').innerText(), 'Answer this question.');
      assert.equal(await page.getByLabel('Number plate').inputValue(), 'EF 456 GH', 'answers are kept');
      await page.getByRole('link', { name: 'Answer this question.' }).click();
      assert.ok(await page.getByLabel('Since when has it been there, roughly?').evaluate((el) => el === document.activeElement));
      assert.deepEqual(await accessibilityViolationsOfHtml(await page.content(), worker.url), []);
      await page.getByLabel('Since when has it been there, roughly?').fill('2026-10-15');
      await page.getByRole('button', { name: 'Send the report' }).click();
      await page.waitForURL(/\/en\/reports\/[a-z2-7]{26}\?new=1$/);

      const admin = await signIn(worker, 'admin@comune.example.it');
      const found = await admin.get('/api/v1/staff/tickets?q=flat%20tyres');
      const ticket = await admin.get(`/api/v1/staff/tickets/${found.body.tickets[0].number}`);
      assert.deepEqual(ticket.body.answers.map((a) => [a.code, a.answer]), [['targa', 'EF 456 GH'], ['da-quando', '15 ottobre 2026']],
        'the street-light answer typed for another topic is not kept');
    });
  });

  test('can be completed with the keyboard alone, placing the report by address', async () => {
    await withBrowser({}, async (page) => {
      await page.goto(`${worker.url}/en/report/`);
      await page.locator('#theme').focus();
      await page.keyboard.press('ArrowDown'); // first theme
      await page.keyboard.press('Tab');
      await page.keyboard.press('ArrowDown'); // its first category
      const next = async () => {
        await page.locator('#step-next').focus();
        await page.keyboard.press('Enter');
      };
      await next();
      await page.locator('#address').focus();
      await page.keyboard.type('Piazza Vecchia');
      await next();
      await page.locator('#description').focus();
      await page.keyboard.type('A large pothole right in the middle of the square');
      await next();
      await page.locator('#privacy_accepted').focus();
      await page.keyboard.press('Space');
      await next();
      await page.locator('#submit-report').focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/en\/reports\/[a-z2-7]{26}\?new=1$/);
      assert.ok(await page.getByRole('heading', { name: 'Report sent' }).isVisible());
      assert.match(await page.locator('.ticket-facts').innerText(), /Piazza Vecchia/);
    });
  });

  test('without JavaScript the plain form files a report with a photo', async () => {
    await withBrowser({ javaScriptEnabled: false }, async (page) => {
      await page.goto(`${worker.url}/segnala/`);
      assert.ok(!(await page.locator('#map-block').isVisible()), 'no map without JavaScript');
      await page.getByLabel('Argomento').selectOption('rifiuti-abbandonati');
      await page.getByLabel('Indirizzo o luogo di riferimento').fill('Piazzale Marconi, vicino alla stazione');
      await page.getByLabel('Descrizione').fill('Sacchi di rifiuti abbandonati vicino alle campane del vetro');
      await page.getByLabel('Foto (facoltative)').setInputFiles(PHOTO);
      await page.locator('label[for="privacy_accepted"]').click();
      await page.getByRole('button', { name: 'Invia la segnalazione' }).click();
      await page.waitForURL(/\/segnalazione\/[a-z2-7]{26}\?new=1$/);
      assert.ok(await page.getByRole('heading', { name: 'Segnalazione inviata' }).isVisible());
      assert.match(await page.locator('.ticket-facts').innerText(), /Servizio Ambiente e Igiene Urbana/);
      assert.ok(await photoShown(page.locator('.ticket-photos img')), 'the photo is shown');
    });
  });

  test('without JavaScript errors come back next to the fields with the input kept', async () => {
    await withBrowser({ javaScriptEnabled: false }, async (page) => {
      await page.goto(`${worker.url}/en/report/`);
      await page.getByLabel('Topic').selectOption('semafori');
      await page.getByLabel('Description').fill('Broken');
      await page.getByLabel('E-mail').fill('not-an-address');
      // The browser's own checks would stop this post; a citizen's old browser may not have them.
      await page.locator('#report-form').evaluate((form) => form.setAttribute('novalidate', ''));
      await page.getByRole('button', { name: 'Send the report' }).click();
      await page.waitForURL(`${worker.url}/en/report/send`);
      assert.ok(await page.locator('#error-summary').isVisible());
      assert.equal(await page.locator('#description').inputValue(), 'Broken');
      assert.equal(await page.locator('#email').inputValue(), 'not-an-address');
      assert.equal(await page.locator('#category').inputValue(), 'semafori');
      assert.equal(await page.locator('#description-error').innerText(), 'The description needs at least 10 characters.');
      assert.equal(await page.locator('#location-error').innerText(), 'Write the address or a landmark (or mark the place on the map).');
      assert.equal(await page.locator('#privacy_accepted-error').innerText(),
        'To send the report you must confirm you have read the privacy notice.');
      assert.equal(await page.locator('#email').getAttribute('aria-invalid'), 'true');
      await page.getByRole('link', { name: 'The description needs at least 10 characters.' }).click();
      assert.ok(await page.locator('#description').evaluate((el) => el === document.activeElement), 'summary links lead to the field');
      assert.deepEqual(await accessibilityViolationsOfHtml(await page.content(), worker.url), []);
    });
  });

  test('the tracking lookup opens a report from its code and says when none matches', async () => {
    await withBrowser({}, async (page) => {
      const created = await (await fetch(`${worker.url}/api/v1/reports`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ category: 'cestini-pieni', description: 'Cestino pieno da giorni in piazza', address: 'Piazza Pontida', privacy_accepted: true }),
      })).json();
      await page.goto(`${worker.url}/segnalazione/`);
      await page.getByLabel('Codice di controllo o link').fill('aaaaaaaaaaaaaaaaaaaaaaaaaa');
      await page.getByRole('button', { name: 'Apri la segnalazione' }).click();
      assert.ok(await page.getByText('Nessuna segnalazione corrisponde a questo codice').isVisible());
      await page.getByLabel('Codice di controllo o link').fill(created.tracking_url);
      await page.getByRole('button', { name: 'Apri la segnalazione' }).click();
      await page.waitForURL(`${worker.url}/segnalazione/${created.tracking_token}`);
      assert.match(await page.locator('h1').innerText(), new RegExp(created.public_number));
      assert.ok(!(await page.locator('[data-slot="submitted"]').isVisible()), 'no confirmation box on a later visit');
      assert.deepEqual(await accessibilityViolations(page), []);
    });
  });
});
