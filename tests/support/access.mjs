// A stand-in for a Cloudflare Access team: an RSA key pair, its public key published as
// JWKS at /cdn-cgi/access/certs on a loopback port, and RS256 tokens signed with it as
// Access signs them for an application.
import crypto from 'node:crypto';
import http from 'node:http';
import { freePort } from './ports.mjs';

export const AUDIENCE = 'segnala-test-audience-0123456789abcdef';

function base64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

export async function startAccessTeam() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  let certRequests = 0;
  const server = http.createServer((request, response) => {
    if (request.url === '/cdn-cgi/access/certs') {
      certRequests += 1;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk], public_cert: { kid: jwk.kid, cert: 'unused' } }));
    } else {
      response.writeHead(404).end();
    }
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const teamDomain = `http://127.0.0.1:${port}`;

  /** A token as Access issues it; `claims` and `header` override the defaults. */
  function token({ email, claims = {}, header = {}, key = privateKey } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const head = base64url({ alg: 'RS256', kid: jwk.kid, typ: 'JWT', ...header });
    const body = base64url({
      aud: [AUDIENCE], email, exp: now + 600, iat: now, nbf: now, iss: teamDomain,
      type: 'app', sub: crypto.randomUUID(), ...claims,
    });
    const signature = crypto.sign('RSA-SHA256', Buffer.from(`${head}.${body}`), key).toString('base64url');
    return `${head}.${body}.${signature}`;
  }

  return {
    teamDomain,
    token,
    certRequests: () => certRequests,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
