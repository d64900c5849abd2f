// Small behaviours that need script. No inline scripts anywhere: the CSP forbids them.
// CSRF: every htmx request carries the token from <body hx-headers>; plain forms carry it
// in a hidden field.
(function () {
  "use strict";

  function text(name) { return document.body.dataset[name] || ""; }

  function showToast(message, kind) {
    var area = document.getElementById("toast");
    if (!area) { return; }
    var div = document.createElement("div");
    div.className = "toast toast-" + (kind || "error");
    div.setAttribute("role", "alert");
    div.textContent = message;
    area.replaceChildren(div);
  }

  // A change made with htmx may bring a message for a toast (HX-Trigger {"toast": "..."}).
  document.addEventListener("toast", function (event) {
    var text = event.detail && (event.detail.value || event.detail);
    if (typeof text === "string" && text) { showToast(text, "ok"); }
  });

  function liveStatus(broken) {
    var note = document.getElementById("live-status");
    if (note) { note.hidden = !broken; }
  }

  // One failure handler for the whole app. A live poll that fails is no "not saved": the page
  // only says its live updates are interrupted, until a poll succeeds again. A form that says
  // where its errors go ([data-send-error]) shows them there and keeps what was typed;
  // anything else gets a toast.
  function onFailure(event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.closest) { return; }
    if (elt.closest("[data-poll]")) {
      liveStatus(true);
      return;
    }
    var xhr = event.detail.xhr;
    var message = text("msgOffline");
    if (event.type === "htmx:responseError" && xhr) {
      if (xhr.status < 500) { return; }  // 4xx answers are swapped in (a toast or the form)
      message = text("msgServer");
    }
    var form = elt.closest("form");
    var box = form && form.querySelector("[data-send-error]");
    if (box) {
      box.textContent = message;
      box.hidden = false;
      box.scrollIntoView({ block: "center" });
    } else {
      showToast(message);
    }
  }
  ["htmx:sendError", "htmx:timeout", "htmx:responseError"].forEach(function (name) {
    document.addEventListener(name, onFailure);
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
    var box = form && form.querySelector("[data-send-error]");
    if (box) { box.hidden = true; }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (event.detail.successful && elt && elt.closest && elt.closest("[data-poll]")) { liveStatus(false); }
  });

  // Print buttons: <button data-print>.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });

  // The menu (a <details>) closes on a tap anywhere else or on Escape, like any other menu.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) { menu.removeAttribute("open"); }
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.menu"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeMenus(null); }
  });

  // Toasts fade after a while; errors stay until the next one.
  document.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll(".toast-ok").forEach(function (el) {
      setTimeout(function () { el.remove(); }, 4000);
    });
  });
})();

// Live lists: a <template data-replace="id" data-place="#box"> sent by a poll replaces the
// element with that id wherever it is (or nothing, if the page never showed it) and puts its
// content into #box (first with data-first); an empty data-place only removes.
(function () {
  "use strict";
  function place(tpl) {
    var old = document.getElementById(tpl.dataset.replace);
    if (old) { old.remove(); }
    var box = tpl.dataset.place ? document.querySelector(tpl.dataset.place) : null;
    var item = tpl.content.firstElementChild;
    if (box && item) {
      if (tpl.hasAttribute("data-first")) { box.prepend(item); } else { box.append(item); }
      window.htmx.process(item);
    }
    tpl.remove();
  }
  if (window.htmx) {
    window.htmx.onLoad(function (root) {
      if (root.matches && root.matches("template[data-replace]")) { place(root); return; }
      if (root.querySelectorAll) { root.querySelectorAll("template[data-replace]").forEach(place); }
    });
  }
})();

