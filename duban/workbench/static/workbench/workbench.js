// 督办工作台: a "select all" box over the rows that may be urged, and the count of those ticked
// on the bulk-urge button. Without script every row still has its own box.
(function () {
  "use strict";
  var form = document.querySelector("form.bulk-urge");
  if (!form) return;
  var all = form.querySelector("input.select-all");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=track]"));
  var button = form.querySelector("fieldset.urge-all button[type=submit]");
  if (!button) return;
  var label = button.textContent;
  function refresh() {
    var n = boxes.filter(function (b) { return b.checked; }).length;
    button.textContent = n ? label + "（" + n + "）" : label;
    if (all) {
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
  }
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      refresh();
    });
  }
  boxes.forEach(function (b) { b.addEventListener("change", refresh); });
  refresh();
})();
