// The citizen's tracking page after an office has worked the report, in real Chromium:
// every public step with its date, office and answer, newest first; internal notes and
// staff names never shown; staff text shown as text, not markup; both languages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startWorker } from '../support/worker.mjs';
import { accessibilityViolations, launchBrowser } from '../support/browser.mjs';
import { pothole, postJson } from '../support/demo.mjs';
import { createStaff, setupAdministrator, signIn } from '../support/staff.mjs';

describe('tracking timeline in Chromium', () => {
  let worker, admin, operator;
  before(async () => {
    worker = await startWorker();
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    await createStaff(admin, 'operatore.strade@comune.example.it', 'operator', 'strade-mobilita');
    operator = await signIn(worker, 'operatore.strade@comune.example.it');
  });
  after(async () => { await worker?.stop(); });

  async function work(who, report, commands) {
    let version = (await who.get(`/api/v1/staff/tickets/${report.public_number}`)).body.version;
    for (const command of commands) {
      const response = await who.post(`/api/v1/staff/tickets/${report.public_number}/actions`, { version, ...command });
      assert.equal(response.status, 200, `${command.action}: ${JSON.stringify(response.body)}`);
      version = response.body.version;
    }
  }

  async function open(url, body) {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(url);
      await body(page);
    } finally {
      await browser.close();
    }
  }

  const entries = (page) => page.locator('.ticket-history > li').evaluateAll((items) => items.map((li) => ({
    label: li.querySelector('strong')?.textContent,
    office: li.querySelector('.event-office')?.textContent ?? null,
    note: li.querySelector('.event-note')?.textContent ?? null,
    time: li.querySelector('time')?.getAttribute('datetime'),
  })));

  test('shows every public step of a worked report, newest first, without internal notes', async () => {
    const report = (await postJson(`${worker.url}/api/v1/reports`, pothole())).json;
    await work(operator, report, [
      { action: 'take_in_charge', reply: 'Abbiamo ricevuto la sua segnalazione.' },
      { action: 'internal_note', text: 'SEGRETO: chiamare la ditta Rossi' },
      { action: 'start_work' },
      { action: 'reassign', office: 'illuminazione', reason: 'Il tombino è sotto un lampione: se ne occupa l\'illuminazione' },
    ]);
    await work(admin, report, [
      { action: 'take_in_charge' },
      { action: 'public_reply', text: 'Sopralluogo <img src=x onerror="document.title=\'xss\'"> fissato per lunedì.' },
      { action: 'resolve', answer: 'Tombino sistemato il 3 dicembre.' },
    ]);

    await open(`${worker.url}/segnalazione/${report.tracking_token}`, async (page) => {
      assert.equal(await page.locator('[data-slot="status"]').innerText(), 'Risolta');
      const timeline = await entries(page);
      assert.deepEqual(timeline.map((e) => e.label), [
        'Risolta', 'Risposta dell\'ufficio', 'Presa in carico', 'Passata a un altro ufficio',
        'Lavori avviati', 'Presa in carico', 'Segnalazione ricevuta',
      ]);
      assert.equal(timeline[0].note, 'Tombino sistemato il 3 dicembre.');
      assert.equal(timeline[1].note, 'Sopralluogo <img src=x onerror="document.title=\'xss\'"> fissato per lunedì.', 'staff text shown as text');
      assert.equal(await page.locator('.ticket-history img').count(), 0);
      assert.notEqual(await page.title(), 'xss');
      assert.match(timeline[3].office, /Illuminazione/);
      assert.equal(timeline[3].note, 'Il tombino è sotto un lampione: se ne occupa l\'illuminazione');
      assert.match(timeline[6].office, /Strade/);
      assert.ok(timeline.every((e) => /^\d{4}-\d{2}-\d{2}T/.test(e.time)), 'every step has its date');
      const text = await page.locator('body').innerText();
      assert.ok(!text.includes('SEGRETO'), 'internal notes are never shown');
      assert.ok(!text.includes('operatore.strade') && !text.includes('Amministratrice'), 'staff names are not shown');
      assert.ok(!text.includes('Mario Rossi') && !text.includes('mario.rossi@example.it'), 'nor the reporter');
      assert.deepEqual(await accessibilityViolations(page), []);
    });

    await open(`${worker.url}/en/reports/${report.tracking_token}`, async (page) => {
      const timeline = await entries(page);
      assert.deepEqual(timeline.map((e) => e.label).slice(0, 3), ['Resolved', 'Answer from the office', 'Taken in charge']);
    });
  });

  test('a rejected report shows the office\'s explanation, and a duplicate says which report it joined', async () => {
    const rejected = (await postJson(`${worker.url}/api/v1/reports`, pothole({ description: 'Buca già chiusa, forse una pozzanghera' }))).json;
    await work(operator, rejected, [{ action: 'reject', reason: 'not_a_problem', explanation: 'Al sopralluogo non c\'era alcuna buca.' }]);
    await open(`${worker.url}/segnalazione/${rejected.tracking_token}`, async (page) => {
      assert.equal(await page.locator('[data-slot="status"]').innerText(), 'Respinta');
      const [last] = await entries(page);
      assert.equal(last.label, 'Respinta');
      assert.equal(last.note, 'Al sopralluogo non c\'era alcuna buca.');
    });

    const original = (await postJson(`${worker.url}/api/v1/reports`, pothole())).json;
    const repeat = (await postJson(`${worker.url}/api/v1/reports`, pothole({ description: 'La stessa buca davanti al civico 12' }))).json;
    await work(operator, repeat, [{ action: 'mark_duplicate', of: original.public_number }]);
    await open(`${worker.url}/segnalazione/${repeat.tracking_token}`, async (page) => {
      assert.equal(await page.locator('[data-slot="status"]').innerText(), 'Duplicata');
      const [last] = await entries(page);
      assert.equal(last.label, 'Unita a una segnalazione uguale');
      assert.equal(last.note, original.public_number);
      assert.equal(await page.locator('[data-slot="joined-section"]').isVisible(), true, 'the report it joined is shown');
    });
    // The original moves on: the duplicate's citizen sees its progress, not its content.
    await work(operator, original, [{ action: 'take_in_charge', reply: 'Intervento fissato per giovedì.' }]);
    await open(`${worker.url}/segnalazione/${repeat.tracking_token}`, async (page) => {
      const joined = page.locator('[data-slot="joined-section"]');
      await joined.waitFor();
      assert.equal(await joined.locator('[data-slot="joined-number"]').innerText(), original.public_number);
      assert.equal(await joined.locator('[data-slot="joined-status"]').innerText(), 'Presa in carico');
      const steps = await joined.locator('.joined-history > li').evaluateAll((items) => items.map((li) => ({
        label: li.querySelector('strong')?.textContent, note: li.querySelector('.event-note')?.textContent ?? null,
      })));
      assert.deepEqual(steps, [
        { label: 'Presa in carico', note: 'Intervento fissato per giovedì.' },
        { label: 'Segnalazione ricevuta', note: null },
      ]);
      assert.ok(!(await page.locator('body').innerText()).includes('Buca profonda sulla carreggiata'), 'not the other citizen\'s text');
      assert.deepEqual(await accessibilityViolations(page), []);
    });
  });

  test('the citizen writes to the office, says a resolution did not solve it and rates the answer, from the page', async () => {
    const report = (await postJson(`${worker.url}/api/v1/reports`, pothole({ description: 'Buca profonda davanti alla scuola' }))).json;
    await work(operator, report, [{ action: 'take_in_charge', reply: 'Ci mandi una foto della buca?' }]);
    const url = `${worker.url}/segnalazione/${report.tracking_token}`;
    await open(url, async (page) => {
      assert.ok(!(await page.locator('[data-slot="fu-rating"]').count()), 'nothing to rate yet');
      await page.getByLabel('Il tuo messaggio').fill('Ecco la foto: la buca è profonda 20 cm.');
      await page.getByLabel('Foto (facoltative)').setInputFiles(fileURLToPath(new URL('../fixtures/photos/plain.jpg', import.meta.url)));
      await page.getByRole('button', { name: 'Invia all\'ufficio' }).click();
      await page.waitForURL(/\?done=message$/);
      assert.equal(await page.getByRole('status').first().innerText(), 'Grazie: l\'ufficio ha ricevuto il tuo messaggio.');
      const [last] = await entries(page);
      assert.equal(last.label, 'Hai aggiunto informazioni');
      assert.equal(last.note, 'Ecco la foto: la buca è profonda 20 cm.');
      assert.equal(await page.locator('.ticket-photos img').count(), 1, 'the photo is on the page');
      assert.deepEqual(await accessibilityViolations(page), []);
    });
    await work(operator, report, [{ action: 'resolve', answer: 'Buca chiusa.' }]);
    await open(url, async (page) => {
      assert.ok(!(await page.locator('[data-slot="fu-message"]').count()), 'a closed report takes no messages');
      assert.match(await page.locator('#fu-not-solved-until').innerText(), /Se non lo è, diccelo entro il /);
      assert.deepEqual(await accessibilityViolations(page), []);
      // An empty reason is refused by the page itself; a real one reopens the report.
      await page.getByLabel('Che cosa non va ancora?').fill('Si è riaperta dopo la pioggia.');
      await page.getByRole('button', { name: 'Non è risolto: riapri la segnalazione' }).click();
      await page.waitForURL(/\?done=reopened$/);
      assert.equal(await page.locator('[data-slot="status"]').innerText(), 'Presa in carico');
      assert.equal((await entries(page))[0].label, 'Hai segnalato che il problema non è risolto');
    });
    await work(operator, report, [{ action: 'resolve', answer: 'Rifatta con asfalto a caldo.' }]);
    await open(url, async (page) => {
      // By keyboard alone: the stars are radio buttons (arrows move among them), then the
      // comment, then the button.
      await page.locator('#fu-stars-5').focus();
      await page.keyboard.press('ArrowDown');
      assert.ok(await page.locator('#fu-stars-4').isChecked(), 'four stars chosen');
      await page.keyboard.press('Tab');
      assert.ok(await page.getByLabel('Commento (facoltativo)').evaluate((el) => el === document.activeElement));
      await page.keyboard.type('Un secondo giro, ma ora va bene.');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\?done=rated$/);
      assert.equal(await page.locator('[data-slot="fu-rated"]').innerText(), 'Hai dato 4 stelle su 5 alla risposta. Grazie!');
      assert.ok(!(await page.locator('[data-slot="fu-rating"]').count()), 'rated once');
      const [last] = await entries(page);
      assert.equal(last.label, 'Hai valutato la risposta');
      assert.equal(last.note, '4 stelle su 5\nUn secondo giro, ma ora va bene.');
      assert.deepEqual(await accessibilityViolations(page), []);
    });
  });
});
