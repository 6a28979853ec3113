// Staff accounts (administrators only): the list, a new account, and changes (name, role,
// office, active, a new password). The API validates and records each change in the audit
// log; disabling an account or changing its role ends its sessions at once.
(function () {
  'use strict';
  var S = window.Staff;
  var el = S.el;
  var $ = function (id) { return document.getElementById(id); };
  var users = [];
  var editing = null;

  function fillChoices(session) {
    Array.prototype.forEach.call(document.querySelectorAll('[data-roles]'), function (select) {
      ['operator', 'referent', 'administrator'].forEach(function (role) {
        select.appendChild(el('option', { value: role }, S.LABELS.role[role]));
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-offices]'), function (select) {
      select.appendChild(el('option', { value: '' }, 'Nessuno (solo amministratori)'));
      session.offices.forEach(function (office) { select.appendChild(el('option', { value: office.id }, office.name)); });
    });
  }

  function load() {
    return S.api('GET', '/api/v1/staff/users').then(function (result) {
      if (result.status !== 200) { S.showProblem($('page-message'), result, 'Impossibile caricare gli account.'); return; }
      users = result.body;
      var rows = S.clear($('users-rows'));
      users.forEach(function (user) {
        var edit = el('button', { type: 'button', className: 'btn btn-sm btn-outline-primary' }, 'Modifica');
        edit.setAttribute('aria-label', 'Modifica l\'account di ' + user.name);
        edit.addEventListener('click', function () { startEdit(user); });
        rows.appendChild(el('tr', { dataset: { email: user.email } },
          el('td', {}, user.name), el('td', {}, user.email), el('td', {}, S.LABELS.role[user.role]),
          el('td', {}, user.office ? S.officeName(user.office) : '—'),
          el('td', {}, user.active ? 'attivo' : el('span', { className: 'badge bg-secondary' }, 'disattivato')),
          el('td', {}, edit)));
      });
    });
  }

  function startEdit(user) {
    editing = user;
    var form = $('edit-form');
    S.clear($('edit-errors'));
    form.elements.name.value = user.name;
    form.elements.role.value = user.role;
    form.elements.office.value = user.office || '';
    form.elements.active.checked = user.active;
    form.elements.password.value = '';
    $('edit-title').textContent = 'Modifica l\'account di ' + user.name + ' (' + user.email + ')';
    $('edit-section').hidden = false;
    $('edit-title').focus();
  }

  function saveEdit(event) {
    event.preventDefault();
    var form = $('edit-form');
    var change = {};
    var name = form.elements.name.value.trim();
    if (name !== editing.name) change.name = name;
    if (form.elements.role.value !== editing.role) change.role = form.elements.role.value;
    if (form.elements.office.value !== (editing.office || '')) change.office = form.elements.office.value;
    if (form.elements.active.checked !== editing.active) change.active = form.elements.active.checked;
    if (form.elements.password.value) change.password = form.elements.password.value;
    if (!Object.keys(change).length) { S.showMessage($('edit-errors'), 'Nessuna modifica da salvare.', 'info'); return; }
    S.api('PATCH', '/api/v1/staff/users/' + encodeURIComponent(editing.id), change).then(function (result) {
      S.markInvalid(form, result);
      if (result.status !== 200) { S.showProblem($('edit-errors'), result, 'Modifiche non salvate.'); return; }
      $('edit-section').hidden = true;
      S.showMessage($('page-message'), 'Account di ' + result.body.name + ' aggiornato.', 'success');
      $('page-message').setAttribute('tabindex', '-1');
      $('page-message').focus();
      load();
    });
  }

  function create(event) {
    event.preventDefault();
    var form = $('new-form');
    var account = {
      name: form.elements.name.value.trim(), email: form.elements.email.value.trim(),
      role: form.elements.role.value, password: form.elements.password.value
    };
    if (form.elements.office.value) account.office = form.elements.office.value;
    S.api('POST', '/api/v1/staff/users', account).then(function (result) {
      S.markInvalid(form, result);
      if (result.status !== 201) { S.showProblem($('new-errors'), result, 'Account non creato.'); return; }
      form.reset();
      S.showMessage($('new-errors'), 'Account di ' + result.body.name + ' creato. Comunica la password di persona.', 'success');
      load();
    });
  }

  S.start().then(function (session) {
    fillChoices(session);
    $('edit-form').addEventListener('submit', saveEdit);
    $('edit-cancel').addEventListener('click', function () {
      $('edit-section').hidden = true;
      var row = document.querySelector('#users-rows tr[data-email="' + (editing && editing.email) + '"] button');
      if (row) row.focus();
    });
    $('new-form').addEventListener('submit', create);
    return load();
  });
})();
