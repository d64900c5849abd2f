// The technician's phone screens: the customer's and the technician's signatures on canvases,
// what the customer signs for summed up above the pads, rows of parts added as needed, drafts
// kept through a weak signal. Loaded only by templates/tech/*.html.
// Every text shown comes from data-* attributes of the page (translated by the server).
(function () {
  "use strict";

  var DRAFT_SKIP = { csrf_token: true, signature: true, tech_signature: true, key: true, version: true };
  var PART_NAME = /^parts-(\d+)-name$/;

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function show(el, text) {
    if (!el) { return; }
    el.textContent = text;
    el.hidden = !text;
  }

  // ---- rows of parts: one more at a tap, up to the form's maximum ---------------------------

  function partRows(form) {
    return form.querySelectorAll("[data-part-row]");
  }

  function addPartRow(form) {
    var rows = partRows(form);
    var last = rows[rows.length - 1];
    var button = form.querySelector("[data-part-add]");
    var box = form.querySelector("[data-parts]");
    var max = parseInt(button && button.dataset.max || (box && box.dataset.max) || "10", 10);
    if (!last) { return null; }
    var count = form.querySelectorAll("[data-part-row], [data-recorded]").length;
    var row = last.cloneNode(true);
    row.querySelectorAll("input").forEach(function (input) {
      input.name = input.name.replace(/^parts-\d+-/, "parts-" + count + "-");
      input.id = input.name;
      input.value = /-quantity$/.test(input.name) ? "1" : "";
      input.removeAttribute("aria-invalid");
    });
    // the new row goes after the last row and the errors that belong to it
    var after = last;
    while (after.nextElementSibling && after.nextElementSibling.classList.contains("error")) {
      after = after.nextElementSibling;
    }
    after.after(row);
    if (button && count + 1 >= max) { button.hidden = true; }
    return row;
  }

  // ---- drafts: a form's fields kept in localStorage per job and version ---------------------

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
    // Rows of parts added before the reload are added again first.
    values.forEach(function (pair) {
      var match = PART_NAME.exec(pair[0]);
      if (!match) { return; }
      var guard = 0;
      while (!form.elements[pair[0]] && guard++ < 20 && addPartRow(form)) { /* one more row */ }
    });
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

  // ---- the signature pads -------------------------------------------------------------------

  function setUpPad(box) {
    var canvas = box.querySelector("canvas");
    if (!canvas || typeof window.SignaturePad !== "function") { return null; }
    var pad = new window.SignaturePad(canvas, { minWidth: 1, maxWidth: 3, penColor: "#000" });
    var hidden = box.querySelector("input[type=hidden]");
    var empty = box.querySelector("[data-signature-empty]");

    // Drawing a picture back is asynchronous: a submission waits for it (see the submit handler).
    var state = { pending: null };
    function drawImage(url, width, height) {
      state.pending = pad.fromDataURL(url, { ratio: 1, width: width, height: height })
        .catch(function () { pad.clear(); })
        .then(function () { state.pending = null; });
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
    function clear() {
      pad.clear();
      if (hidden) { hidden.value = ""; }
    }
    box.querySelector("[data-signature-clear]").addEventListener("click", clear);
    return { box: box, pad: pad, hidden: hidden, empty: empty, clear: clear, state: state };
  }

  function pending(form) {
    var waits = (form.pads || []).map(function (p) { return p.state.pending; }).filter(Boolean);
    return waits.length ? Promise.all(waits) : null;
  }

  // Runs before htmx (capture phase on the document): an empty pad stops the submission with a
  // visible message; otherwise the drawings go into the hidden inputs htmx then sends.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-finish-form]") || !form.pads) { return; }
    var waiting = pending(form);
    if (waiting) {
      event.preventDefault();
      event.stopPropagation();
      waiting.then(function () { form.requestSubmit(); });
      return;
    }
    show(form.querySelector("[data-send-error]"), "");
    var blank = form.pads.filter(function (p) { return p.pad.isEmpty(); });
    form.pads.forEach(function (p) { show(p.empty, ""); });
    if (blank.length) {
      event.preventDefault();
      event.stopPropagation();
      blank.forEach(function (p) { show(p.empty, p.box.dataset.msgEmpty); });
      blank[0].box.scrollIntoView({ block: "center" });
      return;
    }
    form.pads.forEach(function (p) { p.hidden.value = p.pad.toDataURL("image/png"); });
    saveDraft(form);
  }, true);

  // ---- after a successful send, the draft has done its job ---------------------------------

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.closest || !event.detail.successful) { return; }
    var form = elt.closest("[data-draft-form]");
    var ls = store();
    if (form && ls && form.dataset.draft && event.detail.xhr.status < 300) {
      ls.removeItem(form.dataset.draft);
    }
  });

  // ---- what the customer signs for, above the pads -----------------------------------------

  function result(form) {
    var chosen = form.querySelector("input[name=result]:checked") || form.querySelector("input[name=result]");
    return chosen ? chosen.value : "finish";
  }

  function toggleResult(form) {
    var value = result(form);
    form.querySelectorAll("[data-only-for]").forEach(function (el) {
      el.hidden = el.dataset.onlyFor !== value;
    });
  }

  function fieldValue(form, name) {
    var el = form.elements[name];
    return el && el.value ? el.value.trim() : "";
  }

  function summaryTexts(form) {
    var work = [fieldValue(form, "work_done")];
    form.querySelectorAll("input[name=quick]:checked").forEach(function (box) { work.push(box.value); });
    var parts = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      var match = PART_NAME.exec(el.name || "");
      if (!match || !el.value.trim()) { return; }
      var quantity = form.elements["parts-" + match[1] + "-quantity"];
      parts.push(el.value.trim() + " × " + ((quantity && quantity.value.trim()) || "1"));
    });
    return {
      work: work.filter(Boolean).join("\n"),
      parts: parts.join("; "),
      carry_item: fieldValue(form, "carry_item"),
      carry_serial: fieldValue(form, "carry_serial"),
      carry_accessories: fieldValue(form, "carry_accessories"),
      carry_condition: fieldValue(form, "carry_condition"),
      return_by: fieldValue(form, "return_by")
    };
  }

  function updateSummary(form) {
    var texts = summaryTexts(form);
    form.querySelectorAll("[data-sum]").forEach(function (el) {
      var value = texts[el.dataset.sum] || el.dataset.empty || "";
      if (el.textContent !== value) { el.textContent = value; }
    });
    return JSON.stringify([result(form), texts]);
  }

  // Whatever the customer signs for changes after a signature was drawn: the drawings go, and
  // the page says why (the signature covers exactly what the summary shows).
  function contentChanged(form) {
    var now = updateSummary(form);
    if (form.signedFor === undefined || now === form.signedFor) { return; }
    form.signedFor = now;
    var drawn = (form.pads || []).filter(function (p) { return !p.pad.isEmpty(); });
    if (!drawn.length) { return; }
    drawn.forEach(function (p) { p.clear(); });
    show(form.querySelector("[data-resign-note]"), form.dataset.msgResign);
  }

  // ---- set up whatever a page or a swapped fragment brings ---------------------------------

  function setUpForm(form) {
    if (form.dataset.ready) { return; }
    form.dataset.ready = "1";
    if (form.hasAttribute("data-restore") && restoreDraft(form)) {
      show(form.querySelector("[data-restored-note]"), form.dataset.msgRestored);
    }
    var add = form.querySelector("[data-part-add]");
    if (add) {
      add.addEventListener("click", function () {
        var row = addPartRow(form);
        if (row) { row.querySelector("input").focus(); }
      });
    }
    if (form.matches("[data-finish-form]")) {
      form.pads = Array.prototype.map.call(form.querySelectorAll("[data-signature]"), setUpPad).filter(Boolean);
      toggleResult(form);
      form.signedFor = updateSummary(form);
      if (form.querySelector("[data-recorded]")) {
        // The parts the workshop recorded count in the amount shown above the pads.
        setTimeout(function () { form.dispatchEvent(new Event("change", { bubbles: true })); }, 0);
      }
    }
    form.addEventListener("input", function (event) {
      saveDraft(form);
      if (form.pads && !event.target.closest("[data-signature]") && event.target.name !== "signer_name") {
        contentChanged(form);
      }
    });
    form.addEventListener("change", function (event) {
      if (form.pads && event.target.name === "result") { toggleResult(form); }
      saveDraft(form);
      if (form.pads && event.target.name && event.target.name !== "signer_name") { contentChanged(form); }
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
    // A part of a form swapped in by htmx (the amount above the pads) follows the result chosen.
    var owner = root.closest && root.closest("[data-finish-form]");
    if (owner && owner.pads && owner !== root) { toggleResult(owner); }
    var forms = root.matches && root.matches("[data-draft-form]") ? [root] : [];
    root.querySelectorAll("[data-draft-form]").forEach(function (form) { forms.push(form); });
    forms.forEach(setUpForm);
  }

  if (window.htmx) {
    window.htmx.onLoad(setUp);
  } else {
    document.addEventListener("DOMContentLoaded", function () { setUp(document.body); });
  }
})();
