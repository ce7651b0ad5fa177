// The item page. Figures go with a 进度报告 only: show their fields when that kind is chosen.
document.querySelectorAll(".figure-fields").forEach(function (fields) {
  var kind = fields.form ? fields.form.querySelector("select[name=kind]") : null;
  if (!kind) { return; }
  function sync() { fields.hidden = kind.value !== "progress"; }
  kind.addEventListener("change", sync);
  sync();
});
