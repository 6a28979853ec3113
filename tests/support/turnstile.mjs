// A local stand-in for Cloudflare Turnstile, since the tests have no internet: its
// siteverify endpoint (POST /siteverify, urlencoded secret/response/remoteip, JSON answer
// with success and error-codes, as Cloudflare documents it) and a widget script
// (GET /api.js) with the part of Cloudflare's API the form uses: turnstile.render(container,
// { sitekey, 'response-field-name' }) and turnstile.reset(id). Tokens it issues start with
// "pass-" and verify once; any other token is refused. `setDown(true)` answers 500.
import http from 'node:http';
import crypto from 'node:crypto';

export const SECRET = 'turnstile-test-secret';

const WIDGET = `(function () {
  var widgets = [];
  function issue(widget) {
    widget.input.value = 'pass-' + Math.random().toString(36).slice(2) + Date.now().toString(36);
  }
  window.turnstile = {
    render: function (container, options) {
      var box = typeof container === 'string' ? document.querySelector(container) : container;
      var input = document.createElement('input');
      input.type = 'hidden';
      input.name = options['response-field-name'] || 'cf-turnstile-response';
      var note = document.createElement('p');
      note.className = 'turnstile-stand-in';
      note.textContent = 'Turnstile (local stand-in) for ' + options.sitekey;
      box.appendChild(note);
      box.appendChild(input);
      var widget = { input: input };
      issue(widget);
      widgets.push(widget);
      return widgets.length - 1;
    },
    reset: function (id) { if (widgets[id]) issue(widgets[id]); }
  };
})();
`;

export async function startTurnstile() {
  const used = new Set();
  const verifications = [];
  let down = false;
  const server = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url.startsWith('/api.js')) {
      response.writeHead(200, { 'Content-Type': 'text/javascript', 'Access-Control-Allow-Origin': '*' });
      response.end(WIDGET);
      return;
    }
    if (request.method !== 'POST' || request.url !== '/siteverify') {
      response.writeHead(404).end();
      return;
    }
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      const form = new URLSearchParams(body);
      const token = form.get('response') ?? '';
      verifications.push({ token, remoteip: form.get('remoteip'), secret: form.get('secret') });
      if (down) {
        response.writeHead(500).end('unavailable');
        return;
      }
      let answer;
      if (form.get('secret') !== SECRET) answer = { success: false, 'error-codes': ['invalid-input-secret'] };
      else if (!token.startsWith('pass-')) answer = { success: false, 'error-codes': ['invalid-input-response'] };
      else if (used.has(token)) answer = { success: false, 'error-codes': ['timeout-or-duplicate'] };
      else {
        used.add(token);
        answer = { success: true, 'error-codes': [], challenge_ts: new Date().toISOString(), hostname: 'localhost' };
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    verifyUrl: `${url}/siteverify`,
    scriptUrl: `${url}/api.js`,
    verifications,
    token: () => `pass-${crypto.randomUUID()}`,
    setDown: (value) => { down = value; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
