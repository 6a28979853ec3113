// The comune's configuration (administrators only): the version in force as JSON, a check
// of the changes before saving, saving as a new version based on the one shown (a save
// over a newer version is refused), and every saved version with a way back to it.
(function () {
  'use strict';
  var S = window.Staff;
  var el = S.el;
  var $ = function (id) { return document.getElementById(id); };
  var loaded = null;

  var CODES = {
    stale_configuration: 'Nel frattempo un altro amministratore ha salvato una nuova versione. Ricarica la pagina per partire da quella: le tue modifiche non sono state salvate.',
    office_in_use: 'un ufficio con personale attivo o segnalazioni aperte non si può togliere',
    category_in_use: 'un argomento con segnalazioni aperte non si può togliere',
    immutable: 'l\'identificativo del Comune non si può cambiare',
    unchanged: 'è uguale a quella in vigore: non c\'è niente da salvare'
  };

  function problems(result) {
    var body = result.body || {};
    if (body.error && CODES[body.error]) return [CODES[body.error]];
    if (body.fields && body.fields.length) {
      return body.fields.map(function (f) {
        var label = f.field === 'note' ? 'Motivo' : f.field === 'config' ? 'Configurazione' : f.field;
        return label + ': ' + (CODES[f.code] || S.MESSAGES[f.code] || f.message);
      });
    }
    return S.problem(result);
  }

  function show(kind, title, lines) {
    var box = S.clear($('config-messages'));
    box.appendChild(el('div', { className: 'alert alert-' + kind },
      el('p', { className: 'fw-semibold mb-1' }, title),
      lines && lines.length ? el('ul', { className: 'mb-0 change-list' }, lines.map(function (line) { return el('li', {}, line); })) : null));
    box.focus();
  }

  function draft() {
    try {
      return JSON.parse($('config-json').value);
    } catch (error) {
      show('danger', 'Il testo non è JSON valido: correggilo prima di continuare.', [error.message]);
      return null;
    }
  }

  function render(answer) {
    loaded = answer;
    $('config-json').value = JSON.stringify(answer.config, null, 2);
    $('config-note').value = '';
    var current = answer.versions.filter(function (v) { return v.version === answer.version; })[0];
    $('config-status').textContent = answer.version === 0
      ? 'In vigore: la configurazione di installazione (versione 0), mai modificata dal pannello.'
      : 'In vigore: versione ' + answer.version + ', salvata da ' + current.created_by + ' il ' +
        S.time(current.created_at).textContent + '.';
    var rows = S.clear($('versions-rows'));
    answer.versions.concat([{ version: 0, note: 'Configurazione di installazione', created_by: '—' }]).forEach(function (v) {
      var inForce = v.version === answer.version;
      var action = inForce ? el('span', { className: 'badge bg-success' }, 'in vigore')
        : el('button', {
          type: 'button', className: 'btn btn-sm btn-outline-primary',
          'aria-label': 'Ripristina la versione ' + v.version, on: { click: function () { restore(v.version); } }
        }, 'Ripristina');
      rows.appendChild(el('tr', { dataset: { version: String(v.version) } },
        el('th', { scope: 'row' }, String(v.version)),
        el('td', {}, v.created_at ? S.time(v.created_at) : '—'),
        el('td', {}, v.created_by || '—'),
        el('td', {}, v.note, v.restored_from !== null && v.restored_from !== undefined
          ? el('div', { className: 'small' }, 'ripristino della versione ' + v.restored_from) : null),
        el('td', {}, action)));
    });
  }

  function load() {
    return S.api('GET', '/api/v1/staff/configuration').then(function (result) {
      if (result.status !== 200) { S.showProblem($('page-message'), result, 'Impossibile caricare la configurazione.'); return; }
      render(result.body);
    });
  }

  function preview() {
    var config = draft();
    if (!config) return;
    S.api('POST', '/api/v1/staff/configuration/preview', { config: config }).then(function (result) {
      if (result.status !== 200) { show('danger', 'La configurazione ha dei problemi:', problems(result)); return; }
      var changes = result.body.changes;
      if (!changes.length) show('info', 'Nessuna differenza dalla versione in vigore.');
      else show('success', 'Configurazione valida. ' + (changes.length === 1 ? 'Cambia 1 voce:' : 'Cambiano ' + changes.length + ' voci:'), changes);
    });
  }

  function save(event) {
    event.preventDefault();
    var config = draft();
    if (!config) return;
    var note = $('config-note').value.trim();
    if (!note) {
      show('danger', 'Scrivi il motivo della modifica: resta nello storico.');
      $('config-note').focus();
      return;
    }
    S.api('POST', '/api/v1/staff/configuration/versions', { config: config, note: note, based_on: loaded.version }).then(function (result) {
      if (result.status !== 201) { show('danger', 'Configurazione non salvata.', problems(result)); return; }
      load().then(function () {
        show('success', 'Salvata la versione ' + result.body.version + ', ora in vigore.', result.body.changes);
      });
    });
  }

  function restore(version) {
    var note = $('config-note').value.trim() || 'Ripristino della versione ' + version;
    S.api('POST', '/api/v1/staff/configuration/versions/' + version + '/restore', { note: note, based_on: loaded.version }).then(function (result) {
      if (result.status !== 201) { show('danger', 'Versione non ripristinata.', problems(result)); return; }
      load().then(function () {
        show('success', 'Ripristinata la versione ' + version + ' come nuova versione ' + result.body.version + '.', result.body.changes);
      });
    });
  }

  S.start().then(function () {
    $('config-preview').addEventListener('click', preview);
    $('config-form').addEventListener('submit', save);
    $('config-reset').addEventListener('click', function () {
      if (loaded) render(loaded);
      S.clear($('config-messages'));
    });
    return load();
  });
})();
