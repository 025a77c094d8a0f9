// Progress of a worker's job (a ledger export, a roster import, a re-assessment): polls the
// status URL of the page's [data-status-url] element until the job is done, then shows the
// download link if there is one. The only script of the back office.
(function () {
  // A file over the upload limit is refused before it is sent.
  var upload = document.querySelector("form[data-max-bytes]");
  if (upload) {
    upload.addEventListener("submit", function (event) {
      var input = upload.querySelector("input[type=file]");
      var limit = parseInt(upload.getAttribute("data-max-bytes"), 10);
      var shown = document.getElementById("upload-error");
      if (input && input.files.length && input.files[0].size > limit) {
        event.preventDefault();
        if (shown) { shown.textContent = upload.getAttribute("data-too-large"); shown.hidden = false; }
      }
    });
  }
})();
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
      var unit = box.getAttribute("data-unit") || "行";
      var counted = data.total ? "（" + data.done + " / " + data.total + " " + unit + "）" : "";
      text.textContent = data.label + (pct !== null && pct !== undefined ? " " + pct + "%" : "") + counted;
    }
    if (data.download && link) {
      link.href = data.download;
      link.hidden = false;
    }
    if (data.status === "done" || data.status === "failed" || data.status === "refused") {
      if (box.hasAttribute("data-reload")) { window.location.reload(); }
      return true;
    }
    return false;
  }
  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (!show(data)) { setTimeout(poll, 700); } })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
