// Assessment pages: small enhancements on top of server-rendered forms (no inline scripts: the CSP forbids them).
(function () {
  "use strict";

  // A leaf marked "not applicable" needs a reason, not inputs: show the reason, dim the inputs.
  function syncNa(box) {
    var form = box.form;
    if (!form) { return; }
    var inputs = form.querySelector(".inputs");
    var reason = form.querySelector(".field-na_reason");
    if (inputs) { inputs.classList.toggle("disabled-by-na", box.checked); }
    if (reason) { reason.hidden = !box.checked; }
  }

  function init(root) {
    root.querySelectorAll("[data-na-toggle]").forEach(syncNa);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-na-toggle]")) { syncNa(event.target); }
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  // htmx swaps a leaf after each save: apply the same state to the new fragment.
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target.parentNode || document); });
})();
