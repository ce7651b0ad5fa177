// Unit pickers: a province offers ~1,600 units, so a multi-select gets a type-to-filter box and
// a line naming what is selected. Without JavaScript the plain <select multiple> still works.
document.querySelectorAll("select[data-filter]").forEach(function (select) {
  var box = document.createElement("input");
  box.type = "search";
  box.placeholder = select.dataset.filter;
  box.className = "unit-filter";
  box.setAttribute("aria-label", select.dataset.filter);
  select.parentNode.insertBefore(box, select);
  var picked = document.createElement("div");
  picked.className = "muted picked";
  select.parentNode.insertBefore(picked, select.nextSibling);
  function showPicked() {
    var names = Array.prototype.map.call(select.selectedOptions, function (o) { return o.textContent.trim(); });
    picked.textContent = names.length ? "已选：" + names.join("、") : "";
  }
  box.addEventListener("input", function () {
    var q = box.value.trim();
    select.querySelectorAll("option").forEach(function (o) {
      o.hidden = q !== "" && o.textContent.indexOf(q) < 0 && o.value.indexOf(q) !== 0;
    });
    select.querySelectorAll("optgroup").forEach(function (g) {
      g.hidden = !g.querySelector("option:not([hidden])");
    });
  });
  select.addEventListener("change", showPicked);
  showPicked();
});

// The header's unread count: asked for again every data-poll-seconds while the page is open
// (and when it comes back into view), so a new urge shows without a reload.
(function () {
  var link = document.getElementById("inbox-link");
  if (!link || !window.fetch) return;
  var badge = link.querySelector(".unread");
  var seconds = parseInt(link.dataset.pollSeconds, 10) || 30;
  function refresh() {
    if (document.hidden) return;
    fetch(link.dataset.pollUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        badge.textContent = data.unread;
        badge.dataset.unread = data.unread;
        badge.hidden = !data.unread;
      })
      .catch(function () {});
  }
  setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", refresh);
})();
