// The draft plan page (plans/plan_detail.html).

// Keep the two panes in step: a task in view brings its source span into view and back,
// scrolling only inside the panes so the page itself stays put.
(function () {
  function reveal(el) {
    var pane = el && el.closest(".pane");
    if (!pane) { return; }
    var top = el.getBoundingClientRect().top - pane.getBoundingClientRect().top + pane.scrollTop;
    pane.scrollTop = Math.max(0, top - 40);
  }
  function sync() {
    var m = /^#(task|src)-(\d+)$/.exec(location.hash);
    if (!m) { return; }
    reveal(document.getElementById((m[1] === "task" ? "src-" : "task-") + m[2]));
  }
  window.addEventListener("hashchange", sync);
  sync();
})();

// While the plan can be edited: the batch button counts the ticked tasks (those hidden by a
// filter included, data-hidden-selected) and asks before assigning them; a split form takes the
// cursor's place in the task text when no position is typed.
(function () {
  var assign = document.getElementById("assign-btn");
  var count = document.getElementById("pending-count");
  if (!assign || !count) { return; }
  var hidden = parseInt(assign.dataset.hiddenSelected, 10) || 0;
  function ticked() { return document.querySelectorAll("input.pick:checked").length + hidden; }
  function refresh() { count.textContent = ticked(); }
  document.querySelectorAll("input.pick").forEach(function (box) { box.addEventListener("change", refresh); });
  assign.addEventListener("click", function (ev) {
    var question = assign.dataset.confirm.replace("%(n)s", ticked());
    if (!window.confirm(question)) { ev.preventDefault(); }
  });
  var split = document.querySelector(".split-form");
  var area = document.querySelector(".task-edit textarea[name=text]");
  if (split && area) {
    split.addEventListener("submit", function () {
      var at = split.querySelector("input[name=at]");
      if (!at.value && area.selectionStart > 0) { at.value = area.selectionStart; }
    });
  }
})();
