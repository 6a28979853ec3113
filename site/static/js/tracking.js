// Tracking page: a button that copies the tracking link (the link is also selectable text).
(function () {
  'use strict';
  var button = document.querySelector('.copy-link');
  var field = document.getElementById('tracking-url');
  if (!button || !field || !navigator.clipboard) return;
  button.hidden = false;
  var label = button.textContent;
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(field.value).then(function () {
      button.textContent = button.getAttribute('data-copied');
      setTimeout(function () { button.textContent = label; }, 2500);
    });
  });
})();
