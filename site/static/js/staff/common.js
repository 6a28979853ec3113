// Shared by every page of the staff dashboard: the session (who is signed in, the CSRF
// token, the offices), calls to the staff API, Italian labels, dates in Rome time, and a
// builder that only ever sets text, so nothing a citizen wrote can become markup.
(function () {
  'use strict';

  var LABELS = {
    status: {
      received: 'Ricevuta', taken_in_charge: 'Presa in carico', in_progress: 'In lavorazione',
      resolved: 'Risolta', rejected: 'Respinta', duplicate: 'Duplicata'
    },
    priority: { low: 'Bassa', normal: 'Normale', high: 'Alta', urgent: 'Urgente' },
    kind: { segnalazione: 'Segnalazione', suggerimento: 'Suggerimento', reclamo: 'Reclamo' },
    role: { administrator: 'Amministratore', referent: 'Referente d\'ufficio', operator: 'Operatore' },
    action: {
      take_in_charge: 'Prendi in carico', start_work: 'Avvia i lavori', set_priority: 'Cambia la priorità',
      assign: 'Assegna', public_reply: 'Rispondi al cittadino', internal_note: 'Nota interna',
      reassign: 'Passa a un altro ufficio', resolve: 'Risolvi', reject: 'Respingi',
      mark_duplicate: 'Segna come duplicata', reopen: 'Riapri'
    },
    event: {
      created: 'Segnalazione ricevuta', take_in_charge: 'Presa in carico', start_work: 'Lavori avviati',
      set_priority: 'Priorità cambiata', assign: 'Assegnata', public_reply: 'Risposta al cittadino',
      internal_note: 'Nota interna', reassign: 'Passata a un altro ufficio', resolve: 'Risolta',
      reject: 'Respinta', mark_duplicate: 'Segnata come duplicata', reopen: 'Riaperta',
      citizen_message: 'Messaggio del cittadino', rate: 'Valutazione del cittadino (stelle su 5)'
    },
    rejection: {
      not_competent: 'Non di competenza del Comune', not_a_problem: 'Nessun problema da risolvere',
      needs_official_channel: 'Serve una pratica o un canale ufficiale',
      insufficient_information: 'Informazioni insufficienti'
    },
    field: {
      reply: 'Risposta', text: 'Testo', answer: 'Risposta al cittadino', reason: 'Motivo',
      explanation: 'Spiegazione', office: 'Ufficio', assignee: 'Assegnatario', priority: 'Priorità',
      of: 'Numero della segnalazione originale', email: 'Email', name: 'Nome', role: 'Ruolo',
      password: 'Password', active: 'Attivo', q: 'Ricerca', from: 'Ricevute dal', to: 'Ricevute fino al',
      version: 'Versione', tickets: 'Selezione'
    }
  };

  // Italian wording for the API's error codes; the API's own (English) message otherwise.
  var MESSAGES = {
    required: 'è obbligatorio', too_long: 'è troppo lungo', control_characters: 'contiene caratteri non ammessi',
    unchanged: 'è già così', same_office: 'la segnalazione è già di questo ufficio',
    invalid_date: 'usa una data valida', before_from: 'è prima della data di inizio',
    invalid_email: 'non è un indirizzo email valido', email_taken: 'è già usata da un altro account',
    too_short: 'deve avere almeno 12 caratteri', too_common: 'è troppo comune o facile da indovinare',
    same_as_email: 'non deve essere uguale all\'indirizzo email', unknown_office: 'non è un ufficio del Comune',
    unknown_role: 'non è un ruolo valido', stale_configuration: 'Nel frattempo è stata salvata un\'altra versione della configurazione.', office_for_administrator: 'gli amministratori non appartengono a un ufficio',
    delivery_not_failed: 'Questa email è già in coda o è stata consegnata: aggiorna la pagina.',
    unknown_ticket: 'nessuna segnalazione del tuo ufficio ha questo numero',
    is_a_duplicate: 'quella segnalazione è a sua volta un duplicato: indica l\'originale',
    has_duplicates: 'altre segnalazioni sono già unite a questa: unisci nell\'altro senso',
    same_ticket: 'una segnalazione non può essere il duplicato di sé stessa',
    not_a_colleague: 'non lavora per l\'ufficio di questa segnalazione',
    would_lock_out: 'non puoi disattivare il tuo account né togliergli il ruolo di amministratore',
    invalid: 'non è valido', malformed_json: 'la richiesta non è leggibile: ricarica la pagina',
    out_of_range: 'è fuori dall\'intervallo ammesso', unknown_status: 'non è uno stato valido',
    unknown_kind: 'non è un tipo valido', unknown_priority: 'non è una priorità valida',
    unknown_sort: 'non è un ordinamento valido', unknown_assignee: 'non è una persona valida',
    unknown_category: 'non è un argomento del Comune', unknown_theme: 'non è un tema del Comune',
    unknown_parameter: 'non è un filtro dell\'elenco', not_a_boolean: 'deve essere sì o no',
    stale_version: 'Nel frattempo qualcun altro ha modificato questa segnalazione. La pagina mostra ora la versione aggiornata: controlla e ripeti l\'azione se serve.',
    transition_refused: 'Questa azione non è possibile nello stato attuale della segnalazione.',
    forbidden: 'Il tuo ruolo non permette questa azione.',
    not_found: 'Non trovata: potrebbe non esistere o non essere del tuo ufficio.',
    csrf_failed: 'La sessione non è più valida su questa pagina: ricaricala e riprova.',
    cross_origin: 'Richiesta rifiutata per sicurezza: ricarica la pagina e riprova.',
    too_many_attempts: 'Troppi tentativi falliti.',
    internal_error: 'Qualcosa non ha funzionato dalla nostra parte: riprova tra poco.',
    network: 'Il server non risponde: controlla la connessione e riprova.'
  };

  var ROME = 'Europe/Rome';
  var dateTime = new Intl.DateTimeFormat('it-IT', { dateStyle: 'short', timeStyle: 'short', timeZone: ROME });
  var dateOnly = new Intl.DateTimeFormat('it-IT', { dateStyle: 'medium', timeZone: ROME });

  /** An element with text content only: `el('a', { href: '/x', className: 'y' }, 'text', child)`. */
  function el(tag, props) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null || value === false) return;
      if (key === 'className') node.className = value;
      else if (key === 'dataset') Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
      else if (key === 'on') Object.keys(value).forEach(function (k) { node.addEventListener(k, value[k]); });
      else if (key in node && typeof value !== 'string') node[key] = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    });
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function time(iso, withTime) {
    if (!iso) return '—';
    var when = new Date(iso);
    return el('time', { datetime: iso }, (withTime === false ? dateOnly : dateTime).format(when));
  }

  /** A deadline's day: deadlines are the midnight that ends their day, so show that day. */
  function deadline(iso) {
    if (!iso) return '—';
    var lastSecond = new Date(new Date(iso).getTime() - 1000);
    return el('time', { datetime: iso }, dateOnly.format(lastSecond));
  }

    function signInPath() {
    return '/staff/accesso/?next=' + encodeURIComponent(location.pathname + location.search);
  }

  var session = null;

  /** Calls the staff API; resolves to { status, body } (network failures: status 0). */
  function api(method, path, body) {
    var headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && session) headers['X-CSRF-Token'] = session.csrf_token;
    return fetch(path, {
      method: method, headers: headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 401 && path !== '/api/v1/staff/session') {
        location.assign(signInPath());
        return new Promise(function () {});
      }
      return response.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
        return { status: response.status, body: parsed };
      });
    }, function () {
      return { status: 0, body: { error: 'network' } };
    });
  }

  /** A readable Italian explanation of a failed call, with one line per invalid field. */
  function problem(result) {
    var body = result.body || {};
    var lines = [];
    if (body.error && MESSAGES[body.error] && body.error !== 'validation_failed') lines.push(MESSAGES[body.error]);
    (body.fields || []).forEach(function (field) {
      lines.push((LABELS.field[field.field] || field.field) + ': ' + (MESSAGES[field.code] || field.message));
    });
    if (!lines.length) lines.push(body.message || MESSAGES.internal_error);
    return lines;
  }

  function showProblem(container, result, title) {
    clear(container);
    var lines = problem(result);
    container.appendChild(el('div', { className: 'alert alert-danger' },
      title ? el('p', { className: 'fw-semibold mb-1' }, title) : null,
      lines.length === 1 ? el('p', { className: 'mb-0' }, lines[0])
        : el('ul', { className: 'mb-0' }, lines.map(function (line) { return el('li', {}, line); }))));
  }

  /** Marks the form fields a failed call names (`result` null: only clears old marks). */
  function markInvalid(form, result) {
    Array.prototype.forEach.call(form.querySelectorAll('.is-invalid'), function (field) {
      field.classList.remove('is-invalid');
      field.removeAttribute('aria-invalid');
    });
    (result && result.body && result.body.fields || []).forEach(function (field) {
      var input = form.elements[field.field];
      if (input && input.classList) {
        input.classList.add('is-invalid');
        input.setAttribute('aria-invalid', 'true');
      }
    });
  }

  function showMessage(container, text, kind) {
    clear(container).appendChild(el('div', { className: 'alert alert-' + (kind || 'success') }, el('p', { className: 'mb-0' }, text)));
  }

  /** A Leaflet map with Italian zoom buttons. */
  function leafletMap(id) {
    var map = L.map(id, { zoomControl: false });
    L.control.zoom({ zoomInTitle: 'Ingrandisci', zoomOutTitle: 'Riduci' }).addTo(map);
    return map;
  }

    function may(permission) { return !!session && session.permissions.indexOf(permission) >= 0; }

  function officeName(id) {
    var found = (session && session.offices || []).filter(function (o) { return o.id === id; })[0];
    return found ? found.name : id;
  }

  /** Loads the session (or goes to the sign-in page) and fills the header. */
  function start() {
    return api('GET', '/api/v1/staff/session').then(function (result) {
      if (result.status === 401) { location.assign(signInPath()); return new Promise(function () {}); }
      if (result.status !== 200) {
        showProblem(document.getElementById('page-message'), result, 'Impossibile caricare la sessione.');
        return new Promise(function () {});
      }
      session = result.body;
      var who = session.user.name + ' · ' + LABELS.role[session.user.role] +
        (session.office ? ' · ' + session.office.name : '');
      document.getElementById('staff-user').textContent = who;
      document.getElementById('staff-bar').hidden = false;
      document.getElementById('staff-nav').hidden = false;
      Array.prototype.forEach.call(document.querySelectorAll('[data-permission]'), function (node) {
        node.hidden = !may(node.getAttribute('data-permission'));
      });
      var current = document.querySelector('[data-nav="' + document.body.dataset.page + '"]');
      if (current) current.setAttribute('aria-current', 'page');
      return session;
    });
  }

  function signOut() {
    api('DELETE', '/api/v1/staff/session').then(function () {
      location.assign('/staff/uscita/');
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var button = document.getElementById('sign-out');
    if (button) button.addEventListener('click', signOut);
  });

  window.Staff = {
    LABELS: LABELS, MESSAGES: MESSAGES, el: el, clear: clear, time: time, deadline: deadline, api: api, start: start,
    problem: problem, showProblem: showProblem, showMessage: showMessage, markInvalid: markInvalid, may: may,
    officeName: officeName, leafletMap: leafletMap, session: function () { return session; }
  };
})();
