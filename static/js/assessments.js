// Assessment pages: small enhancements on top of server-rendered forms (no inline scripts: the CSP forbids them).
// Without this file every form still works: each card has its own Save button and the filters are links.
(function () {
  "use strict";

  var DELAY = 900; // ms of quiet typing before a card saves itself
  var timers = new WeakMap();
  var inflight = 0;
  var messages = {};

  function t(key) { return messages[key] || key; }

  // A leaf marked "not applicable" needs a reason, not inputs: show the reason, dim the inputs.
  function syncNa(box) {
    var form = box.form;
    if (!form) { return; }
    var inputs = form.querySelector(".inputs");
    var reason = form.querySelector(".field-na_reason");
    if (inputs) { inputs.classList.toggle("disabled-by-na", box.checked); }
    if (reason) { reason.hidden = !box.checked; }
  }

  function statusOf(form) {
    var card = form.closest(".leaf");
    return card ? card.querySelector("[data-save-status]") : null;
  }

  function setStatus(form, text, kind) {
    var el = statusOf(form);
    if (!el) { return; }
    el.textContent = text;
    el.className = "save-status" + (kind ? " " + kind : "");
  }

  function dirtyForms() { return document.querySelectorAll("form[data-autosave].dirty"); }

  function pageStatus() {
    var el = document.getElementById("page-save-status");
    if (!el) { return; }
    var dirty = dirtyForms().length;
    if (inflight) { el.textContent = t("saving"); }
    else if (document.querySelector("form[data-autosave][data-conflict]")) { el.textContent = t("conflict"); }
    else if (dirty) { el.textContent = t("unsaved"); }
    else if (el.dataset.savedAt) { el.textContent = t("saved") + " " + el.dataset.savedAt; }
  }

  function schedule(form) {
    clearTimeout(timers.get(form));
    // After a conflict the user decides: only the Save button overwrites the other person's value.
    if (form.hasAttribute("data-conflict")) { return; }
    timers.set(form, setTimeout(function () { save(form); }, DELAY));
  }

  function save(form) {
    if (!form.isConnected || !form.classList.contains("dirty")) { return; }
    if (form.classList.contains("in-flight")) { schedule(form); return; }
    form.requestSubmit();
  }

  function init(root) {
    root.querySelectorAll("[data-na-toggle]").forEach(syncNa);
  }

  function readMessages() {
    var el = document.getElementById("tree");
    if (!el) { return; }
    ["saving", "unsaved", "failed", "conflict", "saved"].forEach(function (key) {
      messages[key] = el.getAttribute("data-msg-" + key) || key;
    });
  }

  function markDirty(event) {
    var form = event.target.form;
    if (!form || !form.hasAttribute("data-autosave")) { return; }
    form.classList.add("dirty");
    if (form.classList.contains("in-flight")) { form.classList.add("changed-in-flight"); }
    setStatus(form, t("unsaved"), "dirty");
    pageStatus();
    schedule(form);
  }

  document.addEventListener("input", markDirty);
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-na-toggle]")) { syncNa(event.target); }
    markDirty(event);
  });

  // Leaving with unsaved input asks first.
  window.addEventListener("beforeunload", function (event) {
    if (dirtyForms().length || inflight) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Collapsed domains open when the contents or "next unfinished" lead into them.
  function reveal(hash) {
    if (!hash || hash.length < 2) { return; }
    var target = document.getElementById(hash.slice(1));
    if (!target) { return; }
    var box = target.closest("details");
    if (box) { box.open = true; }
    if (target.classList.contains("leaf")) { target.focus({ preventScroll: true }); }
  }
  window.addEventListener("hashchange", function () { reveal(location.hash); });

  var focusBefore = null;
  var contentsOpen = null; // the contents are re-rendered after each save: keep them as the user left them
  document.addEventListener("toggle", function (event) {
    var box = event.target;
    if (!box.classList) { return; }
    if (box.classList.contains("contents-box")) { contentsOpen = box.open; }
    // A folded domain is rendered empty; its criteria load the first time it is unfolded.
    var lazy = box.open && box.classList.contains("domain-box") && box.querySelector(":scope > .domain-body.lazy");
    if (lazy && window.htmx) {
      lazy.classList.remove("lazy");
      window.htmx.ajax("GET", lazy.getAttribute("data-src"), { target: lazy, swap: "outerHTML" });
    }
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-autosave]")) { return; }
    clearTimeout(timers.get(form));
    form.classList.add("in-flight");
    form.classList.remove("changed-in-flight");
    inflight += 1;
    setStatus(form, t("saving"), "saving");
    pageStatus();
  });

  // Remember what the user was in, and what they typed while the save travelled, before the card is replaced.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    focusBefore = null;
    if (!form || !form.matches || !form.matches("form[data-autosave]")) { return; }
    var active = document.activeElement;
    if (active && form.closest(".leaf").contains(active) && active.id) {
      focusBefore = { id: active.id, cardId: form.closest(".leaf").id };
    }
    if (form.classList.contains("changed-in-flight")) {
      var typed = {};
      form.querySelectorAll("input, select, textarea").forEach(function (el) {
        if (el.name && !/-version$/.test(el.name) && el.name !== "csrfmiddlewaretoken" && el.type !== "file") {
          typed[el.name] = el.type === "checkbox" ? el.checked : el.value;
        }
      });
      event.detail.typedWhileSaving = typed;
      focusBefore = focusBefore || { cardId: form.closest(".leaf").id };
      focusBefore.typed = typed;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-autosave]")) { return; }
    inflight = Math.max(0, inflight - 1);
    form.classList.remove("in-flight");
    if (!event.detail.successful) {
      setStatus(form, t("failed"), "error");
    }
    pageStatus();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    init(event.target.parentNode || document);
    var memo = focusBefore;
    focusBefore = null;
    if (!memo || !memo.cardId) { return; }
    var card = document.getElementById(memo.cardId);
    if (!card) { return; }
    var form = card.querySelector("form[data-autosave]");
    if (memo.typed && form) {
      Object.keys(memo.typed).forEach(function (name) {
        var el = form.elements.namedItem(name);
        if (!el || !el.tagName) { return; }
        if (el.type === "checkbox") { el.checked = memo.typed[name]; } else { el.value = memo.typed[name]; }
      });
      form.classList.add("dirty");
      setStatus(form, t("unsaved"), "dirty");
      schedule(form);
    }
    var target = (memo.id && document.getElementById(memo.id)) || card;
    var box = document.querySelector(".contents-box");
    if (box && contentsOpen !== null) { box.open = contentsOpen; }
    target.focus({ preventScroll: true });
    var saved = card.querySelector("[data-save-status]");
    var page = document.getElementById("page-save-status");
    if (saved && page && saved.textContent.trim() && !card.querySelector("[data-conflict]")) {
      page.dataset.savedAt = saved.textContent.trim();
    }
    pageStatus();
  });

  document.addEventListener("DOMContentLoaded", function () {
    readMessages();
    init(document);
    // On a phone the contents start folded: the form comes first.
    var box = document.querySelector(".contents-box");
    if (box && window.matchMedia("(max-width: 1000px)").matches) { box.open = false; contentsOpen = false; }
    reveal(location.hash);
  });
})();
