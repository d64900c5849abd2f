// Small behaviours that need script. No inline scripts anywhere: the CSP forbids them.
(function () {
  "use strict";

  // Every htmx request carries the CSRF token from the page's meta tag.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });

  // A failed request (network down, server error) says so instead of failing silently.
  function showToast(text, kind) {
    var area = document.getElementById("toast");
    if (!area) { return; }
    var div = document.createElement("div");
    div.className = "toast toast-" + (kind || "error");
    div.setAttribute("role", "alert");
    div.textContent = text;
    area.replaceChildren(div);
  }
  document.addEventListener("htmx:sendError", function () {
    showToast(document.body.dataset.msgOffline || "Not saved: no connection.");
  });
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr.status >= 500) {
      showToast(document.body.dataset.msgServer || "Server error: not saved.");
    }
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
