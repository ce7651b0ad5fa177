// 打印 buttons: data-print-page instead of onclick=, which the Content-Security-Policy refuses.
document.querySelectorAll("button[data-print-page]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
