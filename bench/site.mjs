// Page weight and Lighthouse scores of the citizen's pages (report form, tracking page,
// public dashboard), each set against a baseline page measured the same way in the same
// run: a heading and a paragraph on the full Bootstrap Italia kit, used as its
// documentation says (whole stylesheet, bundled script, fonts loaded by the script).
// Needs the Worker started with TILE_URL pointing at the local tile server
// (tests/support/tiles.mjs), so that no request of the map leaves the machine.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { launchBrowser } from '../tests/support/browser.mjs';
import { freePort } from '../tests/support/ports.mjs';
import { pothole, postJson } from '../tests/support/demo.mjs';
import { ROOT } from '../tests/support/worker.mjs';

export const BASELINES = {
  site: 'a page with one heading and one paragraph on the full Bootstrap Italia kit '
    + '(bootstrap-italia.min.css, bootstrap-italia.bundle.min.js and its fonts, loaded the documented way), '
    + 'served gzipped by a small local Node server and measured the same way in the same run',
};

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const KIT = path.join(ROOT, 'node_modules/bootstrap-italia/dist');
const IDLE_MS = 500; // quiet time that counts as "network idle", as Playwright's networkidle
const IDLE_TIMEOUT_MS = 20_000;
const LIGHTHOUSE_TIMEOUT_MS = 120_000;
const KIB = 1024;

// ---- a small static server for the baselines ---------------------------------------

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.svg': 'image/svg+xml', '.eot': 'application/vnd.ms-fontobject',
};
const COMPRESSIBLE = /^(text\/|image\/svg)/;

/**
 * Serves `pages` ({ '/path': html }, or a function of the request giving { status, type, body })
 * and the kit's files under /node_modules/bootstrap-italia/dist/ (the path its loadFonts()
 * expects by default), gzipped as the Worker under wrangler dev answers, on a free loopback port.
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>}
 */
