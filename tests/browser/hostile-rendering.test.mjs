// Hostile text rendered in real Chromium (issue 9): reports, staff replies and notes, the
// citizen's follow-up, answers to a category's questions, staff and API-key names and an
// Open311 media_url carry script and HTML payloads (<script>, <img onerror>, "><svg onload>,
// javascript: URLs, {{ }} template syntax), then every page that shows them is opened:
// the tracking page, the public report page, the public dashboard, the staff inbox, ticket,
// accounts, audit and API-key pages, and "my reports". The pages are opened with their
// Content-Security-Policy bypassed, so escaping alone must hold: no payload may run (each
// sets window.__pwned and calls alert; dialogs are listened for), none may become an
// element or a javascript: link, and each must appear as text where the page shows it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { startTileServer } from '../support/tiles.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { pothole, postJson } from '../support/demo.mjs';
import { PASSWORD, createStaff, setupAdministrator, signIn } from '../support/staff.mjs';
import { allPayloads, mailsTo, scriptPayloads, staffSignInPage } from '../support/hostile.mjs';

const [, IMG] = scriptPayloads('x');
const P = {
  description: allPayloads('desc'),
  address: `"><svg onload="window.__pwned='addr';alert('addr')">`,
  name: `<script>window.__pwned='name'</script>`,
  reply: scriptPayloads('reply')[1],
  note: scriptPayloads('note')[2],
  publicReply: `Vedi ${scriptPayloads('pub')[3]} e ${scriptPayloads('pub')[4]}`,
  answer: scriptPayloads('answer')[0],
  notSolved: scriptPayloads('reopen')[1],
  message: `</textarea>${scriptPayloads('msg')[2]}`,
  finalAnswer: scriptPayloads('final')[4],
  rating: `</p>${scriptPayloads('rate')[1]}`,
  plate: `<img src=x onerror=alert('plate')>`,
  signs: `{{ 7*7 }} ${scriptPayloads('signs')[3]}`,
  reassign: scriptPayloads('move')[2],
  reject: scriptPayloads('reject')[0],
  staffName: `Op <img src=x onerror=alert('staff')>`,
  keyName: `App "><svg onload=alert('key')>`,
  mediaUrl: `https://app.example.org/foto?x="><svg/onload=window.__pwned='media'>`,
  open311Description: `${scriptPayloads('o311')[1]} sacchi abbandonati`,
};

