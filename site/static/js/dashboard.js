// The dashboard's map: the reports of the page's filters (the GeoJSON open data) in
// clusters. Leaflet and the data load only when the map comes near the screen, so the rest
// of the page costs a phone no map library at all. Everything else on the page works
// without this script.
(function () {
  'use strict';
  var box = document.getElementById('reports-map');
  var status = document.getElementById('map-status');
  if (!box || !status || !window.fetch || !window.Promise) return;

  function text(name) { return box.getAttribute('data-' + name) || ''; }

  // Leaflet writes the attribution as HTML; it comes from the configuration, so as text.
  function plainText(text) {
    var span = document.createElement('span');
    span.textContent = text || '';
    return span.innerHTML;
  }

  function load(tag, attributes) {
    return new Promise(function (resolve, reject) {
      var element = document.createElement(tag);
      Object.keys(attributes).forEach(function (name) { element.setAttribute(name, attributes[name]); });
      element.onload = resolve;
      element.onerror = reject;
      document.head.appendChild(element);
    });
  }

  function json(url) {
    return fetch(url, { headers: { Accept: 'application/json' } }).then(function (response) {
      return response.ok ? response.json() : Promise.reject(new Error(url + ': ' + response.status));
    });
  }

  function day(iso) {
    var english = document.documentElement.lang === 'en';
    return new Date(iso).toLocaleDateString(english ? 'en-GB' : 'it-IT',
      { timeZone: 'Europe/Rome', day: 'numeric', month: 'long', year: 'numeric' });
  }

  // Built from text nodes: names come from the data and are never read as HTML.
  function popup(report) {
    var content = document.createElement('div');
    var title = document.createElement('strong');
    title.textContent = report.number;
    content.appendChild(title);
    [report.category_name, report.status_name, text('label-filed') + ' ' + day(report.created_at)]
      .forEach(function (line) {
        content.appendChild(document.createElement('br'));
        content.appendChild(document.createTextNode(line));
      });
    // The report's public page, where anyone can follow it by e-mail.
    var link = document.createElement('a');
    var english = document.documentElement.lang === 'en';
    link.href = (english ? '/en/public-reports/' : '/segnalazioni/') + encodeURIComponent(report.number);
    link.textContent = text('label-open');
    content.appendChild(document.createElement('br'));
    content.appendChild(link);
    return content;
  }

  function draw(config, reports) {
    var map = L.map(box, { zoomControl: false })
      .setView([config.map.center.lat, config.map.center.lon], config.map.zoom);
    L.control.zoom({ zoomInTitle: text('zoom-in'), zoomOutTitle: text('zoom-out') }).addTo(map);
    L.tileLayer(config.map.tile_url, { attribution: plainText(config.map.attribution), maxZoom: 19 }).addTo(map);
    if (config.boundary) {
      L.geoJSON(config.boundary, { interactive: false, style: { color: '#0066cc', weight: 2, fill: false } }).addTo(map);
    }
    var markers = [];
    reports.features.forEach(function (feature) {
      if (!feature.geometry) return;
      var point = feature.geometry.coordinates;
      var report = feature.properties;
      var marker = L.marker([point[1], point[0]], {
        title: report.number + ' · ' + report.category_name + ' · ' + report.status_name,
        alt: report.number,
      });
      marker.bindPopup(function () { return popup(report); });
      markers.push(marker);
    });
    var clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
    clusters.addLayers(markers);
    map.addLayer(clusters);
    status.textContent = text('count').replace('{n}', markers.length.toLocaleString(document.documentElement.lang));
  }

  function start() {
    status.textContent = text('loading');
    var leaflet = load('script', { src: '/vendor/leaflet/leaflet.js' }).then(function () {
      return load('script', { src: '/vendor/leaflet.markercluster/leaflet.markercluster.js' });
    });
    Promise.all([
      load('link', { rel: 'stylesheet', href: '/vendor/leaflet/leaflet.css' }),
      load('link', { rel: 'stylesheet', href: '/vendor/leaflet.markercluster/MarkerCluster.css' }),
      load('link', { rel: 'stylesheet', href: '/vendor/leaflet.markercluster/MarkerCluster.Default.css' }),
      leaflet,
      json('/api/v1/config'),
      json(text('geojson')),
    ]).then(function (loaded) {
      draw(loaded[4], loaded[5]);
    }).catch(function () {
      box.hidden = true;
      status.textContent = text('failed');
    });
  }

  box.hidden = false;
  status.textContent = '';
  if ('IntersectionObserver' in window) {
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        start();
      }
    }, { rootMargin: '400px' });
    observer.observe(box);
  } else {
    start();
  }
}());
