// Sign-in: the API sets the session cookie; reloading this page then lets the Worker send
// the user where they were headed (it alone decides which return addresses are safe).
(function () {
  'use strict';
  var form = document.getElementById('login-form');
  var errorBox = document.getElementById('login-error');
  var submit = document.getElementById('login-submit');

  function fail(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
    errorBox.focus();
    submit.disabled = false;
    submit.textContent = 'Entra';
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var email = form.elements.email.value.trim();
    var password = form.elements.password.value;
    if (!email || !password) {
      fail('Scrivi l\'email e la password.');
      (email ? form.elements.password : form.elements.email).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Accesso in corso…';
    Staff.api('POST', '/api/v1/staff/session', { email: email, password: password }).then(function (result) {
      if (result.status === 200) {
        location.replace(location.href);
      } else if (result.status === 401) {
        fail('Email o password non corretti.');
        form.elements.password.value = '';
      } else if (result.status === 429) {
        var minutes = (result.body && /(\d+)/.exec(result.body.message || '') || [])[1];
        fail('Troppi tentativi falliti: per sicurezza l\'accesso è sospeso' +
          (minutes === '1' ? ' per 1 minuto.' : minutes ? ' per ' + minutes + ' minuti.' : ' per qualche minuto.'));
      } else {
        fail(Staff.problem(result).join(' '));
      }
    });
  });
})();
