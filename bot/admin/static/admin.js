// Export progress: polls the status URL of the page's [data-status-url] element until the
// ledger is ready, then shows the download link. No other script runs in the back office.
(function () {
  var box = document.querySelector("[data-status-url]");
  if (!box) { return; }
  var bar = box.querySelector(".progress > div");
  var text = box.querySelector(".progress-text");
  var link = box.querySelector(".download");
  function show(data) {
    var pct = data.percent;
    if (bar && pct !== null && pct !== undefined) { bar.style.width = pct + "%"; }
    if (text) {
      var counted = data.total ? "（" + data.done + " / " + data.total + " 行）" : "";
      text.textContent = data.label + (pct !== null && pct !== undefined ? " " + pct + "%" : "") + counted;
    }
    if (data.download && link) {
      link.href = data.download;
      link.hidden = false;
    }
    return data.status === "done" || data.status === "failed";
  }
  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (!show(data)) { setTimeout(poll, 700); } })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
