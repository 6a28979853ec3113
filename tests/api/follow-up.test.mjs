// The citizen's follow-up against the real Worker: with the tracking link they add
// information and photos while the office works, say that a resolution did not solve the
// problem (which reopens the report within the comune's window), and rate the answer once;
// the office is e-mailed each time, no citizen is, another citizen never sees their words,
// and the rating reaches the statistics. Without JavaScript the tracking page's own forms
// do the same, and a refusal comes back on the page with what was typed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { fixture, pothole, postJson, send, storedPhotoBlobs } from '../support/demo.mjs';
import { createStaff, setupAdministrator, signIn } from '../support/staff.mjs';

describe('citizen follow-up', () => {
  let worker, operator;
  before(async () => {
    worker = await startWorker();
    await setupAdministrator(worker);
    const admin = await signIn(worker, 'admin@comune.example.it');
    await createStaff(admin, 'operatore.strade@comune.example.it', 'operator', 'strade-mobilita');
    operator = await signIn(worker, 'operatore.strade@comune.example.it');
  });
  after(async () => { await worker?.stop(); });

  const file = async (overrides = {}) => {
    const created = await postJson(`${worker.url}/api/v1/reports`, pothole({ description: `Buca profonda ${Math.random()}`, ...overrides }));
    assert.equal(created.status, 201, created.text);
    return created.json;
  };
  const work = async (report, ...commands) => {
    for (const command of commands) {
      const { version } = (await operator.get(`/api/v1/staff/tickets/${report.public_number}`)).body;
      const done = await operator.post(`/api/v1/staff/tickets/${report.public_number}/actions`, { version, ...command });
      assert.equal(done.status, 200, JSON.stringify(done.body));
    }
  };
  const follow = (report, what, body) => postJson(`${worker.url}/api/v1/reports/${report.tracking_token}/${what}`, body);
  const officeMail = async (number, count) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = worker.mail.messages().filter((m) => m.subject.includes(number) && m.to.includes('strade@comune.bergamo.example'));
      if (found.length >= count || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  test('a message while the office works reaches the office, with the citizen\'s words, and no citizen', async () => {
    const report = await file();
    await work(report, { action: 'take_in_charge', reply: 'Ci serve il numero civico esatto.' });
    const before = worker.mail.messages().length;
    const answered = await follow(report, 'messages', { text: 'È davanti al civico 14, non al 12.' });
    assert.equal(answered.status, 201, answered.text);
    const step = answered.json.history.at(-1);
    assert.deepEqual([step.kind, step.by_citizen, step.note], ['citizen_message', true, 'È davanti al civico 14, non al 12.']);
    assert.equal(answered.json.follow_up.messages_left, 19);
    const mails = await officeMail(report.public_number, 2);
    const told = mails.find((m) => m.subject.includes('il cittadino ha scritto'));
    assert.ok(told, mails.map((m) => m.subject).join(' | '));
    assert.match(told.text, /È davanti al civico 14, non al 12\./);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const toCitizens = worker.mail.messages().slice(before)
      .filter((m) => m.to.includes('mario.rossi@example.it') && m.text.includes('civico 14'));
    assert.deepEqual(toCitizens.map((m) => m.subject), [], 'the citizen is not told of their own message');
    const staffView = await operator.get(`/api/v1/staff/tickets/${report.public_number}`);
    const last = staffView.body.history.at(-1);
    assert.equal(last.kind, 'citizen_message');
    assert.equal(last.actor.kind, 'citizen');
  });

  test('photos come with a message, stripped of their metadata, up to the limit', async () => {
    const report = await file();
    const form = new FormData();
    form.append('text', 'Ecco com\'è oggi.');
    form.append('photos', new Blob([fixture('portrait-with-gps.jpg')], { type: 'image/jpeg' }), 'buca.jpg');
    const sent = await send(`${worker.url}/api/v1/reports/${report.tracking_token}/messages`, form);
    assert.equal(sent.status, 201, sent.text);
    assert.equal(sent.json.photos.length, 1);
    const served = Buffer.from(await (await fetch(new URL(sent.json.photos[0].url, worker.url))).arrayBuffer());
    assert.ok(!served.includes(Buffer.from('GPS')), 'no position in the stored photo');
    const bad = new FormData();
    bad.append('text', 'Un file che non è una foto');
    bad.append('photos', new Blob(['non sono una foto'], { type: 'image/jpeg' }), 'finta.jpg');
    const refused = await send(`${worker.url}/api/v1/reports/${report.tracking_token}/messages`, bad);
    assert.equal(refused.status, 422);
    assert.equal(refused.json.fields[0].field, 'photos[0]');
    const after = await (await fetch(`${worker.url}/api/v1/reports/${report.tracking_token}`)).json();
    assert.equal(after.photos.length, 1, 'nothing stored for the refused message');
    assert.equal(after.history.filter((e) => e.kind === 'citizen_message').length, 1);
    // A photo the store refuses (the report closed meanwhile) leaves no file behind.
    await work(report, { action: 'resolve', answer: 'Fatto.' });
    const blobs = storedPhotoBlobs(worker.stateDir).length;
    const late = new FormData();
    late.append('text', 'Un\'altra foto');
    late.append('photos', new Blob([fixture('plain.jpg')], { type: 'image/jpeg' }), 'altra.jpg');
    const closed = await send(`${worker.url}/api/v1/reports/${report.tracking_token}/messages`, late);
    assert.equal(closed.status, 409, closed.text);
    assert.equal(storedPhotoBlobs(worker.stateDir).length, blobs, 'the uploaded photo was removed again');
  });

  test('bad messages are refused, each reason named, and nothing is written', async () => {
    const report = await file();
    const empty = await follow(report, 'messages', { text: '   ' });
    assert.equal(empty.status, 422);
    assert.deepEqual(empty.json.fields.map((f) => [f.field, f.code]), [['text', 'required']]);
    const long = await follow(report, 'messages', { text: 'a'.repeat(2001) });
    assert.equal(long.status, 422);
    const unknown = await follow(report, 'messages', { text: 'Ciao', colore: 'rosso' });
    assert.equal(unknown.status, 422);
    assert.equal((await postJson(`${worker.url}/api/v1/reports/aaaaaaaaaaaaaaaaaaaaaaaaaa/messages`, { text: 'Ciao' })).status, 404);
    const crossSite = await postJson(`${worker.url}/api/v1/reports/${report.tracking_token}/messages`, { text: 'Ciao' }, { 'Sec-Fetch-Site': 'cross-site' });
    assert.equal(crossSite.status, 403);
    const view = await (await fetch(`${worker.url}/api/v1/reports/${report.tracking_token}`)).json();
    assert.equal(view.history.length, 1, 'only the filing');
    assert.equal((await follow(report, 'rating', { stars: 4 })).status, 409, 'nothing to rate yet');
    assert.equal((await follow(report, 'not-solved', { reason: 'No' })).status, 409, 'nothing resolved yet');
  });

  test('not solved reopens a resolved report for its office; the answer is rated once and counted', async () => {
    const report = await file();
    await work(report, { action: 'resolve', answer: 'Buca chiusa.' });
    const resolved = await (await fetch(`${worker.url}/api/v1/reports/${report.tracking_token}`)).json();
    assert.ok(resolved.follow_up.not_solved_until > resolved.updated_at);
    assert.equal(resolved.follow_up.can_write, false);
    assert.equal((await follow(report, 'messages', { text: 'Grazie' })).status, 409, 'a closed report takes no messages');

    const reopened = await follow(report, 'not-solved', { reason: 'La buca si è riaperta dopo la pioggia.' });
    assert.equal(reopened.status, 201, reopened.text);
    assert.equal(reopened.json.status, 'taken_in_charge');
    const mails = await officeMail(report.public_number, 2);
    assert.ok(mails.some((m) => /riaperta dal cittadino/.test(m.subject) && /dopo la pioggia/.test(m.text)));

    await work(report, { action: 'resolve', answer: 'Rifatta con asfalto a caldo.' });
    const rated = await follow(report, 'rating', { stars: 4, comment: 'Ci è voluto un secondo giro.' });
    assert.equal(rated.status, 201, rated.text);
    assert.equal(rated.json.follow_up.rating, 4);
    assert.equal(rated.json.follow_up.can_rate, false);
    assert.equal((await follow(report, 'rating', { stars: 5 })).status, 409, 'once');
    assert.equal((await follow(report, 'rating', { stars: 9 })).status, 422);

    const stats = await (await fetch(`${worker.url}/api/v1/open-data/statistics.json`)).json();
    assert.ok(stats.performance.satisfaction.ratings >= 1);
    const roads = stats.performance_by_office.find((o) => o.id === 'strade-mobilita');
    assert.ok(roads.satisfaction.ratings >= 1, JSON.stringify(roads.satisfaction));
    assert.equal(roads.satisfaction.average_stars, null, 'too few ratings to show whose stars they are');
    const csv = await (await fetch(`${worker.url}/api/v1/open-data/reports.csv`)).text();
    assert.ok(!csv.includes('secondo giro') && !csv.includes('dopo la pioggia'), 'the citizen\'s words are not open data');
  });

  test('a citizen whose report was merged never sees what the original\'s citizen wrote', async () => {
    const original = await file();
    const duplicate = await file({ reporter: { email: 'anna@example.org' } });
    await work(duplicate, { action: 'mark_duplicate', of: original.public_number });
    const open311 = async () => (await (await fetch(`${worker.url}/open311/v2/requests/${original.public_number}.json`)).json())[0].updated_datetime;
    const updated = await open311();
    const wrote = await follow(original, 'messages', { text: 'Mi chiamo Mario, abito al civico 14.' });
    assert.equal(wrote.status, 201, wrote.text);
    assert.equal(await open311(), updated, 'Open311 does not even say when the citizen wrote');
    const seen = await (await fetch(`${worker.url}/api/v1/reports/${duplicate.tracking_token}`)).json();
    assert.ok(seen.joined, 'the duplicate follows the original');
    assert.ok(!JSON.stringify(seen).includes('civico 14'));
    // The original's citizen says it is not solved: Anna sees and hears of the reopening,
    // not of the words.
    await work(original, { action: 'resolve', answer: 'Buca chiusa.' });
    const reopened = await follow(original, 'not-solved', { reason: 'Il civico 14 ha ancora la buca davanti.' });
    assert.equal(reopened.status, 201, reopened.text);
    const joined = (await (await fetch(`${worker.url}/api/v1/reports/${duplicate.tracking_token}`)).json()).joined;
    assert.equal(joined.history.at(-1).kind, 'reopen');
    assert.equal(joined.history.at(-1).note, undefined);
    assert.ok(!JSON.stringify(joined).includes('civico 14'));
    const deadline = Date.now() + 20_000;
    let told;
    while (!(told = worker.mail.messages().find((m) => m.to.includes('anna@example.org') && /riaperta/.test(m.subject))) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(told, 'Anna hears the report was reopened');
    assert.ok(!worker.mail.messages().some((m) => m.to.includes('anna@example.org') && m.text.includes('civico 14')));
  });

  test('without JavaScript the tracking page\'s forms do the same, and a refusal keeps what was typed', async () => {
    const report = await file();
    const page = await (await fetch(`${worker.url}/segnalazione/${report.tracking_token}`)).text();
    assert.match(page, new RegExp(`action="/segnalazione/${report.tracking_token}/messaggio"`));
    assert.doesNotMatch(page, /data-slot="fu-rating"/, 'no rating form for an open report');
    const refused = await send(`${worker.url}/segnalazione/${report.tracking_token}/messaggio`,
      new URLSearchParams({ text: 'x'.repeat(2001) }));
    assert.equal(refused.status, 422);
    assert.match(refused.text, /data-slot="fu-message-error"[^>]*>Il testo è troppo lungo\.</);
    assert.ok(refused.text.includes('x'.repeat(2001)), 'the typed text is kept');
    const sent = await send(`${worker.url}/segnalazione/${report.tracking_token}/messaggio`,
      new URLSearchParams({ text: 'Scritto <b>senza</b> JavaScript.' }));
    assert.equal(sent.status, 303);
    const back = sent.headers.get('location');
    assert.equal(back, `/segnalazione/${report.tracking_token}?done=message`);
    const shown = await (await fetch(new URL(back, worker.url))).text();
    assert.match(shown, /data-slot="fu-done-message" role="status">/);
    assert.ok(shown.includes('Scritto &lt;b&gt;senza&lt;/b&gt; JavaScript.'), 'the citizen\'s words shown as text');
    assert.match(shown, /Hai aggiunto informazioni/);

    await work(report, { action: 'resolve', answer: 'Fatto.' });
    // A message typed while the office resolved it comes back with the reason and the text.
    const tooLate = await send(`${worker.url}/segnalazione/${report.tracking_token}/messaggio`,
      new URLSearchParams({ text: 'Scritto mentre la risolvevano.' }));
    assert.equal(tooLate.status, 409);
    assert.match(tooLate.text, /data-slot="fu-message-error"[^>]*>Non è più possibile/);
    assert.match(tooLate.text, /<textarea[^>]*id="fu-text"[^>]*aria-invalid="true"[^>]*>Scritto mentre la risolvevano\.<\/textarea>/);
    assert.match(tooLate.text, /data-slot="fu-refused" role="alert">/, 'said at the top of the page too');
    const english = await send(`${worker.url}/en/reports/${report.tracking_token}/rating`, new URLSearchParams({ stars: '5' }));
    assert.equal(english.status, 303);
    assert.equal(english.headers.get('location'), `/en/reports/${report.tracking_token}?done=rated`);
    const thanked = await (await fetch(new URL(english.headers.get('location'), worker.url))).text();
    assert.match(thanked, /You gave the answer 5 stars out of 5/);
    assert.match(thanked, /You rated the answer/);
  });
});
