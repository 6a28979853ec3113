// The office inbox: filters from the address bar, counts per status, the list with bulk
// actions, pages, a CSV of the filtered list and a map of the tickets shown.
(function () {
  'use strict';
  var S = window.Staff;
  var el = S.el;
  var $ = function (id) { return document.getElementById(id); };

  var params = new URLSearchParams(location.search);
  // The working view unless the address says otherwise.
  if (!params.get('status')) params.set('status', 'open');
  var tickets = [];
  var people = {};
  var mapView = null;
  var busy = false;

  function withParams(changes) {
    var next = new URLSearchParams(params);
    Object.keys(changes).forEach(function (key) {
      if (changes[key] === null) next.delete(key); else next.set(key, changes[key]);
    });
    next.delete('page');
    if (changes.page) next.set('page', changes.page);
    return '/staff/segnalazioni/?' + next.toString();
  }

  function fillFilters() {
    var form = $('filters');
    params.forEach(function (value, key) {
      var field = form.elements[key];
      if (!field) return;
      if (field.type === 'checkbox') field.checked = value === 'true' || value === '1' || value === 'on';
      else field.value = value;
    });
    var exportParams = new URLSearchParams(params);
    exportParams.delete('page');
    exportParams.delete('per_page');
    $('export-csv').href = '/api/v1/staff/tickets.csv?' + exportParams.toString();
  }

  function setUpOffices(session) {
    var admin = !session.office;
    $('office-filter').hidden = !admin;
    document.querySelector('[data-column="office"]').hidden = !admin;
    if (admin) {
      session.offices.forEach(function (office) {
        $('f-office').appendChild(el('option', { value: office.id }, office.name));
      });
      $('f-office').value = params.get('office') || '';
      $('inbox-scope').textContent = params.get('office')
        ? 'Ufficio: ' + S.officeName(params.get('office')) : 'Tutti gli uffici del Comune.';
    } else {
      $('inbox-scope').textContent = 'Ufficio: ' + session.office.name + '.';
    }
    Object.keys(S.LABELS.rejection).forEach(function (reason) {
      $('bulk-reason').appendChild(el('option', { value: reason }, S.LABELS.rejection[reason]));
    });
  }

  function loadColleagues() {
    return S.api('GET', '/api/v1/staff/colleagues').then(function (result) {
      if (result.status !== 200) {
        // Without the list, "assign" could only free the tickets by mistake.
        document.querySelector('#bulk-action option[value="assign"]').disabled = true;
        return;
      }
      var me = S.session().user.id;
      result.body.forEach(function (user) {
        people[user.id] = user.name;
        var label = user.id === me ? user.name + ' (io)' : user.name;
        $('f-assignee').appendChild(el('option', { value: user.id }, label));
        $('bulk-assignee').appendChild(el('option', { value: user.id }, label));
      });
      $('bulk-assignee').appendChild(el('option', { value: '' }, 'Nessuno (libera la segnalazione)'));
      $('f-assignee').value = params.get('assignee') || '';
    });
  }

  function load() {
    var query = params.toString();
    return S.api('GET', '/api/v1/staff/tickets?' + query).then(function (result) {
      if (result.status !== 200) {
        S.showProblem($('page-message'), result, 'Controlla i filtri:');
        S.markInvalid($('filters'), result);
        $('results-summary').textContent = '';
        return;
      }
      render(result.body);
    });
  }

  function countsBar(page) {
    var list = S.clear($('status-counts'));
    var counts = page.counts;
    var current = params.get('status');
    var open = counts.received + counts.taken_in_charge + counts.in_progress;
    var all = open + counts.resolved + counts.rejected + counts.duplicate;
    var items = [['open', 'Aperte', open]].concat(
      ['received', 'taken_in_charge', 'in_progress', 'resolved', 'rejected', 'duplicate'].map(function (status) {
        return [status, S.LABELS.status[status], counts[status]];
      }), [['all', 'Tutte', all]]);
    items.forEach(function (item) {
      var selected = current === item[0] && params.get('overdue') !== 'true';
      list.appendChild(el('li', {}, el('a', {
        href: withParams({ status: item[0], overdue: null }), 'aria-current': selected ? 'true' : null
      }, item[1] + ' ', el('span', { className: 'count' }, String(item[2])))));
    });
    var late = params.get('overdue') === 'true';
    list.appendChild(el('li', { className: 'late' }, el('a', {
      href: withParams({ status: 'open', overdue: 'true' }), 'aria-current': late ? 'true' : null
    }, 'In ritardo ', el('span', { className: 'count' }, String(counts.overdue)))));
  }

  function dueCell(ticket) {
    if (ticket.status === 'received' && ticket.due.respond_by) {
      return ['presa in carico entro il ', S.deadline(ticket.due.respond_by)];
    }
    if ((ticket.status === 'taken_in_charge' || ticket.status === 'in_progress') && ticket.due.resolve_by) {
      return ['da risolvere entro il ', S.deadline(ticket.due.resolve_by)];
    }
    return '—';
  }

  function row(ticket) {
    var admin = !S.session().office;
    var checkbox = el('input', {
      type: 'checkbox', className: 'form-check-input position-static ticket-select',
      'aria-label': 'Seleziona la segnalazione ' + ticket.number, value: ticket.number
    });
    checkbox.addEventListener('change', updateBulkCount);
    return el('tr', { dataset: { number: ticket.number } },
      el('td', {}, checkbox),
      el('td', { className: 'number' }, el('a', { href: '/staff/segnalazioni/' + ticket.number }, ticket.number)),
      el('td', {}, el('span', { className: 'badge status-badge status-' + ticket.status }, S.LABELS.status[ticket.status]),
        ticket.priority !== 'normal'
          ? el('div', { className: 'priority-' + ticket.priority }, 'Priorità ' + S.LABELS.priority[ticket.priority].toLowerCase())
          : null),
      el('td', { className: 'excerpt' }, el('strong', {}, ticket.category.name),
        ticket.kind !== 'segnalazione' ? ' · ' + S.LABELS.kind[ticket.kind] : '',
        el('div', { className: 'ticket-excerpt' }, ticket.excerpt)),
      el('td', {}, ticket.address || (ticket.location ? 'punto sulla mappa' : '—')),
      admin ? el('td', {}, ticket.office.name) : null,
      el('td', {}, ticket.assignee ? (people[ticket.assignee] || 'collega') : '—'),
      el('td', {}, S.time(ticket.created_at)),
      el('td', {}, dueCell(ticket), ticket.overdue ? el('div', {}, el('span', { className: 'badge late-badge' }, 'In ritardo')) : null));
  }

  function render(page) {
    // Past the last page (tickets moved out of the view): show the last one instead.
    if (page.pages > 0 && page.page > page.pages) {
      location.replace(withParams({ page: String(page.pages) }));
      return;
    }
    tickets = page.tickets;
    countsBar(page);
    var body = S.clear($('inbox-rows'));
    tickets.forEach(function (ticket) { body.appendChild(row(ticket)); });
    if (!tickets.length) {
      body.appendChild(el('tr', {}, el('td', { colspan: '9' }, 'Nessuna segnalazione corrisponde ai filtri.')));
    }
    var first = (page.page - 1) * page.per_page + 1;
    $('results-summary').textContent = page.total === 0 ? 'Nessuna segnalazione.'
      : page.total + (page.total === 1 ? ' segnalazione' : ' segnalazioni') +
        (page.pages > 1 ? ', mostrate dalla ' + first + ' alla ' + (first + tickets.length - 1) : '') + '.';
    $('pager').hidden = page.pages <= 1;
    $('page-position').textContent = 'Pagina ' + page.page + ' di ' + page.pages;
    toggleLink($('page-prev'), page.page > 1, withParams({ page: String(page.page - 1) }));
    toggleLink($('page-next'), page.page < page.pages, withParams({ page: String(page.page + 1) }));
    $('select-all').checked = false;
    updateBulkCount();
    if (mapView) drawMarkers();
  }

  function toggleLink(link, enabled, href) {
    if (enabled) { link.href = href; link.removeAttribute('aria-disabled'); link.classList.remove('disabled'); }
    else { link.removeAttribute('href'); link.setAttribute('aria-disabled', 'true'); link.classList.add('disabled'); }
  }

  // ---- bulk actions -------------------------------------------------------------------

  function selected() {
    return Array.prototype.filter.call(document.querySelectorAll('.ticket-select'), function (box) { return box.checked; })
      .map(function (box) { return box.value; });
  }

  function updateBulkCount() {
    var n = selected().length;
    $('bulk-count').textContent = n === 0 ? 'Nessuna segnalazione selezionata'
      : n === 1 ? '1 segnalazione selezionata' : n + ' segnalazioni selezionate';
    $('bulk-submit').disabled = busy || n === 0 || !$('bulk-action').value;
    var all = document.querySelectorAll('.ticket-select').length;
    $('select-all').checked = all > 0 && n === all;
    $('select-all').indeterminate = n > 0 && n < all;
  }

  var TEXT_LABELS = {
    take_in_charge: ['Risposta al cittadino (facoltativa)', 'reply'],
    start_work: ['Risposta al cittadino (facoltativa)', 'reply'],
    internal_note: ['Nota interna (non vista dal cittadino)', 'text'],
    resolve: ['Risposta al cittadino: cosa è stato fatto', 'answer'],
    reject: ['Spiegazione per il cittadino', 'explanation']
  };

  function bulkFields() {
    var action = $('bulk-action').value;
    Array.prototype.forEach.call(document.querySelectorAll('[data-bulk-for]'), function (group) {
      group.hidden = group.getAttribute('data-bulk-for').split(' ').indexOf(action) < 0;
    });
    if (TEXT_LABELS[action]) $('bulk-text-label').textContent = TEXT_LABELS[action][0];
    updateBulkCount();
  }

  function bulkCommand() {
    var action = $('bulk-action').value;
    var command = { action: action };
    var text = $('bulk-text').value.trim();
    if (action === 'set_priority') command.priority = $('bulk-priority').value;
    if (action === 'assign') command.assignee = $('bulk-assignee').value || null;
    if (action === 'reject') command.reason = $('bulk-reason').value;
    if (TEXT_LABELS[action]) {
      var field = TEXT_LABELS[action][1];
      if (text || field !== 'reply') command[field] = text;
    }
    return command;
  }

  function submitBulk(event) {
    event.preventDefault();
    var numbers = selected();
    if (!numbers.length || !$('bulk-action').value) return;
    var items = numbers.map(function (number) {
      var ticket = tickets.filter(function (t) { return t.number === number; })[0];
      return { number: number, version: ticket.version };
    });
    busy = true;
    $('bulk-submit').disabled = true;
    S.api('POST', '/api/v1/staff/tickets/bulk-actions', { tickets: items, command: bulkCommand() }).then(function (result) {
      var box = $('bulk-results');
      if (result.status !== 200) {
        S.showProblem(box, result, 'L\'azione non è stata applicata.');
        busy = false;
        updateBulkCount();
        box.setAttribute('tabindex', '-1');
        box.focus();
        return;
      }
      var done = result.body.results.filter(function (r) { return r.ok; });
      var failed = result.body.results.filter(function (r) { return !r.ok; });
      S.clear(box).appendChild(el('div', { className: 'alert ' + (failed.length ? 'alert-warning' : 'alert-success') },
        el('p', { className: 'mb-1' }, 'Azione applicata a ' + done.length + ' su ' + result.body.results.length + '.'),
        failed.length ? el('ul', { className: 'mb-0' }, failed.map(function (r) {
          return el('li', {}, r.number + ': ' + S.problem({ body: r }).join('; '));
        })) : null));
      if (!failed.length) $('bulk-text').value = '';
      busy = false;
      box.setAttribute('tabindex', '-1');
      load().then(function () { box.focus(); });
    });
  }

  // ---- map ------------------------------------------------------------------------------

  function showView(map) {
    $('map-view').hidden = !map;
    $('list-view').hidden = map;
    $('show-map').setAttribute('aria-pressed', String(map));
    $('show-list').setAttribute('aria-pressed', String(!map));
    $('show-map').className = 'btn btn-sm ' + (map ? 'btn-primary' : 'btn-outline-primary');
    $('show-list').className = 'btn btn-sm ' + (map ? 'btn-outline-primary' : 'btn-primary');
    if (map && !mapView && window.L) {
      fetch('/api/v1/config').then(function (r) { return r.json(); }).then(function (config) {
        mapView = { map: S.leafletMap('inbox-map').setView([config.map.center.lat, config.map.center.lon], config.map.zoom), layer: null };
        L.tileLayer(config.map.tile_url, { attribution: config.map.attribution, maxZoom: 19 }).addTo(mapView.map);
        drawMarkers();
      });
    } else if (map && mapView) {
      mapView.map.invalidateSize();
    }
  }

  var STATUS_COLOURS = {
    received: '#0066cc', taken_in_charge: '#5c2f99', in_progress: '#a66300',
    resolved: '#008055', rejected: '#5c6f82', duplicate: '#5c6f82'
  };

  // Every filtered ticket with a point (not only this page), from the map endpoint.
  function drawMarkers() {
    var query = new URLSearchParams(params);
    query.delete('page');
    query.delete('per_page');
    S.api('GET', '/api/v1/staff/tickets.geojson?' + query.toString()).then(function (result) {
      if (result.status !== 200) { S.showProblem($('map-note'), result, 'Impossibile caricare la mappa.'); return; }
      if (mapView.layer) mapView.layer.remove();
      var features = result.body.features;
      // Many points draw faster on a canvas; a few stay SVG elements.
      var renderer = features.length > 1000 ? L.canvas() : L.svg();
      mapView.layer = L.geoJSON(result.body, {
        pointToLayer: function (feature, latlng) {
          var p = feature.properties;
          return L.circleMarker(latlng, {
            renderer: renderer, radius: p.overdue ? 8 : 6, weight: p.overdue ? 3 : 1,
            color: p.overdue ? '#cc334d' : '#ffffff', fillColor: STATUS_COLOURS[p.status] || '#0066cc', fillOpacity: 0.9
          });
        },
        onEachFeature: function (feature, layer) {
          var p = feature.properties;
          layer.bindPopup(function () {
            return el('div', {}, el('a', { href: '/staff/segnalazioni/' + p.number }, p.number),
              ' · ' + p.status_label + (p.overdue ? ' · in ritardo' : ''), el('br'), p.category, el('br'), p.excerpt);
          });
        }
      }).addTo(mapView.map);
      if (features.length) mapView.map.fitBounds(mapView.layer.getBounds(), { maxZoom: 16, padding: [24, 24] });
      S.clear($('map-note')).textContent = (features.length === 1 ? '1 segnalazione filtrata ha' : features.length + ' segnalazioni filtrate hanno') +
        ' un punto sulla mappa (le altre solo un indirizzo). Colori: blu ricevuta, viola presa in carico, ocra in lavorazione,' +
        ' verde risolta, grigio chiusa senza intervento; bordo rosso se in ritardo. L\'elenco mostra gli stessi dati in forma accessibile.';
    });
  }

  S.start().then(function (session) {
    setUpOffices(session);
    fillFilters();
    $('select-all').addEventListener('change', function () {
      Array.prototype.forEach.call(document.querySelectorAll('.ticket-select'), function (box) { box.checked = $('select-all').checked; });
      updateBulkCount();
    });
    $('bulk-action').addEventListener('change', bulkFields);
    $('bulk-form').addEventListener('submit', submitBulk);
    $('show-map').addEventListener('click', function () { showView(true); });
    $('show-list').addEventListener('click', function () { showView(false); });
    // Empty fields stay out of the address, so shared links show only the filters used.
    $('filters').addEventListener('submit', function () {
      Array.prototype.forEach.call($('filters').elements, function (field) {
        if (field.name && !field.value) field.disabled = true;
      });
    });
    // Coming back with the back button: the fields disabled above must work again.
    window.addEventListener('pageshow', function () {
      Array.prototype.forEach.call($('filters').elements, function (field) { field.disabled = false; });
    });
    return loadColleagues().then(load);
  });
})();
