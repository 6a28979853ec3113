// Requests to the local Worker under another host name, as a browser at
// http://borgoverde.localhost:PORT/ would send them. Node's fetch neither resolves
// *.localhost nor lets a caller set Host, so these go through node:http to 127.0.0.1
// with the Host header of the comune's address.
import http from 'node:http';

const TIMEOUT_MS = 30_000;

/**
 * @param {{ port: number }} worker
 * @param {string} host e.g. 'borgoverde.localhost'
 * @returns {{ origin: string, request: (path: string, options?: { method?: string, headers?: Record<string,string>, body?: string | Buffer }) =>
 *   Promise<{ status: number, headers: http.IncomingHttpHeaders, text: string, body: any }>}}
 */
export function atHost(worker, host) {
  const origin = `http://${host}:${worker.port}`;
  const request = (path, options = {}) => new Promise((resolve, reject) => {
    const body = options.body;
    const req = http.request({
      host: '127.0.0.1',
      port: worker.port,
      path,
      method: options.method ?? 'GET',
      headers: {
        Host: `${host}:${worker.port}`,
        ...(body !== undefined ? { 'Content-Length': Buffer.byteLength(body) } : {}),
        ...(options.headers ?? {}),
      },
      timeout: TIMEOUT_MS,
    }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
        resolve({ status: res.statusCode, headers: res.headers, text, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${origin}${path}: no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
  return { origin, request };
}
