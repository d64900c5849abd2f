// The dispatch board: one dispatch control for the whole board (choose a card by tap, click or
// keyboard, or drag it onto a technician's lane), how long each card has waited, a clock and
// the time of the last update. Every text comes from data-* attributes (translated server-side).
(function () {
  "use strict";

  var root = document.querySelector("[data-board]");
  if (!root) { return; }
  var bar = document.querySelector("[data-dispatch-bar]");
  var what = bar.querySelector("[data-dispatch-what]");
  var select = bar.querySelector("select[name=technician]");
  var button = bar.querySelector("button[type=submit]");
  var version = bar.querySelector("input[name=version]");
  bar.hidden = false;

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }

  // ---- choosing a card, dispatching it -------------------------------------------------------

  var chosen = null;
  function choose(card) {
    if (chosen) { chosen.classList.remove("chosen"); chosen.removeAttribute("aria-pressed"); }
    chosen = card && card.dataset.dispatch ? card : null;
    if (!chosen) {
      what.textContent = root.dataset.msgChoose;
      select.disabled = true;
      button.disabled = true;
      return;
    }
    chosen.classList.add("chosen");
    chosen.setAttribute("aria-pressed", "true");
    bar.action = chosen.dataset.dispatch;
    version.value = chosen.dataset.version;
    what.textContent = fill(root.dataset.msgChosen, { number: chosen.dataset.number });
    select.disabled = false;
    button.disabled = !select.value;
  }

  function send() {
    if (!chosen || !select.value) { return; }
    window.htmx.ajax("POST", bar.action, { source: bar, swap: "none" });
    choose(null);
    select.value = "";
  }

  root.addEventListener("click", function (event) {
    if (event.target.closest("a, button, select, input, form")) { return; }
    var card = event.target.closest(".bcard[data-dispatch]");
    if (card) { choose(card === chosen ? null : card); select.focus(); }
  });
  root.addEventListener("keydown", function (event) {
    var card = event.target.closest && event.target.closest(".bcard[data-dispatch]");
    if (card && (event.key === "Enter" || event.key === " ") && event.target === card) {
      event.preventDefault();
      choose(card);
      select.focus();
    }
    if (event.key === "Escape") { choose(null); }
  });
  select.addEventListener("change", function () { button.disabled = !chosen || !select.value; });
  bar.addEventListener("submit", function (event) { event.preventDefault(); send(); });

  // drag a card onto a technician's lane
  root.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".bcard[data-dispatch]");
    if (!card) { return; }
    choose(card);
    event.dataTransfer.setData("text/plain", card.id);
    event.dataTransfer.effectAllowed = "move";
  });
  root.addEventListener("dragover", function (event) {
    if (chosen && event.target.closest && event.target.closest("[data-drop-tech]")) { event.preventDefault(); }
  });
  root.addEventListener("drop", function (event) {
    var lane = event.target.closest && event.target.closest("[data-drop-tech]");
    if (!lane || !chosen) { return; }
    event.preventDefault();
    select.value = lane.dataset.dropTech;
    send();
  });
  // a card replaced by a poll keeps being the chosen one if it still may be dispatched
  document.addEventListener("htmx:load", function (event) {
    if (chosen && !document.body.contains(chosen)) {
      var fresh = document.getElementById(chosen.id);
      choose(fresh && fresh.dataset.dispatch ? fresh : null);
    }
    ages(event.target);
  });

  // ---- how long each card has waited in its state ------------------------------------------

  function age(seconds) {
    var m = Math.floor(seconds / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
    if (d >= 1) { return fill(root.dataset.ageDays, { d: d, h: h % 24 }); }
    if (h >= 1) { return fill(root.dataset.ageHours, { h: h, m: m % 60 }); }
    return fill(root.dataset.ageMinutes, { m: m });
  }
  function ages(scope) {
    var now = Date.now() / 1000;
    (scope && scope.querySelectorAll ? scope : document).querySelectorAll(".bcard[data-since]").forEach(function (card) {
      var since = parseInt(card.dataset.since, 10);
      if (!since) { return; }
      var waited = Math.max(0, now - since);
      var label = card.querySelector("[data-age]");
      if (label) { label.textContent = age(waited); }
      var warn = parseInt(card.dataset.warn, 10);
      card.classList.toggle("overdue", Boolean(warn) && waited > warn);
    });
  }
  ages(document);
  setInterval(function () { ages(document); }, 30000);

  // ---- the clock and the last update -------------------------------------------------------

  var clock = root.querySelector("[data-clock]");
  var updated = root.querySelector("[data-updated]");
  var time = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
    { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  function tick() { if (clock) { clock.textContent = time.format(new Date()); } }
  tick();
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (updated && event.detail.successful && elt && elt.id === "board-poller") {
      updated.textContent = fill(updated.dataset.label, { time: time.format(new Date()) });
    }
  });
})();