export async function startBaselineServer(pages) {
  const gzipped = new Map();
  const server = http.createServer(async (request, response) => {
    try {
      const { pathname } = new URL(request.url, 'http://127.0.0.1');
      let status = 200, type, body;
      const page = pages[pathname];
      if (typeof page === 'function') {
        ({ status = 200, type = TYPES['.html'], body } = await page(request));
      } else if (typeof page === 'string') {
        type = TYPES['.html'];
        body = Buffer.from(page);
      } else if (pathname.startsWith('/node_modules/bootstrap-italia/dist/')) {
        const file = path.join(KIT, path.normalize(pathname.slice('/node_modules/bootstrap-italia/dist/'.length)));
        if (!file.startsWith(KIT + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
          status = 404; type = 'text/plain'; body = Buffer.from('not found');
        } else {
          type = TYPES[path.extname(file)] ?? 'application/octet-stream';
          body = fs.readFileSync(file);
        }
      } else {
        status = 404; type = 'text/plain'; body = Buffer.from('not found');
      }
      body = Buffer.isBuffer(body) ? body : Buffer.from(String(body));
      const headers = { 'Content-Type': type, 'Cache-Control': 'public, max-age=0, must-revalidate' };
      if (COMPRESSIBLE.test(type) && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
        const key = `${pathname}\n${body.length}`;
        if (!gzipped.has(key)) gzipped.set(key, zlib.gzipSync(body));
        body = gzipped.get(key);
        headers['Content-Encoding'] = 'gzip';
        headers.Vary = 'Accept-Encoding';
      }
      headers['Content-Length'] = body.length;
      response.writeHead(status, headers);
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch (error) {
      response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end(String(error));
    }
  });
  const port = await freePort();
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

const KIT_PAGE = `<!doctype html>
<html lang="it">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Pagina di prova · Bootstrap Italia</title>
  <meta name="description" content="Una pagina minima con il kit Bootstrap Italia completo.">
  <link rel="stylesheet" href="/node_modules/bootstrap-italia/dist/css/bootstrap-italia.min.css">
</head>
<body>
  <main class="container my-4">
    <h1>Segnala un problema</h1>
    <p class="lead">Una pagina minima che usa il kit Bootstrap Italia completo, come lo si usa di solito.</p>
  </main>
  <script src="/node_modules/bootstrap-italia/dist/js/bootstrap-italia.bundle.min.js"></script>
  <script>bootstrap.loadFonts();</script>
</body>
</html>
`;

// ---- page weight with a cold cache -------------------------------------------------

/**
 * Requests and bytes of one page view in a fresh Chromium profile, counted from the
 * DevTools protocol until the network has been idle for a moment. `scroll`: scroll to
 * the bottom first (and again once idle), so that what loads lazily near the end counts.
 * @returns {Promise<{ requests: number, transferredBytes: number, decodedBytes: number, hosts: Record<string, number> }>}
 */
export async function measurePageWeight(url, { scroll = false } = {}) {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(page);
    const inFlight = new Set();
    const hosts = {};
    let requests = 0, transferredBytes = 0, decodedBytes = 0, lastActivity = Date.now();
    const network = (request) => /^https?:/.test(request.url);
    const tracked = new Set();
    cdp.on('Network.requestWillBeSent', ({ requestId, request }) => {
      lastActivity = Date.now();
      if (!network(request)) return;
      requests += 1; // a redirect is sent again under the same id, and counts again
      const host = new URL(request.url).host;
      hosts[host] = (hosts[host] ?? 0) + 1;
      inFlight.add(requestId);
      tracked.add(requestId);
    });
    cdp.on('Network.dataReceived', ({ requestId, dataLength }) => {
      lastActivity = Date.now();
      if (tracked.has(requestId)) decodedBytes += dataLength;
    });
    cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
      lastActivity = Date.now();
      if (!tracked.has(requestId)) return;
      transferredBytes += encodedDataLength; // body and headers as received, as DevTools' "transferred"
      inFlight.delete(requestId);
    });
    cdp.on('Network.loadingFailed', ({ requestId }) => { lastActivity = Date.now(); inFlight.delete(requestId); });
    await cdp.send('Network.enable');

    const idle = async () => {
      const deadline = Date.now() + IDLE_TIMEOUT_MS;
      while (inFlight.size > 0 || Date.now() - lastActivity < IDLE_MS) {
        if (Date.now() > deadline) throw new Error(`${url}: network not idle within ${IDLE_TIMEOUT_MS} ms (${inFlight.size} in flight)`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const response = await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    if (!response || response.status() !== 200) throw new Error(`${url} answered ${response?.status()}`);
    await idle();
    if (scroll) {
      // Twice: what loads at the bottom (the map) can make the page longer.
      for (let round = 0; round < 2; round++) {
        await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
        await idle();
      }
    }
    return { requests, transferredBytes, decodedBytes, hosts };
  } finally {
    await browser.close();
  }
}

// ---- Lighthouse ----------------------------------------------------------------------

/** Lighthouse's performance and accessibility scores, 0 to 100, of one page view in the
 * local Chromium: its default mobile preset (Moto G Power screen, 150 ms round trips,
 * 1.6 Mbit/s, CPU slowed 4×), but with that throttling applied to the real load rather
 * than simulated from an unthrottled one. Simulated, the baseline's score jumped between
 * two values (about 88 and 99) from one run to the next, as its first paint fell before or
 * after its large blocking script; applied, five runs gave the same score. */
async function lighthouseScores(chrome, url) {
  let timer;
  const run = lighthouse(url, {
    port: chrome.port, output: 'json', logLevel: 'error',
    onlyCategories: ['performance', 'accessibility'],
    throttlingMethod: 'devtools',
    maxWaitForFcp: 30_000, maxWaitForLoad: 45_000,
  });
  run.catch(() => {}); // after a timeout its late rejection has no one to hear it
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Lighthouse on ${url}: no result within ${LIGHTHOUSE_TIMEOUT_MS} ms`)), LIGHTHOUSE_TIMEOUT_MS);
  });
  try {
    const { lhr } = await Promise.race([run, timeout]);
    if (lhr.runtimeError) throw new Error(`Lighthouse on ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    const score = (id) => {
      const value = lhr.categories[id]?.score;
      if (typeof value !== 'number') throw new Error(`Lighthouse on ${url}: no ${id} score`);
      return Math.round(value * 100);
    };
    return { performance: score('performance'), accessibility: score('accessibility') };
  } finally {
    clearTimeout(timer);
  }
}

async function launchChromeForLighthouse() {
  return chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: [
      '--headless=new', '--no-sandbox', '--disable-gpu',
      // Nothing but this machine: a page asking for any other host fails instead of going out.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
    ],
    logLevel: 'silent',
    connectionPollInterval: 250, maxConnectionRetries: 120,
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

// ---- the measurement -----------------------------------------------------------------

async function ensureLocalTiles(worker) {
  const response = await fetch(`${worker.url}/api/v1/config`, { signal: AbortSignal.timeout(10_000) });
  const tileUrl = (await response.json()).map?.tile_url ?? '';
  if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(tileUrl)) {
    throw new Error(`the Worker's map tiles come from ${tileUrl || 'nowhere'}: start it with TILE_URL set to the local tile server (tests/support/tiles.mjs)`);
  }
}

/**
 * @param {{ url: string }} worker a Worker from tests/support/worker.mjs started with
 *   vars { TILE_URL: (await startTileServer()).url }
 * @param {{ quick?: boolean }} options quick: one Lighthouse run per page instead of the median of three
 * @returns {Promise<Array<{ group: string, subject: string, measure: string, unit: string, value: number, baseline: number, ratio: number }>>}
 */
export async function measureSite(worker, { quick = false } = {}) {
  await ensureLocalTiles(worker);
  // A filed report for the tracking page, which also puts one on the dashboard's map.
  const filed = await postJson(`${worker.url}/api/v1/reports`, pothole());
  if (filed.status !== 201) throw new Error(`filing the report for the tracking page answered ${filed.status}: ${filed.text}`);
  const server = await startBaselineServer({ '/': KIT_PAGE });
  try {
    const pages = [
      { subject: 'report form', url: `${worker.url}/segnala/` },
      { subject: 'tracking page', url: filed.json.tracking_url },
      // Scrolled to the bottom: its map, Leaflet and the GeoJSON load only near the screen.
      { subject: 'dashboard', url: `${worker.url}/cruscotto/`, scroll: true },
    ];
    const baseline = { subject: 'baseline', url: `${server.url}/` };
    // The server's first answer of a page (compiling, filling caches) is not the citizen's
    // experience: each page is asked for once before it is measured.
    for (const { url } of [...pages, baseline]) await (await fetch(url, { signal: AbortSignal.timeout(30_000) })).arrayBuffer();

    const weight = new Map();
    for (const item of [baseline, ...pages]) weight.set(item, await measurePageWeight(item.url, { scroll: item.scroll }));

    const scores = new Map([baseline, ...pages].map((item) => [item, []]));
    const chrome = await launchChromeForLighthouse();
    try {
      // Rounds over all pages rather than one page at a time, so a slow moment of the
      // machine is spread over every page and the baseline alike.
      for (let round = 0; round < (quick ? 1 : 3); round++) {
        for (const item of [baseline, ...pages]) scores.get(item).push(await lighthouseScores(chrome, item.url));
      }
    } finally {
      await chrome.kill();
    }

    const rows = [];
    const base = weight.get(baseline);
    const baseScore = (key) => median(scores.get(baseline).map((s) => s[key]));
    for (const item of pages) {
      const own = weight.get(item);
      const score = (key) => median(scores.get(item).map((s) => s[key]));
      rows.push(
        row(item.subject, 'requests', 'count', own.requests, base.requests),
        row(item.subject, 'transferred', 'KiB', round1(own.transferredBytes / KIB), round1(base.transferredBytes / KIB)),
        row(item.subject, 'Lighthouse performance', 'score', score('performance'), baseScore('performance')),
        row(item.subject, 'Lighthouse accessibility', 'score', score('accessibility'), baseScore('accessibility')),
      );
    }
    return rows;
  } finally {
    await server.stop();
  }
}

const round1 = (value) => Math.round(value * 10) / 10;

function row(subject, measure, unit, value, baseline) {
  return { group: 'site', subject, measure, unit, value, baseline, ratio: baseline ? Math.round((value / baseline) * 1000) / 1000 : NaN };
}
