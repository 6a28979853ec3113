// The comune's configuration changed from the dashboard, against the real Worker: checked
// before saving (every problem named by its path), saved as versions based on the one in
// force, in force at once for the Worker and the ticket store and after a restart, rolled
// back, audited; data still in use cannot be removed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { demoConfig, pothole, postJson } from '../support/demo.mjs';
import { createStaff, setupAdministrator, signIn } from '../support/staff.mjs';

const ROADS = 'strade-mobilita';

function withRoadsOfficeNamed(config, name) {
  const copy = structuredClone(config);
  copy.offices.find((office) => office.id === ROADS).name.it = name;
  return copy;
}

describe('configuration from the dashboard', () => {
  let worker, admin;
  before(async () => {
    worker = await startWorker();
    await setupAdministrator(worker);
    admin = await signIn(worker, 'admin@comune.example.it');
    await createStaff(admin, 'operatore.strade@comune.example.it', 'operator', ROADS);
  });
  after(async () => { await worker?.stop(); });

  const officeOfNewReport = async () => {
    const report = (await postJson(`${worker.url}/api/v1/reports`, pothole())).json;
    const view = await (await fetch(`${worker.url}/api/v1/reports/${report.tracking_token}`)).json();
    return view.office.name;
  };

  test('the built-in configuration is version 0 and a bad change is refused naming each path', async () => {
    const current = await admin.get('/api/v1/staff/configuration');
    assert.equal(current.status, 200);
    assert.equal(current.body.version, 0);
    assert.equal(current.body.config.id, demoConfig.id);
    assert.deepEqual(current.body.versions, []);

    const badEmail = structuredClone(current.body.config);
    badEmail.offices[0].referent.email = 'non-una-email';
    const refused = await admin.post('/api/v1/staff/configuration/preview', { config: badEmail });
    assert.equal(refused.status, 422);
    assert.deepEqual(refused.body.fields.map((f) => f.field), ['offices[0].referent.email']);
    const inconsistent = structuredClone(current.body.config);
    inconsistent.routing.default_office = 'ufficio-inesistente';
    inconsistent.offices[1].id = inconsistent.offices[0].id;
    const both = await admin.post('/api/v1/staff/configuration/preview', { config: inconsistent });
    assert.equal(both.status, 422);
    const fields = both.body.fields.map((f) => f.field);
    assert.ok(fields.includes('routing.default_office'), JSON.stringify(fields));
    assert.ok(fields.some((f) => f.startsWith('offices[1]')), JSON.stringify(fields));

    const notAnObject = await admin.post('/api/v1/staff/configuration/preview', { config: [1, 2] });
    assert.equal(notAnObject.status, 422);
    assert.equal(notAnObject.body.fields[0].field, 'config');

    const withoutOffice = structuredClone(current.body.config);
    withoutOffice.offices = withoutOffice.offices.filter((office) => office.id !== ROADS);
    const inUse = await admin.post('/api/v1/staff/configuration/preview', { config: withoutOffice });
    assert.equal(inUse.status, 422);
    assert.ok(inUse.body.fields.some((f) => f.code === 'office_in_use' || f.field.startsWith('routing')), JSON.stringify(inUse.body.fields));
  });

  test('a saved version is in force at once, survives a restart, and can be rolled back', async () => {
    const current = (await admin.get('/api/v1/staff/configuration')).body;
    const renamed = withRoadsOfficeNamed(current.config, 'Servizio Strade (nuovo nome)');
    const preview = await admin.post('/api/v1/staff/configuration/preview', { config: renamed });
    assert.equal(preview.status, 200);
    assert.equal(preview.body.changes.length, 1);
    assert.match(preview.body.changes[0], /^offices\[\d+\]\.name\.it$/);

    const withoutNote = await admin.post('/api/v1/staff/configuration/versions', { config: renamed, based_on: 0 });
    assert.equal(withoutNote.status, 422);
    assert.equal(withoutNote.body.fields[0].field, 'note');

    const saved = await admin.post('/api/v1/staff/configuration/versions', { config: renamed, note: 'Nuovo nome del servizio', based_on: 0 });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    assert.equal(saved.body.version, 1);
    assert.equal(await officeOfNewReport(), 'Servizio Strade (nuovo nome)', 'the Worker uses it');
    const operator = await signIn(worker, 'operatore.strade@comune.example.it');
    const inbox = await operator.get('/api/v1/staff/tickets?status=all');
    assert.equal(inbox.body.tickets[0].office.name, 'Servizio Strade (nuovo nome)', 'the ticket store uses it');

    const stale = await admin.post('/api/v1/staff/configuration/versions', {
      config: withRoadsOfficeNamed(current.config, 'Altro nome'), note: 'da una pagina vecchia', based_on: 0,
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error, 'stale_configuration');

    await worker.stop();
    worker = await startWorker({ stateDir: worker.stateDir });
    assert.equal(await officeOfNewReport(), 'Servizio Strade (nuovo nome)', 'still in force after a restart');
    admin = await signIn(worker, 'admin@comune.example.it');

    const restored = await admin.post('/api/v1/staff/configuration/versions/0/restore', { note: 'Torniamo al nome di prima', based_on: 1 });
    assert.equal(restored.status, 201, JSON.stringify(restored.body));
    assert.equal(restored.body.version, 2);
    assert.equal(await officeOfNewReport(), demoConfig.offices.find((o) => o.id === ROADS).name.it);

    const history = (await admin.get('/api/v1/staff/configuration')).body;
    assert.equal(history.version, 2);
    assert.deepEqual(history.versions.map((v) => [v.version, v.restored_from, v.created_by]),
      [[2, 0, 'Amministratrice Demo'], [1, null, 'Amministratrice Demo']]);
    const first = await admin.get('/api/v1/staff/configuration/versions/1');
    assert.equal(first.body.config.offices.find((o) => o.id === ROADS).name.it, 'Servizio Strade (nuovo nome)');
    assert.equal((await admin.get('/api/v1/staff/configuration/versions/9')).status, 404);

    const audit = (await admin.get('/api/v1/staff/audit')).body.filter((e) => e.action === 'change_configuration');
    assert.deepEqual(audit.map((e) => e.detail.version), [2, 1]);
    assert.equal(audit[1].detail.note, 'Nuovo nome del servizio');
    assert.match(audit[1].detail.changes[0], /^offices\[\d+\]\.name\.it$/);
  });
});
