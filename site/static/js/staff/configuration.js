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

  // ---- the draft and its structured editors ------------------------------------------
  // The draft is one object; the editors change it and the JSON text always shows it all.

  var draftObject = null;

  function syncText() { $('config-json').value = JSON.stringify(draftObject, null, 2); }

  function setDraft(object, fromText) {
    draftObject = object;
    if (!fromText) syncText();
    renderEditors();
  }

  function name(text) { return text && (text.it || text.en) || ''; }

  function field(label, value, onInput, attrs) {
    var id = 'cfg-' + Math.random().toString(36).slice(2, 9);
    var props = { className: 'form-control', id: id, value: value === undefined || value === null ? '' : String(value) };
    Object.keys(attrs || {}).forEach(function (k) { props[k] = attrs[k]; });
    var input = el('input', props);
    input.addEventListener('input', function () { onInput(input.value); syncText(); });
    return el('div', { className: 'form-group' }, el('label', { for: id }, label), input);
  }

  function optional(object, key, value) {
    if (value.trim()) object[key] = value.trim(); else delete object[key];
  }

  function officeOptions(select, selected, blank) {
    S.clear(select);
    if (blank) select.appendChild(el('option', { value: '' }, blank));
    (draftObject.offices || []).forEach(function (office) {
      select.appendChild(el('option', { value: office.id, selected: office.id === selected }, name(office.name) + ' (' + office.id + ')'));
    });
  }

  function renderOffices() {
    var box = S.clear($('offices-editor'));
    (draftObject.offices || []).forEach(function (office, index) {
      office.referent = office.referent || {};
      var remove = el('button', {
        type: 'button', className: 'btn btn-sm btn-outline-danger',
        'aria-label': 'Togli dalla bozza l\'ufficio ' + name(office.name)
      }, 'Togli dalla bozza');
      remove.addEventListener('click', function () {
        draftObject.offices.splice(index, 1);
        setDraft(draftObject);
      });
      box.appendChild(el('fieldset', { className: 'config-office', dataset: { office: office.id } },
        el('legend', { className: 'h6' }, name(office.name) + ' · ' + office.id),
        el('div', { className: 'config-grid' },
          field('Nome', office.name && office.name.it, function (v) { office.name = office.name || {}; office.name.it = v; }),
          field('Nome in inglese', office.name && office.name.en, function (v) { optional(office.name, 'en', v); }),
          field('Email dell\'ufficio', office.email, function (v) { office.email = v.trim(); }, { type: 'email', spellcheck: 'false' }),
          field('Telefono', office.phone, function (v) { optional(office, 'phone', v); }, { type: 'tel' }),
          field('Referente: nome e cognome', office.referent.name, function (v) { office.referent.name = v; }),
          field('Referente: ruolo', office.referent.role, function (v) { optional(office.referent, 'role', v); }),
          field('Referente: email', office.referent.email, function (v) { office.referent.email = v.trim(); }, { type: 'email', spellcheck: 'false' })),
        remove));
    });
  }

  function number(value) {
    var n = parseInt(value, 10);
    return isNaN(n) ? value : n;
  }

  function renderTargets() {
    var rows = S.clear($('targets-rows'));
    (draftObject.themes || []).forEach(function (theme) {
      (theme.categories || []).forEach(function (category) {
        category.targets = category.targets || {};
        var label = name(theme.name) + ' › ' + name(category.name);
        var take = el('input', {
          type: 'number', min: '1', max: '365', className: 'form-control targets-input',
          value: String(category.targets.take_in_charge_days === undefined ? '' : category.targets.take_in_charge_days),
          'aria-label': 'Presa in carico entro, giorni lavorativi: ' + label
        });
        take.addEventListener('input', function () { category.targets.take_in_charge_days = number(take.value); syncText(); });
        var resolve = el('input', {
          type: 'number', min: '1', max: '3650', className: 'form-control targets-input',
          value: category.targets.resolution_days === undefined ? '' : String(category.targets.resolution_days),
          'aria-label': 'Risoluzione entro, giorni lavorativi: ' + label
        });
        resolve.addEventListener('input', function () {
          if (resolve.value === '') delete category.targets.resolution_days;
          else category.targets.resolution_days = number(resolve.value);
          syncText();
        });
        rows.appendChild(el('tr', { dataset: { category: category.id } }, el('th', { scope: 'row' }, label), el('td', {}, take), el('td', {}, resolve)));
      });
    });
  }

  function themeName(id) {
    var theme = (draftObject.themes || []).filter(function (t) { return t.id === id; })[0];
    return theme ? name(theme.name) : id;
  }

  function categoryName(id) {
    var found = id;
    (draftObject.themes || []).forEach(function (t) {
      (t.categories || []).forEach(function (c) { if (c.id === id) found = name(c.name); });
    });
    return found;
  }

  function zoneName(id) {
    var zone = (draftObject.zones || []).filter(function (z) { return z.id === id; })[0];
    return zone ? name(zone.name) : id;
  }

  function renderRouting() {
    draftObject.routing = draftObject.routing || { rules: [], default_office: '' };
    var rules = draftObject.routing.rules = draftObject.routing.rules || [];
    var list = S.clear($('routing-rules'));
    rules.forEach(function (rule, index) {
      var conditions = [];
      if (rule.theme) conditions.push('tema ' + themeName(rule.theme));
      if (rule.categories && rule.categories.length) conditions.push('argomenti ' + rule.categories.map(categoryName).join(', '));
      if (rule.zone) conditions.push('zona ' + zoneName(rule.zone));
      var id = 'rule-office-' + index;
      var office = el('select', { className: 'form-select', id: id });
      officeOptions(office, rule.office);
      office.addEventListener('change', function () { rule.office = office.value; syncText(); });
      var move = function (label, delta) {
        var button = el('button', {
          type: 'button', className: 'btn btn-sm btn-outline-primary', disabled: index + delta < 0 || index + delta >= rules.length,
          'aria-label': label + ' la regola ' + rule.id
        }, label);
        button.addEventListener('click', function () {
          rules.splice(index + delta, 0, rules.splice(index, 1)[0]);
          setDraft(draftObject);
        });
        return button;
      };
      var remove = el('button', { type: 'button', className: 'btn btn-sm btn-outline-danger', 'aria-label': 'Togli la regola ' + rule.id }, 'Togli');
      remove.addEventListener('click', function () { rules.splice(index, 1); setDraft(draftObject); });
      list.appendChild(el('li', { dataset: { rule: rule.id } },
        el('strong', {}, rule.id), ': ', conditions.join(' e ') || 'nessuna condizione',
        el('div', { className: 'rule-row' },
          el('div', { className: 'form-group mb-0' }, el('label', { for: id }, 'Ufficio della regola ' + rule.id), office),
          move('Su', -1), move('Giù', 1), remove)));
    });
    officeOptions($('default-office'), draftObject.routing.default_office);
    var theme = S.clear($('new-rule-theme'));
    theme.appendChild(el('option', { value: '' }, 'Qualsiasi tema'));
    (draftObject.themes || []).forEach(function (t) { theme.appendChild(el('option', { value: t.id }, name(t.name))); });
    var categories = S.clear($('new-rule-categories'));
    (draftObject.themes || []).forEach(function (t) {
      categories.appendChild(el('optgroup', { label: name(t.name) }, (t.categories || []).map(function (c) {
        return el('option', { value: c.id }, name(c.name));
      })));
    });
    var zone = S.clear($('new-rule-zone'));
    zone.appendChild(el('option', { value: '' }, 'Ovunque'));
    (draftObject.zones || []).forEach(function (z) { zone.appendChild(el('option', { value: z.id }, name(z.name))); });
    officeOptions($('new-rule-office'));
  }

  function renderEditors() {
    renderOffices();
    renderTargets();
    renderRouting();
  }

  function addOffice() {
    var office = {
      id: $('new-office-id').value.trim(),
      name: { it: $('new-office-name').value.trim() },
      email: $('new-office-email').value.trim(),
      referent: { name: $('new-office-referent').value.trim(), email: $('new-office-referent-email').value.trim() }
    };
    if (!office.id || !office.name.it || !office.email || !office.referent.name || !office.referent.email) {
      show('danger', 'Per aggiungere un ufficio servono identificativo, nome, email, nome ed email del referente.');
      return;
    }
    draftObject.offices.push(office);
    ['new-office-id', 'new-office-name', 'new-office-email', 'new-office-referent', 'new-office-referent-email']
      .forEach(function (id) { $(id).value = ''; });
    setDraft(draftObject);
    show('info', 'Ufficio ' + office.id + ' aggiunto alla bozza: controlla e salva per metterlo in vigore.');
  }

  function addRule() {
    var rule = { id: $('new-rule-id').value.trim() };
    if ($('new-rule-theme').value) rule.theme = $('new-rule-theme').value;
    var categories = Array.prototype.filter.call($('new-rule-categories').options, function (o) { return o.selected; })
      .map(function (o) { return o.value; });
    if (categories.length) rule.categories = categories;
    if ($('new-rule-zone').value) rule.zone = $('new-rule-zone').value;
    rule.office = $('new-rule-office').value;
    if (!rule.id) { show('danger', 'Dai un identificativo alla regola.'); return; }
    draftObject.routing.rules.push(rule);
    $('new-rule-id').value = '';
    setDraft(draftObject);
    show('info', 'Regola ' + rule.id + ' aggiunta in fondo alla bozza: controlla e salva per metterla in vigore.');
  }

  function render(answer) {
    loaded = answer;
    setDraft(JSON.parse(JSON.stringify(answer.config)));
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
    $('add-office').addEventListener('click', addOffice);
    $('add-rule').addEventListener('click', addRule);
    $('default-office').addEventListener('change', function () {
      draftObject.routing.default_office = $('default-office').value;
      syncText();
    });
    // Edits of the text update the sections once the text is valid JSON again.
    $('config-json').addEventListener('change', function () {
      try {
        setDraft(JSON.parse($('config-json').value), true);
      } catch (error) {
        show('danger', 'Il testo non è JSON valido: le sezioni mostrano l\'ultima bozza valida.', [error.message]);
      }
    });
    $('config-form').addEventListener('submit', save);
    $('config-reset').addEventListener('click', function () {
      if (loaded) render(loaded);
      S.clear($('config-messages'));
    });
    return load();
  });
})();
