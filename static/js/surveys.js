// Survey pages: the confirm button stays disabled until the invalid forms are accepted (the server checks too).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-enables]").forEach(function (box) {
    var target = document.getElementById(box.getAttribute("data-enables"));
    if (!target) { return; }
    var sync = function () { target.disabled = !box.checked; };
    box.addEventListener("change", sync);
    sync();
  });
});
