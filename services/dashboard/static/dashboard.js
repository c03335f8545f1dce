// Refresh the dashboard's live part every few seconds without reloading the page (no libraries).
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) { return; }
  var seconds = parseFloat(live.getAttribute("data-refresh-s")) || 5;
  function refresh() {
    fetch("/dashboard/live", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) { window.location = "/dashboard/login"; return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { if (html !== null) { live.innerHTML = html; } })
      .catch(function () { /* the service may be restarting: try again next time */ })
      .then(function () { window.setTimeout(refresh, seconds * 1000); });
  }
  window.setTimeout(refresh, seconds * 1000);
})();
