// The technician's phone screens: the customer's signature on a canvas, drafts kept through a
// weak signal, plain messages when a request fails. Loaded only by templates/tech/*.html.
// Every text shown comes from data-* attributes of the page (translated by the server).
(function () {
  "use strict";

  var DRAFT_SKIP = { csrf_token: true, signature: true, key: true, version: true };

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function show(el, text) {
    if (!el) { return; }
    el.textContent = text;
    el.hidden = !text;
  }

  // ---- drafts: the finish form's fields kept in localStorage per job and version ----------

  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !DRAFT_SKIP[el.name] && el.type !== "hidden" && el.type !== "submit" && el.type !== "button";
    });
  }

  function saveDraft(form) {
    var ls = store();
    if (!ls || !form.dataset.draft) { return; }
    var values = [];
    draftFields(form).forEach(function (el) {
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      values.push([el.name, el.value]);
    });
    try { ls.setItem(form.dataset.draft, JSON.stringify(values)); } catch (e) { /* storage full: keep going */ }
  }

  function restoreDraft(form) {
    var ls = store();
    var raw = ls && form.dataset.draft ? ls.getItem(form.dataset.draft) : null;
    if (!raw) { return false; }
    var values;
    try { values = JSON.parse(raw); } catch (e) { return false; }
    if (!Array.isArray(values)) { return false; }
    draftFields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.some(function (pair) { return pair[0] === el.name && pair[1] === el.value; });
      } else {
        var found = values.find(function (pair) { return pair[0] === el.name; });
        if (found) { el.value = found[1]; }
      }
    });
    return true;
  }

  function clearDrafts(prefix) {
    var ls = store();
    if (!ls) { return; }
    for (var i = ls.length - 1; i >= 0; i--) {
      var name = ls.key(i);
      if (name && name.indexOf(prefix) === 0) { ls.removeItem(name); }
    }
  }

  // ---- the signature pad -------------------------------------------------------------------

  function setUpSignature(form) {
    var box = form.querySelector("[data-signature]");
    var canvas = box && box.querySelector("canvas");
    if (!canvas || typeof window.SignaturePad !== "function") { return null; }
    var pad = new window.SignaturePad(canvas, { minWidth: 1, maxWidth: 3, penColor: "#000" });
    var hidden = box.querySelector("input[name=signature]");
    var empty = box.querySelector("[data-signature-empty]");

    // Drawing a picture back is asynchronous: a submission waits for it (see the submit handler).
    var pending = null;
    function drawImage(url, width, height) {
      pending = pad.fromDataURL(url, { ratio: 1, width: width, height: height })
        .catch(function () { pad.clear(); })
        .then(function () { pending = null; });
    }

    // The canvas's pixels follow its shown size and the screen's density (capped: a smaller PNG
    // travels better on a weak signal). Resizing clears a canvas, so what was drawn is drawn
    // again, shrunk if the canvas got narrower; a phone's keyboard opening changes only the
    // window's height, which is ignored.
    var shown = { width: 0, height: 0 };
    function resize() {
      if (!document.body.contains(canvas)) {
        window.removeEventListener("resize", resize);
        return;
      }
      if (!canvas.offsetWidth || canvas.offsetWidth === shown.width) { return; }
      var before = pad.isEmpty() ? null : pad.toDataURL("image/png");
      var old = { width: shown.width, height: shown.height };
      shown = { width: canvas.offsetWidth, height: canvas.offsetHeight };
      var ratio = Math.min(Math.max(window.devicePixelRatio || 1, 1), 2);
      canvas.width = shown.width * ratio;
      canvas.height = shown.height * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (before) {
        var scale = Math.min(1, shown.width / old.width);
        drawImage(before, old.width * scale, old.height * scale);
      }
    }
    resize();
    window.addEventListener("resize", resize);

    // A drawing the server sent back with a form error (another field was wrong) is shown again.
    if (hidden && hidden.value.indexOf("data:image/png;base64,") === 0) {
      drawImage(hidden.value, shown.width, shown.height);
    }
    pad.addEventListener("beginStroke", function () { show(empty, ""); });
    box.querySelector("[data-signature-clear]").addEventListener("click", function () {
      pad.clear();
      if (hidden) { hidden.value = ""; }
    });
    form.signaturePad = pad;
    form.signaturePending = function () { return pending; };
    return pad;
  }

  // Runs before htmx (capture phase on the document): an empty pad stops the submission with a
  // visible message; otherwise the drawing goes into the hidden input htmx then sends.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("[data-draft-from]")) {
      // Arriving bumps the version by one: the draft typed meanwhile moves with it.
      var ls = store();
      var draft = ls && ls.getItem(form.dataset.draftFrom);
      if (draft) { ls.setItem(form.dataset.draftTo, draft); }
      return;
    }
    if (!form.matches || !form.matches("[data-finish-form]") || !form.signaturePad) { return; }
    var pad = form.signaturePad;
    var hidden = form.querySelector("input[name=signature]");
    var pending = form.signaturePending();
    if (pending) {
      event.preventDefault();
      event.stopPropagation();
      pending.then(function () { form.requestSubmit(); });
      return;
    }
    show(form.querySelector("[data-send-error]"), "");
    if (pad.isEmpty()) {
      event.preventDefault();
      event.stopPropagation();
      var empty = form.querySelector("[data-signature-empty]");
      show(empty, form.dataset.msgSignFirst);
      form.querySelector("[data-signature]").scrollIntoView({ block: "center" });
      return;
    }
    hidden.value = pad.toDataURL("image/png");
    saveDraft(form);
  }, true);

  // ---- after a successful send, the draft has done its job ---------------------------------

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.closest || !event.detail.successful) { return; }
    var form = elt.closest("[data-finish-form]");
    var ls = store();
    if (form && ls && form.dataset.draft && event.detail.xhr.status < 300) {
      ls.removeItem(form.dataset.draft);
    }
  });

  // ---- set up whatever a page or a swapped fragment brings ---------------------------------

  function toggleParts(form) {
    var chosen = form.querySelector("input[name=result]:checked");
    var result = chosen ? chosen.value : "finish";
    form.querySelectorAll("[data-only-for]").forEach(function (el) {
      el.hidden = el.dataset.onlyFor !== result;
    });
  }

  function setUpForm(form) {
    if (form.dataset.ready) { return; }
    form.dataset.ready = "1";
    if (form.hasAttribute("data-restore") && restoreDraft(form)) {
      show(form.querySelector("[data-restored-note]"), form.dataset.msgRestored);
    }
    setUpSignature(form);
    toggleParts(form);
    form.addEventListener("input", function () { saveDraft(form); });
    form.addEventListener("change", function (event) {
      if (event.target.name === "result") { toggleParts(form); }
      saveDraft(form);
    });
    var firstError = form.querySelector(".error:not([hidden])");
    if (firstError) { firstError.scrollIntoView({ block: "center" }); }
  }

  var firstLoad = true;

  function setUp(root) {
    // A new page swapped in by htmx (after arriving or finishing) is read from its top.
    if (!firstLoad && root.tagName === "MAIN") { window.scrollTo(0, 0); }
    firstLoad = false;
    var page = document.querySelector("[data-tech]");
    if (page && page.dataset.draftClear) { clearDrafts(page.dataset.draftClear); }
    var forms = root.matches && root.matches("[data-finish-form]") ? [root] : [];
    root.querySelectorAll("[data-finish-form]").forEach(function (form) { forms.push(form); });
    forms.forEach(setUpForm);
  }

  if (window.htmx) {
    window.htmx.onLoad(setUp);
  } else {
    document.addEventListener("DOMContentLoaded", function () { setUp(document.body); });
  }
})();
