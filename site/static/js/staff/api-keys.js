// Open311 keys (administrators only): the list, a new key shown once, and revocation with
// a second click to confirm. The API records each change in the audit log.
(function () {
  'use strict';
  var S = window.Staff;
  var el = S.el;
  var $ = function (id) { return document.getElementById(id); };

  function revokeCell(key, people) {
    if (key.revoked_at) {
      var by = people[key.revoked_by] || '';
      return el('td', {}, el('span', { className: 'badge bg-secondary' }, 'revocata'), ' ', S.time(key.revoked_at),
        by ? ' (' + by + ')' : '');
    }
    var cell = el('td', {}, 'attiva ');
    var revoke = el('button', { type: 'button', className: 'btn btn-sm btn-outline-danger' }, 'Revoca');
    revoke.setAttribute('aria-label', 'Revoca la chiave di ' + key.name);
    revoke.addEventListener('click', function () {
      var confirm = el('button', { type: 'button', className: 'btn btn-sm btn-danger' }, 'Conferma la revoca');
      var cancel = el('button', { type: 'button', className: 'btn btn-sm btn-outline-secondary ms-1' }, 'Annulla');
      confirm.setAttribute('aria-label', 'Conferma la revoca della chiave di ' + key.name);
      cancel.addEventListener('click', function () { S.clear(cell); cell.appendChild(document.createTextNode('attiva ')); cell.appendChild(revoke); revoke.focus(); });
      confirm.addEventListener('click', function () {
        confirm.disabled = true;
        S.api('POST', '/api/v1/staff/api-keys/' + encodeURIComponent(key.id) + '/revoke', {}).then(function (result) {
          if (result.status !== 200) { confirm.disabled = false; S.showProblem($('page-message'), result, 'Chiave non revocata.'); return; }
          S.showMessage($('page-message'), 'Chiave di ' + key.name + ' revocata: le sue nuove segnalazioni saranno rifiutate.', 'success');
          load();
        });
      });
      S.clear(cell);
      cell.appendChild(confirm);
      cell.appendChild(cancel);
      confirm.focus();
    });
    cell.appendChild(revoke);
    return cell;
  }

  function load() {
    return S.api('GET', '/api/v1/staff/api-keys').then(function (result) {
      if (result.status !== 200) { S.showProblem($('page-message'), result, 'Impossibile caricare le chiavi.'); return; }
      var people = result.body.people || {};
      var rows = S.clear($('keys-rows'));
      result.body.keys.forEach(function (key) {
        rows.appendChild(el('tr', { dataset: { key: key.id } },
          el('td', {}, key.name),
          el('td', {}, key.contact || '—'),
          el('td', {}, el('code', {}, key.key_prefix + '…')),
          el('td', {}, S.time(key.created_at), ' ', people[key.created_by] ? '(' + people[key.created_by] + ')' : ''),
          el('td', {}, key.last_used_at ? S.time(key.last_used_at) : 'mai'),
          el('td', {}, String(key.reports)),
          revokeCell(key, people)));
      });
      $('keys-empty').hidden = result.body.keys.length > 0;
    });
  }

  function create(event) {
    event.preventDefault();
    var form = $('new-form');
    var key = { name: form.elements.name.value.trim() };
    if (form.elements.contact.value.trim()) key.contact = form.elements.contact.value.trim();
    S.api('POST', '/api/v1/staff/api-keys', key).then(function (result) {
      S.markInvalid(form, result);
      if (result.status !== 201) { S.showProblem($('new-errors'), result, 'Chiave non creata.'); return; }
      form.reset();
      S.clear($('new-errors'));
      $('issued-name').textContent = result.body.name;
      $('issued-secret').value = result.body.secret;
      $('issued-copied').textContent = '';
      $('issued-section').hidden = false;
      $('issued-title').focus();
      load();
    });
  }

  function copy() {
    var field = $('issued-secret');
    field.select();
    var done = function () { $('issued-copied').textContent = 'Chiave copiata.'; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        $('issued-copied').textContent = 'Copia non riuscita: selezionala e copiala a mano.';
      });
    } else {
      $('issued-copied').textContent = 'Chiave selezionata: copiala con Ctrl+C.';
    }
  }

  S.start().then(function () {
    $('new-form').addEventListener('submit', create);
    $('issued-copy').addEventListener('click', copy);
    return load();
  });
})();
