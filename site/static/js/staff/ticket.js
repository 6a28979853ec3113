// One ticket: every detail, photos, map, the full history (public and internal) and a
// form for each action the state machine and the role allow now. Every action carries the
// version the page shows, so an action on a ticket someone else changed is refused.
(function () {
  'use strict';
  var S = window.Staff;
  var el = S.el;
  var $ = function (id) { return document.getElementById(id); };
  var number = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').pop());
  var ticket = null;
  var colleagues = [];
  var names = {};
  var map = null;

  function fact(id, content) {
    var node = S.clear($(id));
    (Array.isArray(content) ? content : [content]).forEach(function (c) {
      node.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    });
  }

  function load(message) {
    return S.api('GET', '/api/v1/staff/tickets/' + encodeURIComponent(number)).then(function (result) {
      if (result.status === 404) {
        document.title = 'Segnalazione non trovata · Area uffici';
        S.showMessage($('page-message'), 'La segnalazione ' + number + ' non esiste o non è del tuo ufficio.', 'warning');
        return;
      }
      if (result.status !== 200) {
        S.showProblem($('page-message'), result, 'Impossibile caricare la segnalazione.');
        return;
      }
      render(result.body);
      if (message) announce(message.text, message.kind);
    });
  }

  function announce(text, kind) {
    S.showMessage($('action-message'), text, kind);
    $('action-message').focus();
  }

  function byWhom(actor) {
    if (actor.kind === 'citizen') return 'dal cittadino';
    if (actor.kind === 'system') return 'dal sistema';
    return 'da ' + actor.name;
  }

  function render(view) {
    ticket = view;
    document.title = 'Segnalazione ' + view.number + ' · Area uffici';
    $('t-number').textContent = view.number;
    var badges = S.clear($('t-badges'));
    badges.appendChild(el('span', { className: 'badge status-badge status-' + view.status }, S.LABELS.status[view.status]));
    if (view.overdue) badges.appendChild(el('span', { className: 'badge late-badge ms-2' }, 'In ritardo sui tempi di risposta'));
    fact('t-status', S.LABELS.status[view.status]);
    fact('t-priority', el('span', { className: 'priority-' + view.priority }, S.LABELS.priority[view.priority]));
    fact('t-kind', S.LABELS.kind[view.kind]);
    fact('t-category', view.theme.name + ' › ' + view.category.name);
    fact('t-office', view.office.name);
    fact('t-assignee', view.assignee ? (names[view.assignee] || 'collega') : 'nessuno');
    fact('t-created', S.time(view.created_at));
    fact('t-respond-by', view.due.respond_by ? S.deadline(view.due.respond_by) : 'nessun obiettivo');
    fact('t-resolve-by', view.due.resolve_by ? S.deadline(view.due.resolve_by) : 'nessun obiettivo');
    fact('t-place', view.address || (view.location ? 'solo il punto sulla mappa' : '—'));
    var reporter = [view.reporter.name, view.reporter.email, view.reporter.phone].filter(Boolean).join(' · ');
    fact('t-reporter', reporter || 'anonimo (nessun recapito: le risposte si vedono solo dal link di tracciamento)');
    fact('t-channel', view.received_via ? 'applicazione «' + view.received_via + '» (Open311)' : 'sito del Comune');
    fact('t-language', view.language === 'en' ? 'inglese' : 'italiano');
    fact('t-routing', view.routing_rule ? 'regola «' + view.routing_rule + '»' : 'ufficio scelto a mano o predefinito');
    var duplicates = [];
    if (view.duplicate_of) duplicates.push('è un duplicato di ', ticketLink(view.duplicate_of));
    if (view.duplicates.length) {
      if (duplicates.length) duplicates.push('; ');
      duplicates.push('unite a questa: ');
      view.duplicates.forEach(function (n, i) { if (i) duplicates.push(', '); duplicates.push(ticketLink(n)); });
    }
    fact('t-duplicates', duplicates.length ? duplicates : 'nessuno');
    $('t-description').textContent = view.description;
    answers(view.answers || []);
    photos(view);
    place(view);
    history(view);
    emails(view.emails || []);
    actions(view);
    $('ticket').hidden = false;
  }

  // The category's extra questions as the citizen answered them (text, never markup).
  function answers(list) {
    $('answers-block').hidden = !list.length;
    var facts = S.clear($('t-answers'));
    list.forEach(function (item) {
      facts.appendChild(el('dt', {}, item.question));
      facts.appendChild(el('dd', { className: 'ticket-description' }, item.answer));
    });
  }

  function ticketLink(n) { return el('a', { href: '/staff/segnalazioni/' + n }, n); }

  function photos(view) {
    $('photos-section').hidden = !view.photos.length && !view.media_url;
    var list = S.clear($('t-photos'));
    if (view.media_url) {
      // Hosted by the application, not by us: a link, never an embedded image.
      list.appendChild(el('li', {}, el('a', { href: view.media_url, target: '_blank', rel: 'noopener noreferrer' },
        'Foto sul sito dell\'applicazione (' + view.media_url + ')')));
    }
    view.photos.forEach(function (photo) {
      list.appendChild(el('li', {}, el('a', { href: photo.url, target: '_blank', rel: 'noopener' },
        el('img', {
          src: photo.thumbnail_url || photo.url, width: 160, height: 160, loading: 'lazy',
          alt: 'Foto ' + photo.position + ' della segnalazione (apre l\'originale, ' + photo.width + '×' + photo.height + ')'
        }))));
    });
  }

  function place(view) {
    $('map-section').hidden = !view.location;
    if (!view.location) return;
    $('t-coordinates').textContent = 'Coordinate: ' + view.location.lat.toFixed(6) + ', ' + view.location.lon.toFixed(6);
    if (!window.L) return;
    var point = [view.location.lat, view.location.lon];
    if (map) { map.marker.setLatLng(point); map.view.setView(point); return; }
    fetch('/api/v1/config').then(function (r) { return r.json(); }).then(function (config) {
      var view = S.leafletMap('ticket-map').setView(point, 17);
      L.tileLayer(config.map.tile_url, { attribution: config.map.attribution, maxZoom: 19 }).addTo(view);
      map = { view: view, marker: L.marker(point, { keyboard: false, alt: 'Punto della segnalazione ' + number }).addTo(view) };
    });
  }

  function history(view) {
    var list = S.clear($('t-history'));
    view.history.slice().reverse().forEach(function (event) {
      var internal = event.visibility === 'internal';
      var change = event.from_status && event.from_status !== event.to_status
        ? S.LABELS.status[event.from_status] + ' → ' + S.LABELS.status[event.to_status] : null;
      list.appendChild(el('li', { className: internal ? 'internal' : '' },
        el('strong', {}, S.LABELS.event[event.kind] || event.kind),
        internal ? el('span', { className: 'badge internal-badge ms-2' }, 'interna') : null,
        S.time(event.at),
        el('span', { className: 'd-block event-actor' }, byWhom(event.actor)),
        change ? el('span', { className: 'd-block' }, 'Stato: ' + change) : null,
        event.office ? el('span', { className: 'd-block' }, 'Ufficio: ' + event.office.name) : null,
        event.assignee ? el('span', { className: 'd-block' }, 'A: ' + event.assignee.name) : null,
        event.kind === 'assign' && !event.assignee ? el('span', { className: 'd-block' }, 'Segnalazione liberata') : null,
        event.note ? el('p', { className: 'event-note' }, event.note) : null));
    });
  }

  // ---- e-mails about the ticket ----------------------------------------------------------

  var EMAIL_KINDS = {
    citizen: 'Al cittadino',
    office_new_ticket: 'All\'ufficio: nuova segnalazione',
    office_reassigned: 'All\'ufficio: segnalazione passata',
    office_deadlines: 'All\'ufficio: scadenze del giorno',
    office_citizen_update: 'All\'ufficio: il cittadino ha scritto'
  };

  function emailState(email) {
    switch (email.state) {
      case 'sent': return el('span', {}, el('span', { className: 'badge email-sent' }, 'Inviata'), ' ', S.time(email.sent_at));
      case 'held': return el('span', { className: 'badge email-held' }, 'In attesa che il cittadino confermi l\'indirizzo');
      case 'failed': return el('span', {},
        el('span', { className: 'badge email-failed' }, 'Non consegnata'), ' ', S.time(email.failed_at),
        email.last_error ? el('span', { className: 'd-block small' }, 'Motivo: ' + email.last_error) : null);
      default: return el('span', {},
        el('span', { className: 'badge email-pending' }, email.attempts ? 'Nuovo tentativo in corso' : 'In invio'),
        email.attempts ? el('span', { className: 'd-block small' }, 'Tentativi: ' + email.attempts + (email.last_error ? ' · ultimo errore: ' + email.last_error : '')) : null);
    }
  }

  function emails(list) {
    var body = S.clear($('t-emails'));
    $('no-emails').hidden = list.length > 0;
    list.forEach(function (email) {
      var about = (EMAIL_KINDS[email.kind] || email.kind) +
        (email.kind === 'citizen' && email.event ? ' · ' + (S.LABELS.event[email.event] || email.event) : '') +
        (email.kind === 'citizen' && email.recipient_number && email.recipient_number !== number
          ? ' (segnalazione ' + email.recipient_number + ')' : '');
      var resend = null;
      if (email.state === 'failed') {
        resend = el('button', { type: 'button', className: 'btn btn-sm btn-outline-primary' }, 'Invia di nuovo');
        resend.setAttribute('aria-label', 'Invia di nuovo: ' + about);
        resend.addEventListener('click', function () { resendEmail(email, resend); });
      }
      body.appendChild(el('tr', {},
        el('td', {}, about, el('span', { className: 'd-block small' }, S.time(email.created_at))),
        el('td', {}, email.to || 'indirizzo cancellato'),
        el('td', {}, emailState(email)),
        el('td', {}, resend)));
    });
  }

  function resendEmail(email, button) {
    button.disabled = true;
    S.api('POST', '/api/v1/staff/tickets/' + encodeURIComponent(number) + '/emails/' + email.id + '/resend')
      .then(function (result) {
        if (result.status !== 200) {
          button.disabled = false;
          S.showProblem($('email-message'), result, 'Impossibile inviare di nuovo l\'email.');
          $('email-message').focus();
          return;
        }
        emails(result.body.emails);
        S.showMessage($('email-message'), 'L\'email è di nuovo in coda di invio.', 'success');
        $('email-message').focus();
      });
  }

  // ---- action forms ---------------------------------------------------------------------

  function textarea(name, label, required, hint) {
    var id = 'a-' + name + '-' + Math.random().toString(36).slice(2, 8);
    return el('div', { className: 'form-group' },
      el('label', { for: id }, label + (required ? '' : ' (facoltativo)')),
      hint ? el('p', { className: 'form-text small mb-1', id: id + '-hint' }, hint) : null,
      el('textarea', {
        className: 'form-control', id: id, name: name, rows: '3', maxlength: '4000',
        required: required, 'aria-describedby': hint ? id + '-hint' : null
      }));
  }

  function select(name, label, options, current) {
    var id = 'a-' + name + '-' + Math.random().toString(36).slice(2, 8);
    return el('div', { className: 'form-group' },
      el('label', { for: id }, label),
      el('select', { className: 'form-select', id: id, name: name }, options.map(function (option) {
        return el('option', { value: option[0], selected: option[0] === current }, option[1]);
      })));
  }

  function input(name, label, attrs) {
    var id = 'a-' + name + '-' + Math.random().toString(36).slice(2, 8);
    var props = { className: 'form-control', id: id, name: name };
    Object.keys(attrs || {}).forEach(function (k) { props[k] = attrs[k]; });
    return el('div', { className: 'form-group' }, el('label', { for: id }, label), el('input', props));
  }

  var PUBLIC = 'Inviata al cittadino e visibile sulla sua pagina.';

  function fieldsFor(action, view) {
    var me = S.session().user;
    switch (action) {
      case 'take_in_charge': return [textarea('reply', 'Messaggio al cittadino', false, PUBLIC)];
      case 'start_work': return [textarea('reply', 'Messaggio al cittadino', false, PUBLIC)];
      case 'set_priority':
        return [select('priority', 'Priorità', ['urgent', 'high', 'normal', 'low'].map(function (p) {
          return [p, S.LABELS.priority[p]];
        }), view.priority)];
      case 'assign': {
        var mayAssign = S.may('assign_colleagues');
        var options = colleagues.filter(function (user) {
          return mayAssign ? (user.role === 'administrator' || user.office === view.office.id) : user.id === me.id;
        }).map(function (user) { return [user.id, user.id === me.id ? user.name + ' (io)' : user.name]; });
        options.push(['', 'Nessuno (libera la segnalazione)']);
        // Offer a change: the first choice other than whoever holds the ticket now.
        var other = options.filter(function (o) { return o[0] !== (view.assignee || ''); })[0];
        return [select('assignee', 'Assegna a', options, other ? other[0] : '')];
      }
      case 'public_reply': return [textarea('text', 'Risposta', true, PUBLIC)];
      case 'internal_note': return [textarea('text', 'Nota', true, 'Solo per il personale: il cittadino non la vede mai.')];
      case 'reassign':
        return [
          select('office', 'Nuovo ufficio', S.session().offices.filter(function (o) { return o.id !== view.office.id; })
            .map(function (o) { return [o.id, o.name]; })),
          textarea('reason', 'Motivo', true, PUBLIC)
        ];
      case 'resolve': return [textarea('answer', 'Cosa è stato fatto', true, PUBLIC)];
      case 'reject':
        return [
          select('reason', 'Motivo', Object.keys(S.LABELS.rejection).map(function (r) { return [r, S.LABELS.rejection[r]]; })),
          textarea('explanation', 'Spiegazione', true, PUBLIC)
        ];
      case 'mark_duplicate':
        return [input('of', 'Numero della segnalazione originale (dello stesso ufficio)', {
          placeholder: 'es. 2026-000012', pattern: '\\d{4}-\\d{6}', required: true, spellcheck: 'false', autocomplete: 'off'
        })];
      case 'reopen': return [textarea('reason', 'Perché la riapri', true, PUBLIC)];
      default: return [];
    }
  }

  function commandFrom(action, form) {
    var command = { action: action, version: ticket.version };
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name) return;
      var value = field.value.trim();
      if (field.name === 'reply') { if (value) command.reply = value; return; }
      if (field.name === 'assignee') { command.assignee = value || null; return; }
      command[field.name] = value;
    });
    return command;
  }

  function actions(view) {
    var list = S.clear($('actions'));
    $('no-actions').hidden = view.allowed_actions.length > 0;
    view.allowed_actions.forEach(function (action) {
      var errors = el('div', { className: 'message-area', role: 'alert' });
      var form = el('form', { novalidate: true, dataset: { action: action } },
        errors, fieldsFor(action, view),
        el('button', { className: 'btn btn-primary btn-sm', type: 'submit' }, S.LABELS.action[action]));
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        submitAction(action, form, errors);
      });
      list.appendChild(el('details', { dataset: { action: action } }, el('summary', {}, S.LABELS.action[action]), form));
    });
  }

  function submitAction(action, form, errors) {
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    S.clear(errors);
    S.markInvalid(form, null);
    S.api('POST', '/api/v1/staff/tickets/' + encodeURIComponent(number) + '/actions', commandFrom(action, form))
      .then(function (result) {
        button.disabled = false;
        if (result.status === 200 && result.body.left_your_office) {
          S.clear($('actions'));
          $('no-actions').hidden = true;
          announce('Fatto: la segnalazione è passata all\'ufficio ' + S.officeName(result.body.office) +
            ' e non è più nella tua casella.', 'success');
          return;
        }
        if (result.status === 200) {
          render(result.body);
          announce('Fatto: ' + (S.LABELS.event[action] || S.LABELS.action[action]).toLowerCase() + '.', 'success');
          return;
        }
        if (result.status === 409 && result.body && result.body.error === 'stale_version') {
          // The page shows the new state; what was typed stays, ready to send again.
          var typed = {};
          Array.prototype.forEach.call(form.elements, function (field) { if (field.name) typed[field.name] = field.value; });
          load({ text: S.MESSAGES.stale_version, kind: 'warning' }).then(function () {
            var again = document.querySelector('form[data-action="' + action + '"]');
            if (!again) return;
            again.parentNode.open = true;
            Object.keys(typed).forEach(function (name) { if (again.elements[name]) again.elements[name].value = typed[name]; });
          });
          return;
        }
        S.showProblem(errors, result, 'Azione non eseguita.');
        S.markInvalid(form, result);
        var first = form.querySelector('.is-invalid') || errors;
        if (first === errors) errors.setAttribute('tabindex', '-1');
        first.focus();
      });
  }

  S.start().then(function () {
    return S.api('GET', '/api/v1/staff/colleagues').then(function (result) {
      if (result.status === 200) {
        colleagues = result.body;
        colleagues.forEach(function (user) { names[user.id] = user.name; });
      }
      return load();
    });
  });
})();
