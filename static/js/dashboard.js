// Dashboard enhancements (no inline scripts: the CSP forbids them).
document.addEventListener("click", function (event) {
  var el = event.target.closest ? event.target.closest("[data-print]") : null;
  if (el) {
    window.print();
  }
});
