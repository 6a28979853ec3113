// Health, public configuration and routing of unknown paths, against the real Worker.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, startWorker } from '../support/worker.mjs';
import { demoConfig } from '../support/demo.mjs';

const cargoVersion = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8').match(/^version = "(.+)"$/m)[1];

describe('service endpoints', () => {
  let worker;
  before(async () => { worker = await startWorker(); });
  after(async () => { await worker?.stop(); });

  test('health answers ok with the version of the service and the comune', async () => {
    const response = await fetch(`${worker.url}/api/v1/health`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok', version: cargoVersion, comune: 'bergamo' });
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  test('config returns themes, categories and boundary of the comune', async () => {
    const response = await fetch(`${worker.url}/api/v1/config`);
    assert.equal(response.status, 200);
    const config = await response.json();
    assert.equal(config.name, demoConfig.name);
    assert.deepEqual(config.boundary, demoConfig.boundary);
    assert.deepEqual(config.themes.map((t) => t.name.it), [
      'Strade e viabilità', 'Protezione ambientale', 'Sicurezza', 'Servizi', 'Verde urbano', 'Tributi e catasto',
    ]);
    const pothole = config.themes[0].categories.find((c) => c.id === 'buche-stradali');
    assert.equal(pothole.take_in_charge_days, 3);
    assert.deepEqual(config.kinds, ['segnalazione', 'suggerimento', 'reclamo']);
    assert.equal(config.map.tile_url, demoConfig.map.tile_url);
  });

  test('config never exposes staff e-mails, referents or routing rules', async () => {
    const text = await (await fetch(`${worker.url}/api/v1/config`)).text();
    for (const office of demoConfig.offices) {
      assert.ok(!text.includes(office.referent.email), office.referent.email);
      assert.ok(!text.includes(office.referent.name), office.referent.name);
      // The comune's public contact may be an office mailbox (the URP); no other office's is public.
      if (office.email !== demoConfig.contacts.email) assert.ok(!text.includes(office.email), office.email);
    }
    assert.ok(!text.includes('routing'));
  });

  test('an unknown API path is a JSON 404', async () => {
    const response = await fetch(`${worker.url}/api/v1/nothing-here`);
    assert.equal(response.status, 404);
    assert.equal((await response.json()).error, 'not_found');
  });

  test('a wrong method is a JSON 405', async () => {
    const response = await fetch(`${worker.url}/api/v1/health`, { method: 'DELETE' });
    assert.equal(response.status, 405);
    assert.equal((await response.json()).error, 'method_not_allowed');
  });

  test('an unknown page gets the site 404 page in its language', async () => {
    const italian = await fetch(`${worker.url}/non-esiste`);
    assert.equal(italian.status, 404);
    assert.match(await italian.text(), /Pagina non trovata/);
    const english = await fetch(`${worker.url}/en/does-not-exist`);
    assert.equal(english.status, 404);
    assert.match(await english.text(), /Page not found/);
  });

  test('the sitemap lists the public pages at the comune\'s address, and robots.txt points to it', async () => {
    const base = demoConfig.public_url.replace(/\/$/, '');
    const sitemap = await (await fetch(`${worker.url}/sitemap.xml`)).text();
    assert.ok(sitemap.startsWith('<?xml'));
    const pages = [...sitemap.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    for (const page of ['/', '/segnala/', '/segnalazione/', '/cruscotto/', '/en/', '/en/report/', '/en/dashboard/']) {
      assert.ok(pages.includes(`${base}${page}`), `${page} is listed`);
    }
    assert.ok(pages.every((page) => page.startsWith(`${base}/`) && !/\/(internal|staff)\//.test(page)), pages.join(' '));
    for (const page of pages) {
      const response = await fetch(page.replace(base, worker.url));
      assert.equal(response.status, 200, page);
      await response.arrayBuffer();
    }
    const robots = await (await fetch(`${worker.url}/robots.txt`)).text();
    assert.match(robots, new RegExp(`^Sitemap: ${base}/sitemap\\.xml$`, 'm'));
    assert.match(robots, /^Disallow: \/staff\/$/m);
  });

  test('API answers carry nosniff', async () => {
    const response = await fetch(`${worker.url}/api/v1/config`);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  });
});

describe('security headers', () => {
  let worker;
  before(async () => { worker = await startWorker(); });
  after(async () => { await worker?.stop(); });

  test('data answers carry a policy under which nothing can run or be framed', async () => {
    for (const path of ['/api/v1/config', '/api/v1/open-data/reports.csv', '/api/v1/no-such-endpoint', '/open311/v2/services.json']) {
      const response = await fetch(`${worker.url}${path}`);
      assert.equal(response.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'; base-uri 'none'", path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(response.headers.get('strict-transport-security'), null, `${path}: no HSTS over plain HTTP`);
    }
  });

  test('the files every comune shares, served before the Worker runs, carry the same headers', async () => {
    const shared = ['/css/segnala.css', '/js/report-form.js', '/vendor/leaflet/leaflet.js',
      '/fonts/titillium-web-v10-latin-ext_latin-regular.woff2', '/favicon.svg'];
    for (const path of shared) {
      const response = await fetch(`${worker.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'; base-uri 'none'", path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(response.headers.get('referrer-policy'), 'strict-origin-when-cross-origin', path);
      assert.equal(response.headers.get('strict-transport-security'), null, `${path}: the demo comuni are on plain HTTP`);
    }
    const rules = await fetch(`${worker.url}/_headers`);
    assert.equal(rules.status, 404, 'the rules file itself is not served');
  });

  test('a comune published over HTTPS gets HSTS on every answer', async () => {
    const published = await startWorker({ vars: { PUBLIC_URL: 'https://segnala.comune.example.it' } });
    try {
      for (const path of ['/', '/segnala/', '/api/v1/health', '/staff/accesso/']) {
        const response = await fetch(`${published.url}${path}`, { redirect: 'manual' });
        assert.equal(response.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains', path);
      }
    } finally {
      await published.stop();
    }
  });
});
