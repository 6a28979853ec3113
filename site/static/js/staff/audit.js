// The audit log (administrators only), newest first, a hundred entries at a time.
(function () {
  'use strict';
  var S = window.Staff;
  var el = S.el;
  var $ = function (id) { return document.getElementById(id); };
  var names = {};
  var oldest = null;
  var ACTIONS = {
    setup: 'Primo amministratore creato', create_user: 'Account creato', change_user: 'Account modificato',
    login: 'Accesso', login_failed: 'Accesso non riuscito', change_configuration: 'Configurazione modificata',
    create_api_key: 'Chiave API creata', revoke_api_key: 'Chiave API revocata'
  };
  var PAGE = 100;
  // Italian names of the details' keys and values.
  var KEYS = {
    email: 'email', name: 'nome', role: 'ruolo', office: 'ufficio', active: 'attivo', method: 'modo',
    sessions_ended: 'sessioni chiuse', password_reset: 'password reimpostata', version: 'versione',
    note: 'motivo', restored_from: 'ripristino della versione', changes: 'voci cambiate',
    contact: 'referente', key_prefix: 'chiave'
  };
  var VALUES = { cloudflare_access: 'Cloudflare Access', 'true': 'sì', 'false': 'no' };

  function detail(value) {
    if (value === null || value === undefined) return '';
    if (typeof value !== 'object') return String(value);
    return Object.keys(value).filter(function (key) { return value[key] !== null; }).map(function (key) {
      var v = value[key];
      var text = Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v)
        : (key === 'role' && S.LABELS.role[v]) || VALUES[String(v)] || String(v);
      return (KEYS[key] || key) + ': ' + text;
    }).join(' · ');
  }

  function load() {
    var path = '/api/v1/staff/audit' + (oldest ? '?before=' + oldest : '');
    return S.api('GET', path).then(function (result) {
      if (result.status !== 200) { S.showProblem($('page-message'), result, 'Impossibile caricare il registro.'); return; }
      var rows = $('audit-rows');
      result.body.forEach(function (entry) {
        oldest = entry.id;
        rows.appendChild(el('tr', {},
          el('td', {}, S.time(entry.at)),
          el('td', {}, entry.actor_id ? (names[entry.actor_id] || entry.actor_id) : 'installazione (codice di setup)'),
          el('td', {}, ACTIONS[entry.action] || entry.action),
          el('td', {}, names[entry.subject] || entry.subject),
          el('td', {}, detail(entry.detail))));
      });
      $('audit-more').hidden = result.body.length < PAGE;
    });
  }

  S.start().then(function () {
    $('audit-more').addEventListener('click', load);
    return S.api('GET', '/api/v1/staff/users').then(function (result) {
      if (result.status === 200) result.body.forEach(function (user) { names[user.id] = user.name + ' (' + user.email + ')'; });
      return load();
    });
  });
})();