describe('hostile text rendered in Chromium', () => {
  let worker, tiles, admin, operator, hostileStaff;
  const reports = {};
  const pagesOpened = [];

  const act = async (who, report, command) => {
    const { version } = (await who.get(`/api/v1/staff/tickets/${report.public_number}`)).body;
    const done = await who.post(`/api/v1/staff/tickets/${report.public_number}/actions`, { version, ...command });
    assert.equal(done.status, 200, `${command.action}: ${JSON.stringify(done.body)}`);
  };
  const citizen = async (report, what, body) => {
    const done = await postJson(`${worker.url}/api/v1/reports/${report.tracking_token}/${what}`, body);
    assert.equal(done.status, 201, `${what}: ${done.text}`);
  };

  before(async () => {
    tiles = await startTileServer();
    worker = await startWorker({ vars: { TILE_URL: tiles.url } });
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    await createStaff(admin, 'operatore.strade@comune.example.it', 'operator', 'strade-mobilita');
    operator = await signIn(worker, 'operatore.strade@comune.example.it');
    const created = await admin.post('/api/v1/staff/users', {
      email: 'ostile@comune.example.it', name: P.staffName, role: 'operator', office: 'strade-mobilita', password: PASSWORD,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    hostileStaff = await signIn(worker, 'ostile@comune.example.it');
    assert.equal((await admin.post('/api/v1/staff/api-keys', { name: P.keyName, contact: 'sviluppo@example.org' })).status, 201);

    // The comune publishes descriptions, so that the public page shows them too.
    const current = (await admin.get('/api/v1/staff/configuration')).body;
    const config = structuredClone(current.config);
    config.open_data = { ...(config.open_data ?? {}), publish_descriptions: true };
    assert.equal((await admin.post('/api/v1/staff/configuration/versions', { config, note: 'descrizioni', based_on: current.version ?? 0 })).status, 201);

    const file = async (body) => {
      const response = await postJson(`${worker.url}/api/v1/reports`, body);
      assert.equal(response.status, 201, response.text);
      return response.json;
    };
    reports.main = await file(pothole({ description: P.description, address: P.address, reporter: { name: P.name, email: 'ostile@example.org' }, answers: { dimensione: 'grande' } }));
    await act(hostileStaff, reports.main, { action: 'take_in_charge', reply: P.reply });
    await act(operator, reports.main, { action: 'internal_note', text: P.note });
    await citizen(reports.main, 'messages', { text: P.message });
    await act(operator, reports.main, { action: 'public_reply', text: P.publicReply });
    await act(operator, reports.main, { action: 'resolve', answer: P.answer });
    await citizen(reports.main, 'not-solved', { reason: P.notSolved });
    await act(operator, reports.main, { action: 'resolve', answer: P.finalAnswer });
    await citizen(reports.main, 'rating', { stars: 2, comment: P.rating });

    reports.vehicle = await file(pothole({ category: 'veicoli-abbandonati', description: `Auto ferma ${P.plate}`, reporter: { name: 'Auto', email: 'ostile@example.org' },
      answers: { targa: P.plate, 'da-quando': '2026-09-01', 'segni-abbandono': P.signs } }));
    await act(admin, reports.vehicle, { action: 'reassign', office: 'tributi', reason: P.reassign });
    reports.rejected = await file(pothole({ description: 'Segnalazione da respingere con testo ostile', reporter: { email: 'ostile@example.org' } }));
    await act(admin, reports.rejected, { action: 'reject', reason: 'not_competent', explanation: P.reject });

    const key = await admin.post('/api/v1/staff/api-keys', { name: 'App Open311', contact: 'sviluppo@example.org' });
    const open311 = await fetch(`${worker.url}/open311/v2/requests.json`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: key.body.secret, service_code: 'rifiuti-abbandonati', description: P.open311Description,
        lat: '45.6902', long: '9.6690', first_name: '<b>Nome</b>', last_name: P.name, media_url: P.mediaUrl }),
    });
    assert.equal(open311.status, 201, await open311.clone().text());
    reports.open311 = { public_number: (await open311.json())[0].service_request_id };
  });

  after(async () => {
    console.log(`hostile-rendering: ${pagesOpened.length} pages opened in Chromium with CSP bypassed, ${Object.keys(P).length} payload fields, 0 executed`);
    await worker?.stop();
    await tiles?.stop();
  });

  /**
   * Opens `path` and checks that nothing ran and nothing became markup; `shown` are texts
   * that must be in the page as text (each under `within`, or anywhere in the body).
   */
  async function check(page, path, shown, { within = 'body', ready } = {}) {
    const dialogs = [];
    const onDialog = (dialog) => { dialogs.push(dialog.message()); dialog.dismiss().catch(() => {}); };
    page.on('dialog', onDialog);
    try {
      await page.goto(`${worker.url}${path}`);
      if (ready) await page.locator(ready).first().waitFor({ timeout: 15_000 });
      await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => {});
      pagesOpened.push(path);
      const found = await page.evaluate(() => {
        const injected = [];
        for (const node of document.querySelectorAll('*')) {
          for (const attribute of node.attributes) {
            if (/^on/i.test(attribute.name)) injected.push(`${node.tagName} ${attribute.name}="${attribute.value}"`);
            if (/^(href|src|action|formaction|xlink:href)$/i.test(attribute.name) && /^\s*javascript:/i.test(attribute.value)) {
              injected.push(`${node.tagName} ${attribute.name}="${attribute.value}"`);
            }
          }
          if (node.tagName === 'SCRIPT' && /__pwned/.test(node.textContent)) injected.push('an inline script');
          if (node.tagName === 'IMG' && node.getAttribute('src') === 'x') injected.push('an img with src=x');
        }
        return { pwned: window.__pwned ?? null, injected, text: document.body.textContent };
      });
      assert.equal(found.pwned, null, `${path}: a payload ran (${found.pwned})`);
      assert.deepEqual(dialogs, [], `${path}: a payload opened a dialog`);
      assert.deepEqual(found.injected, [], `${path}: a payload became markup`);
      for (const text of shown) {
        const inside = await page.locator(within).first().evaluate((el) => el.textContent);
        assert.ok(inside.includes(text), `${path}: ${JSON.stringify(text)} not shown as text in ${within}`);
      }
    } finally {
      page.off('dialog', onDialog);
    }
  }

  async function withBrowser(body) {
    const browser = await launchBrowser({ bypassCSP: true });
    const errors = [];
    try {
      const page = await browser.context.newPage();
      page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
      await body(page);
      assert.deepEqual(errors, [], 'no script failed on the hostile text');
    } finally {
      await browser.close();
    }
  }

  test('control: with the policy bypassed, a payload that did become markup would be caught', async () => {
    await withBrowser(async (page) => {
      const dialogs = [];
      page.on('dialog', (dialog) => { dialogs.push(dialog.message()); dialog.dismiss().catch(() => {}); });
      await page.goto(`${worker.url}/segnalazione/${reports.main.tracking_token}`);
      await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', html), IMG);
      await page.waitForFunction(() => window.__pwned, null, { timeout: 5000 });
      assert.equal(await page.evaluate(() => window.__pwned), 'x-img', 'an injected handler runs here, so the checks below would see one');
      assert.deepEqual(dialogs, ['x']);
    });
  });

  test('the tracking page shows every payload as text and runs none', async () => {
    await withBrowser(async (page) => {
      for (const prefix of ['/segnalazione', '/en/reports']) {
        await check(page, `${prefix}/${reports.main.tracking_token}`, [
          P.description, P.address, P.reply, P.publicReply, P.answer, P.notSolved, P.message, P.finalAnswer, P.rating.replace('</p>', ''),
        ]);
        assert.ok(!(await page.locator('body').textContent()).includes(P.note), 'internal notes never shown');
        assert.ok(!(await page.locator('body').textContent()).includes(P.name), 'the reporter\'s name never shown');
      }
      await check(page, `/segnalazione/${reports.vehicle.tracking_token}`, [P.reassign, `Auto ferma ${P.plate}`]);
      await check(page, `/segnalazione/${reports.rejected.tracking_token}`, [P.reject]);
      await check(page, `/segnalazione/cerca?code=${encodeURIComponent(P.address)}`, []);
      assert.equal(await page.locator('input[name="code"]').inputValue(), P.address, 'the typed code comes back as a value');
    });
  });

  test('the public report pages and the public dashboard run nothing', async () => {
    await withBrowser(async (page) => {
      await check(page, `/segnalazioni/${reports.main.public_number}`, [P.description]);
      await check(page, `/en/public-reports/${reports.main.public_number}`, [P.description]);
      await check(page, `/segnalazioni/${reports.open311.public_number}`, [P.open311Description]);
      await check(page, '/cruscotto/', []);
      // The map loads its data when it comes near the screen.
      await page.locator('#reports-map').scrollIntoViewIfNeeded().catch(() => {});
      await page.locator('#reports-map .leaflet-marker-icon, #reports-map .marker-cluster').first().waitFor({ timeout: 15_000 }).catch(() => {});
      await check(page, '/en/dashboard/', []);
      await check(page, `/cruscotto/?category=${encodeURIComponent(P.address)}`, []);
    });
  });

  test('the staff inbox and ticket pages show every payload as text and run none', async () => {
    await withBrowser(async (page) => {
      await staffSignInPage(page, worker, 'admin@comune.example.it', PASSWORD);
      await check(page, '/staff/segnalazioni/?status=all', [P.address], { ready: '#inbox-table tbody tr, table tbody tr' });
      await check(page, `/staff/segnalazioni/${reports.main.public_number}`, [
        P.description, P.address, P.reply, P.note, P.publicReply, P.answer, P.notSolved, P.message, P.finalAnswer, P.staffName,
      ], { ready: '#ticket:not([hidden])' });
      assert.equal(await page.locator('#t-description').textContent(), P.description);
      assert.match(await page.locator('#t-reporter').textContent(), /<script>window\.__pwned='name'<\/script>/);
      await check(page, `/staff/segnalazioni/${reports.vehicle.public_number}`, [P.plate, P.signs, P.reassign], { ready: '#ticket:not([hidden])' });
      await check(page, `/staff/segnalazioni/${reports.rejected.public_number}`, [P.reject], { ready: '#ticket:not([hidden])' });
      await check(page, `/staff/segnalazioni/${reports.open311.public_number}`, [P.open311Description, P.mediaUrl], { ready: '#ticket:not([hidden])' });
      const media = page.locator(`#t-photos a[href^="https://app.example.org"]`);
      assert.equal(await media.count(), 1, 'the media_url is a plain link');
      assert.equal(await media.getAttribute('href'), P.mediaUrl);
      await check(page, `/staff/segnalazioni/?q=${encodeURIComponent(P.address)}&office=${encodeURIComponent(IMG)}`, []);
      await check(page, '/staff/utenti/', [P.staffName], { ready: 'table tbody tr' });
      await check(page, '/staff/registro/', [], { ready: 'table tbody tr' });
      await check(page, '/staff/chiavi-api/', [P.keyName], { ready: 'table tbody tr' });
    });
  });

  test('"my reports" shows the history as text and runs nothing', async () => {
    await withBrowser(async (page) => {
      assert.equal((await postJson(`${worker.url}/api/v1/citizen/sign-in`, { email: 'ostile@example.org' })).status, 202);
      const [message] = await mailsTo(worker, (m) => m.to.includes('ostile@example.org') && /accesso\//.test(m.text));
      assert.ok(message, 'a sign-in link');
      const link = new URL(message.text.match(/http\S+\/accesso\/[a-z2-7]{26}/)[0]).pathname;
      await page.goto(`${worker.url}${link}`);
      await page.getByRole('button', { name: 'Accedi' }).click();
      await page.waitForURL(/\/le-mie-segnalazioni\/$/);
      await check(page, '/le-mie-segnalazioni/', [P.reply, P.publicReply, P.message, P.notSolved], { within: '[data-slot="my-list"]' });
      await check(page, '/en/my-reports/', [P.finalAnswer, P.reject]);
    });
  });
});
