// Dashboard enhancements (no inline scripts: the CSP forbids them).
document.addEventListener("click", function (event) {
  var el = event.target.closest ? event.target.closest("[data-print]") : null;
  if (el) {
    window.print();
  }
});

// On a phone wide charts and tables scroll inside their own box: such a box must be reachable by keyboard.
function focusScrollables() {
  document.querySelectorAll(".chart-box, table.data").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.tabIndex = 0;
    } else {
      box.removeAttribute("tabindex");
    }
  });
}
document.addEventListener("DOMContentLoaded", focusScrollables);
window.addEventListener("resize", focusScrollables);