// Long text: <textarea maxlength data-counter> shows how much is left instead of cutting
// silently; the counter is a sibling <small class="counter">.
(function () {
  "use strict";
  function update(area) {
    var box = area.parentElement && area.parentElement.querySelector(".counter");
    var max = parseInt(area.getAttribute("maxlength"), 10);
    if (!box || !max) { return; }
    var used = area.value.length;
    box.textContent = used + " / " + max;
    box.classList.toggle("counter-near", used > max * 0.9);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-counter]")) { update(event.target); }
  });
  if (window.htmx) {
    window.htmx.onLoad(function (root) {
      if (root.querySelectorAll) { root.querySelectorAll("[data-counter]").forEach(update); }
    });
  }
})();

// Search with a result list ([data-results="#list"]): arrow keys move through the results,
// Enter opens the chosen one, or the only one. The new-customer form takes the searched
// phone number when it is opened empty.
(function () {
  "use strict";
  function links(input) {
    var list = document.querySelector(input.dataset.results);
    return list ? Array.prototype.slice.call(list.querySelectorAll("a")) : [];
  }
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    var inList = input.closest && input.closest("[data-result-list]");
    if (inList && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      var items = Array.prototype.slice.call(inList.querySelectorAll("a"));
      var at = items.indexOf(input) + (event.key === "ArrowDown" ? 1 : -1);
      if (at < 0) {
        var box = document.querySelector("[data-results='#" + inList.id + "']");
        if (box) { box.focus(); }
      } else if (items[at]) { items[at].focus(); }
      event.preventDefault();
      return;
    }
    if (!input.matches || !input.matches("[data-results]")) { return; }
    var found = links(input);
    if (event.key === "ArrowDown" && found.length) {
      found[0].focus();
      event.preventDefault();
    } else if (event.key === "Enter" && found.length === 1) {
      found[0].click();
      event.preventDefault();
    }
  });
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.matches || !details.matches("[data-takes-phone]") || !details.open) { return; }
    var from = document.querySelector(details.dataset.takesPhone);
    var phone = details.querySelector("textarea[name$='phone']");
    var typed = from ? from.value.trim() : "";
    if (phone && !phone.value && /^[0-9+\-\s()]{5,}$/.test(typed)) { phone.value = typed; }
  }, true);
})();

// A technician's drafts (tech.js keeps them in localStorage under "tech-draft:") hold customers'
// names and work text: they leave the phone when its user signs out, and when somebody else
// signs in on it. The same technician signing in again (an ended session) keeps them.
(function () {
  "use strict";
  var PREFIX = "tech-draft:";
  var OWNER = "tech-draft-owner";

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function clearDrafts(ls) {
    for (var i = ls.length - 1; i >= 0; i--) {
      var name = ls.key(i);
      if (name && name.indexOf(PREFIX) === 0) { ls.removeItem(name); }
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var ls = store();
    if (!ls || !form.matches) { return; }
    if (form.matches("form[action$='/logout']")) {
      clearDrafts(ls);
      ls.removeItem(OWNER);
    } else if (form.matches("#login-form")) {
      var field = form.querySelector("input[name=username]");
      var who = field ? field.value.trim().toLowerCase() : "";
      if (ls.getItem(OWNER) !== who) {
        clearDrafts(ls);
        try { ls.setItem(OWNER, who); } catch (e) { /* storage full: nothing kept anyway */ }
      }
    }
  }, true);
})();

// Ticked boxes of a batch form (<input form="batch">) stay ticked when a live list is sent
// again; the value carries the version, so a voucher that changed since comes back unticked.
(function () {
  "use strict";
  var ticked = {};
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("input[type=checkbox][form]")) {
      var key = box.getAttribute("form") + "|" + box.value;
      if (box.checked) { ticked[key] = true; } else { delete ticked[key]; }
    }
  });
  if (window.htmx) {
    window.htmx.onLoad(function (root) {
      if (!root.querySelectorAll) { return; }
      root.querySelectorAll("input[type=checkbox][form]").forEach(function (box) {
        if (ticked[box.getAttribute("form") + "|" + box.value]) { box.checked = true; }
      });
    });
  }
})();
