// Progressive enhancement of the report form (/segnala/, /en/report/). Without this
// script the form is one page posted as multipart to the Worker. With it: steps with a
// review, a Leaflet map with "use my position", photo previews resized in the browser,
// validation before sending, and an idempotent fetch to the API.
(function () {
  'use strict';
  var form = document.getElementById('report-form');
  if (!form || !window.fetch || !window.FormData || !window.Promise) return;

  var $ = function (selector, root) { return (root || document).querySelector(selector); };
  var $$ = function (selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); };
  var steps = $$('.report-step', form);
  var indicator = $('#steps-indicator');
  var stepStatus = $('#step-status');
  var summary = $('#error-summary');
  var backButton = $('#step-back');
  var nextButton = $('#step-next');
  var submitButton = $('#submit-report');
  var maxPhotos = Number(form.getAttribute('data-max-photos')) || 0;
  var maxPhotoBytes = Number(form.getAttribute('data-max-photo-bytes')) || 10485760;
  var photos = [];
  var boundary = null;
  var map = null;
  var marker = null;
  var current = 0;

  form.noValidate = true;
  var nonce = window.crypto && crypto.randomUUID ? crypto.randomUUID()
    : String(Date.now()) + Math.random().toString(16).slice(2);
  form.elements.nonce.value = nonce;

  // ---- errors -------------------------------------------------------------------------

  // The form field an API error belongs to (the same mapping as the Worker's). Questions
  // are answers.{code} for the API and answers.{category}.{code} on the page.
  function formField(apiField) {
    var question = /^answers\.([a-z0-9-]+)$/.exec(apiField);
    if (question) return 'answers.' + value('category') + '.' + question[1];
    if (apiField === 'reporter.name') return 'name';
    if (apiField === 'reporter.email') return 'email';
    if (apiField === 'location' || apiField.indexOf('location.') === 0) return 'location';
    if (apiField.indexOf('photos') === 0) return 'photos';
    return apiField;
  }

  function controlOf(field) {
    if (field === 'location') return form.elements.address;
    if (field === 'kind') return $('#kind-segnalazione');
    if (field === 'category' && form.elements.category.disabled) return $('#theme');
    if (field.indexOf('answers.') === 0) return form.querySelector('[name="' + field + '"]');
    return form.elements[field] && form.elements[field].nodeType ? form.elements[field] : document.getElementById(field);
  }

  function clearErrors() {
    summary.hidden = true;
    $('[data-slot="error-list"]', summary).textContent = '';
    $$('[data-error-for]', form).forEach(function (box) { box.hidden = true; box.textContent = ''; });
    $$('.is-invalid', form).forEach(function (el) { el.classList.remove('is-invalid'); el.removeAttribute('aria-invalid'); });
  }

  // errors: [{field, code, message}] with API field names; general: text for the summary.
  function showErrors(errors, general) {
    clearErrors();
    var list = $('[data-slot="error-list"]', summary);
    var seen = {};
    var first = null;
    errors.forEach(function (error) {
      var field = formField(error.field || '');
      if (seen[field]) return;
      seen[field] = true;
      var box = field && form.querySelector('[data-error-for="' + field + '"]');
      var message = (box && box.getAttribute('data-msg-' + error.code)) || error.message || '';
      var item = document.createElement('li');
      if (box) {
        box.textContent = message;
        box.hidden = false;
        var control = controlOf(field);
        // Every option of a question is marked, as the Worker marks them without JavaScript.
        var marked = field.indexOf('answers.') === 0 ? $$('[name="' + field + '"]', form) : control ? [control] : [];
        marked.forEach(function (input) { input.classList.add('is-invalid'); input.setAttribute('aria-invalid', 'true'); });
        var link = document.createElement('a');
        link.href = '#' + (control && control.id ? control.id : field);
        link.textContent = message;
        link.addEventListener('click', function (event) {
          event.preventDefault();
          goToField(field, true);
        });
        item.appendChild(link);
        if (!first) first = field;
      } else {
        item.textContent = message;
      }
      list.appendChild(item);
    });
    if (general) {
      var extra = document.createElement('li');
      extra.textContent = general;
      list.appendChild(extra);
    }
    summary.hidden = false;
    if (first) goToField(first, false);
    summary.focus();
  }

  function stepOf(field) {
    var box = form.querySelector('[data-error-for="' + field + '"]');
    var step = box && box.closest('.report-step');
    return step ? steps.indexOf(step) : current;
  }

  function goToField(field, focus) {
    showStep(stepOf(field), false);
    var control = controlOf(field);
    if (focus && control) control.focus();
  }

  // ---- client-side checks, mirroring the server's --------------------------------------

  function value(name) { return (form.elements[name].value || '').trim(); }

  function checkStep(index) {
    var errors = [];
    var step = steps[index] ? steps[index].getAttribute('data-step') : '';
    if (step === '1' && !value('category')) {
      var theme = $('#theme');
      errors.push({ field: 'category', code: theme && !theme.value ? 'theme_required' : 'required' });
    }
    if (step === '2') {
      var lat = value('lat');
      var lon = value('lon');
      if (lat && lon && boundary && !insideArea(boundary, Number(lat), Number(lon))) {
        errors.push({ field: 'location', code: 'outside_boundary' });
      } else if (!(lat && lon) && !value('address')) {
        errors.push({ field: 'location', code: 'required' });
      }
      if (value('address').length > 200) errors.push({ field: 'address', code: 'too_long' });
    }
    if (step === '3') {
      var description = value('description');
      if (!description) errors.push({ field: 'description', code: 'required' });
      else if (Array.from(description).length < 10) errors.push({ field: 'description', code: 'too_short' });
      else if (Array.from(description).length > 4000) errors.push({ field: 'description', code: 'too_long' });
      errors = errors.concat(checkQuestions());
      if (photos.length > maxPhotos) errors.push({ field: 'photos', code: 'too_many_photos' });
    }
    if (step === '4') {
      if (value('name').length > 100) errors.push({ field: 'reporter.name', code: 'too_long' });
      var email = value('email');
      if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) errors.push({ field: 'reporter.email', code: 'invalid_email' });
      if (!form.elements.privacy_accepted.checked) errors.push({ field: 'privacy_accepted', code: 'privacy_required' });
    }
    return errors;
  }

  // ---- the chosen category's extra questions -----------------------------------------

  var questionGroups = $$('.category-questions', form);

  // Only the chosen category's questions are shown and sent; the others are disabled.
  function showQuestions() {
    var chosen = form.elements.category.value;
    questionGroups.forEach(function (group) {
      var mine = group.getAttribute('data-category') === chosen;
      group.hidden = !mine;
      group.disabled = !mine;
    });
  }

  function chosenQuestions() {
    return questionGroups.filter(function (group) { return !group.disabled; })
      .reduce(function (all, group) { return all.concat($$('.question', group)); }, []);
  }

  function questionName(question) {
    return question.getAttribute('data-field-group');
  }

  // What the citizen answered: text, or the chosen keys for choices.
  function answerOf(question) {
    var kind = question.getAttribute('data-kind');
    if (kind === 'choice' || kind === 'choices') {
      return $$('input:checked', question).map(function (input) { return input.value; }).filter(Boolean);
    }
    return ($('input, textarea', question).value || '').trim();
  }

  function parseNumber(text) {
    var normal = text.indexOf(',') >= 0 && text.indexOf('.') < 0 ? text.replace(',', '.') : text;
    return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(normal) ? Number(normal) : NaN;
  }

  function checkQuestions() {
    var errors = [];
    chosenQuestions().forEach(function (question) {
      var field = questionName(question);
      var kind = question.getAttribute('data-kind');
      var answer = answerOf(question);
      var control = $('input, textarea', question);
      if (!answer.length) {
        // A date the browser cannot read comes as an empty value but a bad input.
        if (control.validity && control.validity.badInput) errors.push({ field: field, code: kind === 'date' ? 'invalid_date' : 'invalid_number' });
        else if ($('abbr', question)) errors.push({ field: field, code: 'required' });
        return;
      }
      if (kind === 'number') {
        var number = parseNumber(answer);
        if (!isFinite(number)) errors.push({ field: field, code: 'invalid_number' });
        else if (control.step === '1' && number % 1 !== 0) errors.push({ field: field, code: 'not_an_integer' });
        else if ((control.min !== '' && number < Number(control.min)) || (control.max !== '' && number > Number(control.max))) {
          errors.push({ field: field, code: 'out_of_range' });
        }
      } else if (kind === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(answer) && !/^\d{1,2}\/\d{1,2}\/\d{4}$/.test(answer)) {
        errors.push({ field: field, code: 'invalid_date' });
      } else if (kind === 'line' && (Array.from(answer).length > 200 || /[\r\n]/.test(answer))) {
        errors.push({ field: field, code: 'too_long' });
      } else if (kind === 'text' && Array.from(answer).length > 2000) {
        errors.push({ field: field, code: 'too_long' });
      }
    });
    return errors;
  }

  // Questions and answers for the review, as the citizen sees them.
  function reviewedAnswers() {
    var language = form.getAttribute('data-language');
    return chosenQuestions().map(function (question) {
      var label = $('[data-question]', question).firstChild.textContent.trim();
      var kind = question.getAttribute('data-kind');
      var answer = answerOf(question);
      if (kind === 'choice' || kind === 'choices') {
        answer = $$('input:checked', question).filter(function (input) { return input.value; })
          .map(function (input) { return $('label[for="' + input.id + '"]', question).textContent.trim(); }).join(', ');
      } else if (kind === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(answer)) {
        answer = new Date(answer + 'T12:00:00').toLocaleDateString(language === 'en' ? 'en-GB' : 'it-IT', { day: 'numeric', month: 'long', year: 'numeric' });
      }
      return [label, answer];
    });
  }

  // ---- steps --------------------------------------------------------------------------

  function showStep(index, focus) {
    current = Math.max(0, Math.min(index, steps.length - 1));
    steps.forEach(function (step, n) { step.hidden = n !== current; });
    $$('li', indicator).forEach(function (item, n) {
      item.classList.toggle('done', n < current);
      if (n === current) item.setAttribute('aria-current', 'step'); else item.removeAttribute('aria-current');
    });
    backButton.hidden = current === 0;
    nextButton.hidden = current === steps.length - 1;
    submitButton.hidden = current !== steps.length - 1;
    stepStatus.textContent = stepStatus.getAttribute('data-template')
      .replace('{n}', String(current + 1)).replace('{total}', String(steps.length));
    if (steps[current].id === 'review') buildReview();
    if (map && steps[current].getAttribute('data-step') === '2') setTimeout(function () { map.invalidateSize(); }, 0);
    if (focus) {
      var heading = $('legend, h2', steps[current]);
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }

  // A corrected field loses its error at once; the rest are checked again on "next". Its
  // error boxes are the ones it is described by, as a screen reader hears them.
  function clearErrorOf(control) {
    if (!control || !control.classList.contains('is-invalid')) return;
    control.classList.remove('is-invalid');
    control.removeAttribute('aria-invalid');
    (control.getAttribute('aria-describedby') || '').split(/\s+/).forEach(function (id) {
      var box = id && document.getElementById(id);
      if (box && box.hasAttribute('data-error-for')) { box.hidden = true; box.textContent = ''; }
    });
    if (!$$('.is-invalid', form).length) summary.hidden = true;
  }
  ['input', 'change'].forEach(function (type) {
    form.addEventListener(type, function (event) {
      var target = event.target;
      // Radios and checkboxes of a question share one error: any choice corrects it.
      var grouped = target.type === 'radio' || (target.type === 'checkbox' && target.name.indexOf('answers.') === 0);
      var corrected = grouped ? $$('[name="' + target.name + '"]', form) : [target];
      // A new theme brings a new list of topics: an error on the old one no longer holds.
      if (target.id === 'theme') corrected.push(form.elements.category);
      corrected.forEach(clearErrorOf);
      if (target.id === 'theme' || target.name === 'category') showQuestions();
      if (target.id === 'theme' || target.name === 'category') suggestNearby();
    });
  });

  nextButton.addEventListener('click', function () {
    var errors = checkStep(current);
    if (errors.length) { showErrors(errors); return; }
    clearErrors();
    showStep(current + 1, true);
  });
  backButton.addEventListener('click', function () { clearErrors(); showStep(current - 1, true); });

  function buildReview() {
    var list = $('#review-list');
    var label = function (key) { return list.getAttribute('data-label-' + key); };
    var empty = list.getAttribute('data-empty');
    var category = form.elements.category;
    var kind = $('input[name="kind"]:checked', form);
    var place = [value('address'), value('lat') ? list.getAttribute('data-point') + ' (' + Number(value('lat')).toFixed(5) + ', ' + Number(value('lon')).toFixed(5) + ')' : '']
      .filter(Boolean).join(' — ');
    var rows = [
      ['category', category.selectedIndex > 0 ? category.options[category.selectedIndex].text : ''],
      ['kind', kind ? kind.parentNode.querySelector('label').firstChild.textContent.trim() : ''],
      ['place', place],
      ['description', value('description')],
    ].concat(reviewedAnswers().map(function (pair) { return [null, pair[1], pair[0]]; })).concat([
      ['photos', photos.length ? String(photos.length) : ''],
      ['name', value('name')],
      ['email', value('email')],
    ]);
    list.textContent = '';
    rows.forEach(function (row) {
      var dt = document.createElement('dt');
      dt.textContent = row[0] ? label(row[0]) : row[2];
      var dd = document.createElement('dd');
      dd.textContent = row[1] || empty;
      list.appendChild(dt);
      list.appendChild(dd);
    });
  }

  // ---- map ----------------------------------------------------------------------------

  // Even-odd ray casting over GeoJSON Polygon/MultiPolygon rings ([lon, lat]).
  function insideRing(ring, lat, lon) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lon < xj + (lat - yj) * (xi - xj) / (yi - yj)) inside = !inside;
    }
    return inside;
  }
  function insideArea(area, lat, lon) {
    var polygons = area.type === 'Polygon' ? [area.coordinates] : area.coordinates;
    return polygons.some(function (rings) {
      return insideRing(rings[0], lat, lon) && !rings.slice(1).some(function (hole) { return insideRing(hole, lat, lon); });
    });
  }

  function mapMessage(key) { return $('#map').getAttribute('data-msg-' + key); }

  function setPoint(lat, lon) {
    if (!marker) {
      marker = L.marker([lat, lon], { draggable: true, keyboard: true, title: mapMessage('set') }).addTo(map);
      marker.on('dragend', function () { var p = marker.getLatLng(); setPoint(p.lat, p.lng); });
    } else {
      marker.setLatLng([lat, lon]);
    }
    form.elements.lat.value = lat.toFixed(6);
    form.elements.lon.value = lon.toFixed(6);
    var outside = boundary && !insideArea(boundary, lat, lon);
    var status = $('#map-status');
    status.textContent = outside ? mapMessage('outside') : mapMessage('set');
    status.classList.toggle('text-danger', !!outside);
    if (outside) showErrors([{ field: 'location', code: 'outside_boundary' }]); else if (!summary.hidden) clearErrors();
    suggestNearby();
  }

  // ---- open reports nearby, to follow instead of filing the same problem again -------
  var nearbyTimer = null;
  var nearbyAsked = '';
  function suggestNearby() {
    clearTimeout(nearbyTimer);
    nearbyTimer = setTimeout(function () {
      var section = $('#nearby');
      var category = value('category'), lat = value('lat'), lon = value('lon');
      var asked = [category, lat, lon].join(',');
      if (!section || asked === nearbyAsked) return;
      nearbyAsked = asked;
      if (!category || !lat || !lon) { section.hidden = true; return; }
      var query = new URLSearchParams({ category: category, lat: lat, lon: lon, lang: form.getAttribute('data-language') || 'it' });
      fetch('/api/v1/reports/nearby?' + query.toString(), { headers: { Accept: 'application/json' } })
        .then(function (response) { return response.ok ? response.json() : { reports: [] }; })
        .then(function (body) {
          if (asked !== nearbyAsked) return;
          showNearby(section, body.reports || []);
        })
        .catch(function () { section.hidden = true; });
    }, 300);
  }

  function showNearby(section, reports) {
    var list = $('#nearby-list');
    list.textContent = '';
    reports.forEach(function (report) {
      var item = document.createElement('li');
      var title = document.createElement('strong');
      title.textContent = report.number + ' · ' + report.category_name + ' · ' + report.status_name;
      var facts = document.createElement('span');
      facts.textContent = ' — ' + section.getAttribute('data-distance').replace('{m}', report.metres) +
        ', ' + new Date(report.created_at).toLocaleDateString(document.documentElement.lang || 'it');
      item.appendChild(title);
      item.appendChild(facts);
      if (report.description) {
        var words = document.createElement('p');
        words.className = 'small mb-1';
        words.textContent = report.description;
        item.appendChild(words);
      }
      var link = document.createElement('a');
      link.href = report.path;
      link.target = '_blank';
      link.rel = 'noopener';
      link.className = 'btn btn-outline-primary btn-sm';
      link.textContent = section.getAttribute('data-follow') + ' ' + report.number + ' ';
      var hint = document.createElement('span');
      hint.className = 'visually-hidden';
      hint.textContent = section.getAttribute('data-new-tab');
      link.appendChild(hint);
      item.appendChild(document.createElement('br'));
      item.appendChild(link);
      list.appendChild(item);
    });
    section.hidden = reports.length === 0;
  }

  // Leaflet writes the attribution as HTML; it comes from the configuration, so as text.
  function plainText(text) {
    var span = document.createElement('span');
    span.textContent = text || '';
    return span.innerHTML;
  }

  function initMap(config) {
    boundary = config.boundary;
    if (!window.L) return;
    $('#map-block').hidden = false;
    map = L.map('map', { keyboard: true, zoomControl: false }).setView([config.map.center.lat, config.map.center.lon], config.map.zoom);
    var mapBox = $('#map');
    L.control.zoom({ zoomInTitle: mapBox.getAttribute('data-zoom-in'), zoomOutTitle: mapBox.getAttribute('data-zoom-out') }).addTo(map);
    L.tileLayer(config.map.tile_url, { attribution: plainText(config.map.attribution), maxZoom: 19 }).addTo(map);
    L.geoJSON(config.boundary, { interactive: false, style: { color: '#0066cc', weight: 2, fill: false } }).addTo(map);
    map.on('click', function (event) { setPoint(event.latlng.lat, event.latlng.lng); });
    $('#pin-centre').addEventListener('click', function () { var c = map.getCenter(); setPoint(c.lat, c.lng); });
    var locate = $('#locate-me');
    if (!navigator.geolocation) { locate.hidden = true; return; }
    locate.addEventListener('click', function () {
      var status = $('#map-status');
      status.textContent = mapMessage('locating');
      navigator.geolocation.getCurrentPosition(function (position) {
        var lat = position.coords.latitude, lon = position.coords.longitude;
        map.setView([lat, lon], Math.max(map.getZoom(), 17));
        setPoint(lat, lon);
      }, function () {
        status.textContent = mapMessage('denied');
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  fetch('/api/v1/config', { headers: { Accept: 'application/json' } })
    .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
    .then(function (config) { initTurnstile(config); initMap(config); })
    .catch(function () { /* the address field still works */ });

  // ---- the human check (Cloudflare Turnstile), when the comune asks for one ------------

  var turnstileWidget = null;

  function initTurnstile(config) {
    if (!config.turnstile) return;
    var box = $('.turnstile-box', form);
    if (!box) return;
    // Asked last, on the review step, just before sending.
    $('#review').appendChild(box);
    box.hidden = false;
    var script = document.createElement('script');
    var url = config.turnstile.script_url;
    script.src = url + (url.indexOf('?') < 0 ? '?' : '&') + 'render=explicit';
    script.onload = function () {
      if (!window.turnstile) return;
      turnstileWidget = window.turnstile.render('#turnstile-widget', {
        sitekey: config.turnstile.site_key,
        language: document.documentElement.lang || 'it',
        'response-field-name': 'cf-turnstile-response'
      });
    };
    document.head.appendChild(script);
  }

  function turnstileToken() {
    var field = form.querySelector('[name="cf-turnstile-response"]');
    return field ? field.value : '';
  }

  // A token is spent once the server has checked it: a new one for the next try.
  function resetTurnstile() {
    if (turnstileWidget !== null && window.turnstile) window.turnstile.reset(turnstileWidget);
  }

  // ---- photos -------------------------------------------------------------------------

  var photoInput = form.elements.photos;
  var previews = $('#photo-previews');
  var ACCEPTED = ['image/jpeg', 'image/png', 'image/webp'];

  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () { resolve({ image: image, url: url }); };
      image.onerror = function () { URL.revokeObjectURL(url); reject(new Error('decode')); };
      image.src = url;
    });
  }

  // Draws the image (browsers apply the EXIF orientation) at most `edge` pixels wide/high.
  function shrink(image, edge, quality) {
    var scale = Math.min(1, edge / Math.max(image.naturalWidth, image.naturalHeight));
    var canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
    canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
    canvas.getContext('2d').drawImage(image, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) { canvas.toBlob(resolve, 'image/jpeg', quality); });
  }

  function prepare(file) {
    return loadImage(file).then(function (loaded) {
      var image = loaded.image;
      var large = file.size > 1.5 * 1024 * 1024 || Math.max(image.naturalWidth, image.naturalHeight) > 2560;
      return Promise.all([large ? shrink(image, 2048, 0.85) : Promise.resolve(file), shrink(image, 320, 0.8)])
        .then(function (blobs) {
          URL.revokeObjectURL(loaded.url);
          return { file: blobs[0] || file, thumbnail: blobs[1], name: file.name.replace(/\.[^.]*$/, '') + '.jpg' };
        });
    }).catch(function () {
      return { file: file, thumbnail: null, name: file.name };
    });
  }

  function renderPreviews() {
    previews.textContent = '';
    photos.forEach(function (photo, index) {
      var item = document.createElement('li');
      var image = document.createElement('img');
      image.src = URL.createObjectURL(photo.thumbnail || photo.file);
      image.alt = '';
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'btn btn-link btn-sm';
      button.textContent = previews.getAttribute('data-remove-label') + ' ' + (index + 1);
      button.addEventListener('click', function () {
        photos.splice(index, 1);
        renderPreviews();
        photoInput.focus();
      });
      item.appendChild(image);
      item.appendChild(button);
      previews.appendChild(item);
    });
  }

  if (photoInput) {
    photoInput.addEventListener('change', function () {
      var files = Array.prototype.slice.call(photoInput.files);
      var errors = [];
      var accepted = files.filter(function (file) {
        if (ACCEPTED.indexOf(file.type) < 0) { errors.push({ field: 'photos', code: 'unsupported_type' }); return false; }
        return true;
      });
      if (photos.length + accepted.length > maxPhotos) {
        errors.push({ field: 'photos', code: 'too_many_photos' });
        accepted = accepted.slice(0, Math.max(0, maxPhotos - photos.length));
      }
      Promise.all(accepted.map(prepare)).then(function (prepared) {
        prepared.forEach(function (photo) {
          if (photo.file.size > maxPhotoBytes) errors.push({ field: 'photos', code: 'file_too_large' });
          else photos.push(photo);
        });
        photoInput.value = '';
        renderPreviews();
        if (errors.length) showErrors(errors); else clearErrors();
      });
    });
  }

  // ---- sending ------------------------------------------------------------------------

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    // Enter in a text field submits the form: before the review it means "next step".
    if (current !== steps.length - 1) { nextButton.click(); return; }
    var errors = [];
    for (var i = 0; i < steps.length; i++) errors = errors.concat(checkStep(i));
    if (turnstileWidget !== null && !turnstileToken()) {
      errors.push({ field: 'turnstile', code: 'required' });
    }
    if (errors.length) { showErrors(errors); return; }
    var data = new FormData(form);
    data.delete('photos');
    var withThumbnails = photos.every(function (photo) { return photo.thumbnail; });
    photos.forEach(function (photo) {
      data.append('photos', photo.file, photo.name);
      if (withThumbnails) data.append('thumbnails', photo.thumbnail, 'small-' + photo.name);
    });
    var label = submitButton.textContent;
    submitButton.disabled = true;
    submitButton.textContent = submitButton.getAttribute('data-sending');
    fetch('/api/v1/reports', { method: 'POST', body: data, headers: { 'Idempotency-Key': nonce, Accept: 'application/json' } })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (result) {
        if ((result.status === 201 || result.status === 200) && result.body) {
          window.location.assign(new URL(result.body.tracking_url).pathname + '?new=1');
          return;
        }
        resetTurnstile();
        if (result.body && result.body.fields) showErrors(result.body.fields);
        else if (result.status === 429) showErrors([], summary.getAttribute('data-generic-rate-limited'));
        else if (result.body && result.body.error === 'verification_unavailable') showErrors([], summary.getAttribute('data-generic-verification'));
        else if (result.status === 503) showErrors([], summary.getAttribute('data-generic-storage'));
        else showErrors([], summary.getAttribute('data-generic-network'));
        submitButton.disabled = false;
        submitButton.textContent = label;
      })
      .catch(function () {
        showErrors([], summary.getAttribute('data-generic-network'));
        submitButton.disabled = false;
        submitButton.textContent = label;
      });
  });

  // ---- theme, then category -----------------------------------------------------------

  // Without JavaScript one list grouped by theme; with it, first the theme, then only its
  // categories.
  function splitThemeAndCategory() {
    var category = form.elements.category;
    var groups = $$('optgroup', category);
    if (!groups.length) return;
    var placeholder = category.options[0].cloneNode(true);
    var group = category.closest('.form-group');
    var themeGroup = document.createElement('div');
    themeGroup.className = 'form-group';
    var label = document.createElement('label');
    label.className = 'form-label';
    label.htmlFor = 'theme';
    label.textContent = form.getAttribute('data-theme-label') + ' ';
    var requiredMark = $('label[for="category"] abbr', form);
    if (requiredMark) label.appendChild(requiredMark.cloneNode(true));
    var theme = document.createElement('select');
    theme.className = 'form-select';
    theme.id = 'theme';
    theme.required = true;
    // Errors about the choice are written under the category and read with either list.
    theme.setAttribute('aria-describedby', 'category-error');
    var first = document.createElement('option');
    first.value = '';
    first.textContent = form.getAttribute('data-theme-choose');
    theme.appendChild(first);
    groups.forEach(function (optgroup) {
      var option = document.createElement('option');
      option.value = optgroup.getAttribute('data-theme');
      option.textContent = optgroup.label;
      theme.appendChild(option);
    });
    themeGroup.appendChild(label);
    themeGroup.appendChild(theme);
    group.parentNode.insertBefore(themeGroup, group);
    var chosen = category.value;
    function fill(themeId) {
      category.textContent = '';
      category.appendChild(placeholder.cloneNode(true));
      groups.filter(function (g) { return g.getAttribute('data-theme') === themeId; }).forEach(function (g) {
        $$('option', g).forEach(function (option) { category.appendChild(option.cloneNode(true)); });
      });
      category.disabled = !themeId;
    }
    var initial = groups.filter(function (g) { return chosen && g.querySelector('option[value="' + chosen + '"]'); })[0];
    theme.value = initial ? initial.getAttribute('data-theme') : '';
    fill(theme.value);
    category.value = chosen;
    theme.addEventListener('change', function () { fill(theme.value); });
  }

  // ---- start --------------------------------------------------------------------------

  splitThemeAndCategory();
  $$('.questions-scope', form).forEach(function (note) { note.hidden = true; });
  showQuestions();
  indicator.hidden = false;
  $('#review').hidden = false;
  form.classList.add('stepped');
  var firstError = form.getAttribute('data-first-error');
  showStep(firstError ? stepOf(firstError) : 0, false);
  if (!summary.hidden) summary.focus();
})();
