// The staff dashboard in real Chromium: signing in from a deep link, working a ticket from
// received to resolved through the page's forms, a citizen's HTML shown as text, a stale
// page told to reload, bulk actions, filters in the address, admin pages refused to an
// operator, accounts created by an administrator, signing out; axe on every page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { startTileServer } from '../support/tiles.mjs';
import { accessibilityViolations, launchBrowser } from '../support/browser.mjs';
import { pothole, postJson } from '../support/demo.mjs';
import { PASSWORD, createStaff, setupAdministrator, signIn } from '../support/staff.mjs';

const XSS = 'Buca enorme <img src=x onerror="window.__xss=1"><script>window.__xss=2</script> davanti alla scuola';

describe('staff dashboard in Chromium', () => {
  let worker, tiles, admin, operator;
  before(async () => {
    tiles = await startTileServer();
    worker = await startWorker({ vars: { TILE_URL: tiles.url } });
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    await createStaff(admin, 'operatore.strade@comune.example.it', 'operator', 'strade-mobilita');
    operator = await signIn(worker, 'operatore.strade@comune.example.it');
  });
  after(async () => {
    await worker?.stop();
    await tiles?.stop();
  });

  const report = async (overrides) => (await postJson(`${worker.url}/api/v1/reports`, pothole(overrides))).json;

  /** A browser page signed in through the sign-in form, starting from `path`. */
  async function withStaffPage(email, path, body) {
    const browser = await launchBrowser();
    const problems = [];
    try {
      const page = await browser.context.newPage();
      page.on('pageerror', (error) => problems.push(error.message));
      // Refused requests (409, 422...) are part of the tests; scripts must not fail.
      page.on('console', (message) => {
        if (message.type() === 'error' && !/^Failed to load resource/.test(message.text())) problems.push(message.text());
      });
      await page.goto(`${worker.url}${path}`);
      assert.match(new URL(page.url()).pathname, /^\/staff\/accesso\/$/);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Entra' }).click();
      await page.waitForURL((url) => !url.pathname.startsWith('/staff/accesso'));
      await body(page);
      assert.deepEqual(problems, [], 'no script errors');
    } finally {
      await browser.close();
    }
  }

  const historyLabels = (page) => page.locator('#t-history > li > strong').allInnerTexts();

  async function act(page, action, fill = async () => {}) {
    const panel = page.locator(`details[data-action="${action}"]`);
    await panel.locator('summary').click();
    await fill(panel);
    await panel.locator('button[type="submit"]').click();
  }

  test('an operator signs in from a link, finds the ticket and works it from received to resolved', async () => {
    const ticket = await report({ description: XSS });
    await withStaffPage('operatore.strade@comune.example.it', `/staff/segnalazioni/${ticket.public_number}`, async (page) => {
      assert.equal(new URL(page.url()).pathname, `/staff/segnalazioni/${ticket.public_number}`, 'back where the link pointed');
      await page.locator('#ticket:not([hidden])').waitFor();
      assert.equal(await page.locator('#t-description').textContent(), XSS, 'the citizen\'s HTML is shown as text');
      assert.equal(await page.locator('#ticket img[src="x"], #ticket script').count(), 0);
      assert.equal(await page.evaluate(() => window.__xss), undefined, 'nothing from the citizen ran');
      assert.equal(await page.locator('#t-reporter').textContent(), 'Mario Rossi · mario.rossi@example.it');
      assert.equal(await page.locator('#t-status').textContent(), 'Ricevuta');
      await page.locator('#ticket-map .leaflet-marker-icon').waitFor();
      assert.deepEqual(await accessibilityViolations(page), []);

      await act(page, 'take_in_charge', (panel) => panel.getByLabel(/Messaggio al cittadino/).fill('Abbiamo ricevuto la segnalazione.'));
      await page.locator('#action-message', { hasText: 'Fatto' }).waitFor();
      assert.equal(await page.locator('#t-status').textContent(), 'Presa in carico');
      await act(page, 'internal_note', (panel) => panel.getByLabel('Nota').fill('Chiamare la ditta <b>Rossi</b>'));
      await page.locator('#t-history .internal').first().waitFor();
      assert.equal(await page.locator('#t-assignee').textContent(), 'operatore.strade', 'whoever takes it in charge holds it');
      await act(page, 'assign', (panel) => panel.getByLabel('Assegna a').selectOption({ label: 'Nessuno (libera la segnalazione)' }));
      await page.locator('#t-assignee', { hasText: 'nessuno' }).waitFor();
      await act(page, 'start_work');
      await page.locator('#t-status', { hasText: 'In lavorazione' }).waitFor();

      // Resolving without the answer the citizen will read is refused, on the page.
      await act(page, 'resolve');
      await page.locator('details[data-action="resolve"] .alert-danger', { hasText: 'Risposta al cittadino' }).waitFor();
      assert.equal(await page.locator('#t-status').textContent(), 'In lavorazione');
      await page.locator('details[data-action="resolve"] textarea').fill('Buca chiusa con asfalto a freddo.');
      await page.locator('details[data-action="resolve"] button[type="submit"]').click();
      await page.locator('#t-status', { hasText: 'Risolta' }).waitFor();

      assert.deepEqual(await historyLabels(page), [
        'Risolta', 'Lavori avviati', 'Assegnata', 'Nota interna', 'Presa in carico', 'Segnalazione ricevuta',
      ]);
      assert.equal(await page.locator('#t-history .internal .event-note').textContent(), 'Chiamare la ditta <b>Rossi</b>');
      assert.match(await page.locator('#t-history > li').first().innerText(), /da operatore\.strade/);
      assert.deepEqual(await page.locator('#actions details').evaluateAll((all) => all.map((d) => d.dataset.action)),
        ['internal_note', 'reopen'], 'a resolved ticket can only be noted or reopened');
      assert.deepEqual(await accessibilityViolations(page), []);
    });
    const publicView = await (await fetch(`${worker.url}/api/v1/reports/${ticket.tracking_token}`)).json();
    assert.equal(publicView.status, 'resolved');
    assert.ok(!JSON.stringify(publicView).includes('ditta'), 'the internal note stayed internal');
  });

  test('the answers to the topic\'s questions are on the ticket, as text', async () => {
    const ticket = await report({
      category: 'veicoli-abbandonati',
      description: 'Auto ferma da mesi in via Moroni',
      answers: { 'da-quando': '2026-09-01', 'segni-abbandono': '<b onmouseover="window.__xss=3">Vetri</b> rotti\ne gomme a terra' },
    });
    await withStaffPage('admin@comune.example.it', `/staff/segnalazioni/${ticket.public_number}`, async (page) => {
      await page.locator('#ticket:not([hidden])').waitFor();
      assert.ok(await page.locator('#answers-block').isVisible());
      assert.deepEqual(await page.locator('#t-answers dt').allInnerTexts(),
        ['Da quando è lì, più o meno?', 'Da che cosa si capisce che è abbandonato?']);
      assert.deepEqual(await page.locator('#t-answers dd').allTextContents(),
        ['1 settembre 2026', '<b onmouseover="window.__xss=3">Vetri</b> rotti\ne gomme a terra']);
      assert.equal(await page.locator('#t-answers b').count(), 0, 'the citizen\'s markup is not rendered');
      assert.deepEqual(await accessibilityViolations(page), []);
    });
    const plain = await report({ category: 'marciapiedi' });
    await withStaffPage('admin@comune.example.it', `/staff/segnalazioni/${plain.public_number}`, async (page) => {
      await page.locator('#ticket:not([hidden])').waitFor();
      assert.ok(!(await page.locator('#answers-block').isVisible()), 'no questions, no section');
    });
  });

  test('an action on a ticket someone else changed meanwhile is refused and the page shows the new state', async () => {
    const ticket = await report();
    await withStaffPage('operatore.strade@comune.example.it', `/staff/segnalazioni/${ticket.public_number}`, async (page) => {
      await page.locator('#ticket:not([hidden])').waitFor();
      const changed = await admin.post(`/api/v1/staff/tickets/${ticket.public_number}/actions`,
        { version: 1, action: 'internal_note', text: 'nota di un collega' });
      assert.equal(changed.status, 200);
      await act(page, 'take_in_charge', (panel) => panel.locator('textarea').fill('Ce ne occupiamo da domani.'));
      await page.locator('#action-message', { hasText: 'qualcun altro' }).waitFor();
      await page.locator('#t-history li.internal', { hasText: 'nota di un collega' }).waitFor();
      assert.equal(await page.locator('#t-status').textContent(), 'Ricevuta', 'the stale action did nothing');
      const panel = page.locator('details[data-action="take_in_charge"]');
      assert.equal(await panel.locator('textarea').inputValue(), 'Ce ne occupiamo da domani.', 'what was typed is kept');
      await panel.locator('button[type="submit"]').click();
      await page.locator('#t-status', { hasText: 'Presa in carico' }).waitFor();
      assert.match(await page.locator('#t-history > li').first().innerText(), /Ce ne occupiamo da domani\./);
    });
  });

  test('an e-mail the provider refused shows on the ticket with its reason and is sent again from the page', async () => {
    const refused = 'casella.piena@example.it';
    worker.mail.fail({ to: refused, status: 422, body: { statusCode: 422, name: 'validation_error', message: 'Invalid `to` field.' } });
    const ticket = await report({ reporter: { email: refused }, description: 'Cartello stradale piegato' });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const emails = (await operator.get(`/api/v1/staff/tickets/${ticket.public_number}`)).body.emails;
      if (emails.some((e) => e.state === 'failed')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await withStaffPage('operatore.strade@comune.example.it', `/staff/segnalazioni/${ticket.public_number}`, async (page) => {
      const row = page.locator('#t-emails tr', { hasText: refused });
      await row.locator('.email-failed').waitFor();
      assert.match(await row.innerText(), /Motivo: 422 validation_error: Invalid `to` field\./);
      assert.deepEqual(await accessibilityViolations(page), []);
      await row.getByRole('button', { name: /Invia di nuovo/ }).click();
      await page.locator('#email-message', { hasText: 'di nuovo in coda' }).waitFor();
      assert.equal(await row.getByRole('button').count(), 0, 'no second resend while it is queued');
    });
    const deadlineSent = Date.now() + 30_000;
    const arrived = () => worker.mail.messages().some((m) => m.to[0] === refused);
    while (Date.now() < deadlineSent && !arrived()) await new Promise((resolve) => setTimeout(resolve, 250));
    assert.ok(arrived(), 'sent again, and accepted this time');
  });

  test('the inbox filters through the address, counts per status, exports what it shows and acts in bulk', async () => {
    const marker = `lampione-${Date.now()}`;
    const first = await report({ description: `Prima ${marker} spento da giorni` });
    const second = await report({ description: `Seconda ${marker} spento da giorni` });
    await report({ description: 'Altra buca che non deve comparire nella ricerca' });
    await withStaffPage('operatore.strade@comune.example.it', '/staff/segnalazioni/', async (page) => {
      await page.locator('#inbox-rows tr[data-number]').first().waitFor();
      assert.match(await page.locator('#inbox-scope').textContent(), /Manutenzione Strade/);
      await page.getByLabel('Cerca per numero, descrizione o indirizzo').fill(marker);
      await page.getByRole('button', { name: 'Applica i filtri' }).click();
      await page.waitForURL(/q=lampione/);
      const url = new URL(page.url());
      assert.equal(url.searchParams.get('q'), marker);
      assert.equal(url.searchParams.get('office'), null, 'empty filters stay out of the address');
      await page.locator('#results-summary', { hasText: '2 segnalazioni' }).waitFor();
      assert.deepEqual(await page.locator('#inbox-rows tr').evaluateAll((rows) => rows.map((r) => r.dataset.number)),
        [second.public_number, first.public_number]);
      const csv = new URL(await page.locator('#export-csv').getAttribute('href'), worker.url);
      assert.equal(csv.pathname, '/api/v1/staff/tickets.csv');
      assert.equal(csv.searchParams.get('q'), marker);
      const exported = await page.evaluate(async (href) => (await fetch(href)).text(), csv.href);
      assert.ok(exported.includes(first.public_number) && exported.includes(second.public_number));
      assert.equal(exported.trim().split('\n').length, 3, 'a header and the two filtered tickets');
      assert.match(await page.locator('#status-counts a[aria-current="true"]').innerText(), /Aperte\s+2/);
      assert.deepEqual(await accessibilityViolations(page), []);

      await page.getByLabel('Seleziona tutte le segnalazioni della pagina').check();
      await page.getByLabel('Azione sulle selezionate').selectOption('take_in_charge');
      await page.locator('#bulk-text').fill('Presa in carico insieme alle altre segnalazioni della via.');
      await page.getByRole('button', { name: 'Applica', exact: true }).click();
      await page.locator('#bulk-results', { hasText: 'Azione applicata a 2 su 2' }).waitFor();
      await page.locator('#inbox-rows tr[data-number] .status-badge', { hasText: 'Presa in carico' }).nth(1).waitFor();

      await page.getByRole('button', { name: 'Mappa' }).click();
      await page.locator('#inbox-map path.leaflet-interactive').nth(1).waitFor();
      assert.equal(await page.locator('#inbox-map path.leaflet-interactive').count(), 2);
      assert.match(await page.locator('#map-note').textContent(), /^2 segnalazioni filtrate hanno un punto/);
      // The map may still be zooming to the points: the click goes to the marker itself.
      await page.locator('#inbox-map path.leaflet-interactive').first().dispatchEvent('click');
      await page.locator('.leaflet-popup-content a', { hasText: /^2026-/ }).waitFor();

      // A bad filter in the address is named, not ignored.
      await page.goto(`${worker.url}/staff/segnalazioni/?from=2026-13-40`);
      await page.locator('#page-message', { hasText: 'Ricevute dal' }).waitFor();
      assert.equal(await page.locator('#f-from').getAttribute('aria-invalid'), 'true');
    });
    for (const ticket of [first, second]) {
      const view = await (await fetch(`${worker.url}/api/v1/reports/${ticket.tracking_token}`)).json();
      assert.equal(view.status, 'taken_in_charge');
    }
  });

  test('an operator is refused the administration pages and signs out', async () => {
    await withStaffPage('operatore.strade@comune.example.it', '/staff/utenti/', async (page) => {
      assert.equal(new URL(page.url()).pathname, '/staff/utenti/');
      await page.getByRole('heading', { name: 'Accesso non consentito' }).waitFor();
      await page.goto(`${worker.url}/staff/segnalazioni/`);
      await page.locator('#staff-nav:not([hidden])').waitFor();
      assert.deepEqual(await page.locator('#staff-nav a:visible').allInnerTexts(), ['Segnalazioni', 'Sito pubblico']);
      await page.getByRole('button', { name: 'Esci' }).click();
      await page.waitForURL(/\/staff\/accesso\/$/);
      await page.goto(`${worker.url}/staff/segnalazioni/`);
      assert.equal(new URL(page.url()).pathname, '/staff/accesso/', 'signed out for good');
      assert.deepEqual(await accessibilityViolations(page), []);
    });
  });

  test('an administrator creates an account, disables it, and finds both in the audit log', async () => {
    await withStaffPage('admin@comune.example.it', '/staff/utenti/', async (page) => {
      await page.locator('#users-rows tr').first().waitFor();
      const form = page.locator('#new-form');
      await form.getByLabel('Nome e cognome').fill('Giulia Verdi');
      await form.getByLabel('Email di lavoro').fill('giulia.verdi@comune.example.it');
      await form.getByLabel('Ruolo').selectOption('referent');
      await form.getByLabel(/Password iniziale/).fill('corta');
      await form.getByRole('button', { name: 'Crea l\'account' }).click();
      await page.locator('#new-errors', { hasText: 'Ufficio' }).waitFor();
      assert.match(await page.locator('#new-errors').innerText(), /Password: deve avere almeno 12 caratteri/);
      await form.getByLabel(/Ufficio/).selectOption('verde-pubblico');
      await form.getByLabel(/Password iniziale/).fill(PASSWORD);
      await form.getByRole('button', { name: 'Crea l\'account' }).click();
      await page.locator('#users-rows tr[data-email="giulia.verdi@comune.example.it"]').waitFor();
      assert.deepEqual(await accessibilityViolations(page), []);

      await page.getByRole('button', { name: 'Modifica l\'account di Giulia Verdi' }).click();
      // The kit draws the box on the label, which is what people click.
      await page.locator('#edit-form label[for="e-active"]').click();
      assert.equal(await page.locator('#e-active').isChecked(), false);
      await page.getByRole('button', { name: 'Salva le modifiche' }).click();
      await page.locator('#users-rows tr[data-email="giulia.verdi@comune.example.it"]', { hasText: 'disattivato' }).waitFor();

      await page.getByRole('link', { name: 'Registro attività' }).click();
      await page.locator('#audit-rows tr').first().waitFor();
      const log = await page.locator('#audit-rows').innerText();
      assert.match(log, /Account modificato/);
      assert.match(log, /Account creato[\s\S]*giulia\.verdi@comune\.example\.it/);
      assert.deepEqual(await accessibilityViolations(page), []);
    });
    const refused = await fetch(`${worker.url}/api/v1/staff/session`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'giulia.verdi@comune.example.it', password: PASSWORD }),
    });
    assert.equal(refused.status, 401, 'the disabled account cannot sign in');
  });

  test('an administrator edits offices, targets and routing in the configuration page, saves and rolls back', async () => {
    await withStaffPage('admin@comune.example.it', '/staff/configurazione/', async (page) => {
      await page.locator('#config-status', { hasText: 'versione 0' }).waitFor();
      await page.locator('fieldset[data-office="urp"]').getByLabel('Referente: nome e cognome').fill('Paola Neri');
      await page.getByRole('heading', { name: 'Tempi di risposta' }).click();
      await page.getByLabel('Presa in carico entro, giorni lavorativi: Strade e viabilità › Buche e dissesti stradali').fill('2');
      await page.getByRole('heading', { name: 'Instradamento' }).click();
      await page.getByLabel('Ufficio della regola strade', { exact: true }).selectOption('urp');
      await page.getByRole('button', { name: 'Controlla le modifiche' }).click();
      await page.locator('#config-messages', { hasText: 'Cambiano 3 voci' }).waitFor();
      const changes = await page.locator('#config-messages li').allInnerTexts();
      assert.ok(changes.some((c) => /^offices\[\d+\]\.referent\.name$/.test(c)), changes.join());
      assert.ok(changes.some((c) => /^themes\[\d+\]\.categories\[\d+\]\.targets\.take_in_charge_days$/.test(c)), changes.join());
      assert.ok(changes.some((c) => /^routing\.rules\[\d+\]\.office$/.test(c)), changes.join());
      assert.deepEqual(await accessibilityViolations(page), []);

      await page.getByRole('button', { name: 'Salva come nuova versione' }).click();
      await page.locator('#config-messages', { hasText: 'Scrivi il motivo' }).waitFor();
      await page.getByLabel(/Motivo della modifica/).fill('Buche all\'URP per il periodo estivo');
      await page.getByRole('button', { name: 'Salva come nuova versione' }).click();
      await page.locator('#config-messages', { hasText: 'Salvata la versione 1' }).waitFor();
      assert.match(await page.locator('#config-status').innerText(), /versione 1, salvata da Amministratrice Demo/);
      const routed = await (await fetch(`${worker.url}/api/v1/reports/${(await report()).tracking_token}`)).json();
      assert.equal(routed.office.id, 'urp', 'new reports follow the new rule');
      assert.equal(routed.take_in_charge_days, 2);

      await page.getByRole('heading', { name: 'Testo JSON completo' }).click();
      const editor = page.getByLabel('Configurazione in vigore (JSON)');
      await editor.fill('{ "non": "chiuso"');
      await page.getByRole('button', { name: 'Controlla le modifiche' }).click();
      await page.locator('#config-messages', { hasText: 'non è JSON valido' }).waitFor();

      await page.getByRole('button', { name: 'Ripristina la versione 0' }).click();
      await page.locator('#config-messages', { hasText: 'come nuova versione 2' }).waitFor();
      assert.deepEqual(await page.locator('#versions-rows tr').evaluateAll((rows) => rows.map((r) => r.dataset.version)), ['2', '1', '0']);
      assert.ok(!(await editor.inputValue()).includes('Paola Neri'));
      const back = await (await fetch(`${worker.url}/api/v1/reports/${(await report()).tracking_token}`)).json();
      assert.equal(back.office.id, 'strade-mobilita', 'the rollback is in force');
    });
  });

  test('an administrator makes an Open311 key shown once, sees what its application filed, and revokes it', async () => {
    const fileWith = (key, description) => fetch(`${worker.url}/open311/v2/requests.json`, {
      method: 'POST',
      body: new URLSearchParams({
        api_key: key, service_code: 'buche-stradali', description, lat: '45.695', long: '9.67',
        first_name: 'Lucia', last_name: 'Ferri', phone: '035 998877', media_url: 'https://app.example.org/f/1.jpg',
      }),
    });
    await withStaffPage('admin@comune.example.it', '/staff/chiavi-api/', async (page) => {
      await page.locator('#keys-empty:not([hidden])').waitFor();
      const form = page.locator('#new-form');
      await form.getByLabel(/Email del referente/).fill('non-una-mail');
      await form.getByRole('button', { name: 'Crea la chiave' }).click();
      await page.locator('#new-errors', { hasText: 'Chiave non creata' }).waitFor();
      await form.getByLabel(/Applicazione/).fill('App Quartiere <b>Sud</b>');
      await form.getByLabel(/Email del referente/).fill('sviluppo@example.org');
      await form.getByRole('button', { name: 'Crea la chiave' }).click();
      await page.locator('#issued-section:not([hidden])').waitFor();
      const secret = await page.locator('#issued-secret').inputValue();
      assert.match(secret, /^sgn_[a-z2-7]{32}$/);
      assert.equal(await page.locator('#issued-name').textContent(), 'App Quartiere <b>Sud</b>', 'names are text');
      const row = page.locator('#keys-rows tr').first();
      await row.waitFor();
      assert.match(await row.innerText(), new RegExp(`${secret.slice(0, 10)}…`));
      assert.ok(!(await page.locator('#keys-table').innerText()).includes(secret), 'the table never shows the key');
      assert.deepEqual(await accessibilityViolations(page), []);

      const filed = await fileWith(secret, 'Buca larga davanti alla fermata del bus');
      assert.equal(filed.status, 201);
      const [{ service_request_id: number }] = await filed.json();
      await page.goto(`${worker.url}/staff/segnalazioni/${number}`);
      await page.locator('#ticket:not([hidden])').waitFor();
      assert.equal(await page.locator('#t-channel').textContent(), 'applicazione «App Quartiere <b>Sud</b>» (Open311)');
      assert.equal(await page.locator('#t-reporter').textContent(), 'Lucia Ferri · 035 998877');
      const link = page.locator('#t-photos a[href="https://app.example.org/f/1.jpg"]');
      assert.equal(await link.count(), 1, 'the application\'s photo is a link');
      assert.equal(await page.locator('#t-photos img').count(), 0, 'and never loaded into the page');

      await page.goto(`${worker.url}/staff/chiavi-api/`);
      await page.locator('#keys-rows tr').first().waitFor();
      assert.match(await page.locator('#keys-rows tr').first().innerText(), /\b1\b/);
      await page.getByRole('button', { name: 'Revoca la chiave di App Quartiere <b>Sud</b>' }).click();
      await page.getByRole('button', { name: /Conferma la revoca/ }).click();
      await page.locator('#page-message', { hasText: 'revocata' }).waitFor();
      await page.locator('#keys-rows tr', { hasText: 'revocata' }).waitFor();
      assert.equal((await fileWith(secret, 'Dopo la revoca non deve entrare')).status, 403);

      await page.getByRole('link', { name: 'Registro attività' }).click();
      await page.locator('#audit-rows tr').first().waitFor();
      const log = await page.locator('#audit-rows').innerText();
      assert.match(log, /Chiave API revocata/);
      assert.match(log, /Chiave API creata/);
      assert.ok(!log.includes(secret));
    });
  });

  test('the sign-in page explains a wrong password and passes axe', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${worker.url}/staff/accesso/`);
      await page.getByLabel('Email').fill('admin@comune.example.it');
      await page.getByLabel('Password').fill('non è la password giusta');
      await page.getByRole('button', { name: 'Entra' }).click();
      await page.getByRole('alert').filter({ hasText: 'Email o password non corretti.' }).waitFor();
      assert.deepEqual(await accessibilityViolations(page), []);
    } finally {
      await browser.close();
    }
  });
});
