/* Draw every Plotly figure of the page from its json_script data (issue 5).
   Figures are built in Python; this file only hands them to plotly.js, after the first load,
   after each htmx swap, and when htmx restores a page from its history cache. */
(function () {
  "use strict";
  var config = { responsive: true, displayModeBar: false };

  function draw(root) {
    if (!window.Plotly || !root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.figure);
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      var options = config;
      el.dataset.drawn = "1";
      if (figure.compact && el.clientWidth < 560) {
        // phone: the Python-built compact variant (shorter labels, smaller text)
        figure.compact.data.forEach(function (patch, i) { Object.assign(figure.data[i], patch); });
        Object.assign(figure.layout, figure.compact.layout);
      }
      if (figure.min_width && el.clientWidth < figure.min_width) {
        // wide grids keep readable cells and scroll sideways in their .chart-scroll box
        figure.layout.width = figure.min_width;
        figure.layout.autosize = false;
        options = Object.assign({}, config, { responsive: false });
      }
      window.Plotly.newPlot(el, figure.data, figure.layout, options);
    });
  }

  // Before htmx saves a page in its history cache, drop the drawings: the saved copy keeps
  // the json_script data, and the charts are drawn again when the page comes back.
  function purge() {
    document.querySelectorAll("[data-figure][data-drawn]").forEach(function (el) {
      window.Plotly.purge(el);
      el.innerHTML = "";
      delete el.dataset.drawn;
    });
    // plotly.js's hidden text-measuring node sits in <body> with a style attribute, which the
    // CSP would refuse when htmx puts the saved copy back; plotly.js makes it again on demand.
    document.querySelectorAll("#js-plotly-tester").forEach(function (el) { el.remove(); });
  }

  document.addEventListener("htmx:beforeHistorySave", purge);
  document.addEventListener("htmx:historyRestore", function () { draw(document); });
  // htmx:load fires for every swapped-in element (htmx itself may load after this file)
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
})();
