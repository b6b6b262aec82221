// Site-wide behaviour: messages from htmx responses, and a clear word when a request fails.
(function () {
  "use strict";

  const SESSION_EXPIRED = "Your session expired. Reload the page to carry on.";
  const FAILED = "That did not go through. Check your connection and try again.";
  const MAX_MESSAGES = 3;

  function showMessage(text, level) {
    const region = document.getElementById("messages");
    if (!region || !text) return;
    const p = document.createElement("p");
    p.className = "message message-" + (level || "info");
    p.textContent = text;
    region.appendChild(p);
    while (region.children.length > MAX_MESSAGES) region.firstElementChild.remove();
  }
  window.dealeradmin = window.dealeradmin || {};
  window.dealeradmin.showMessage = showMessage;

  // Servers send {"showMessage": {"text": "...", "level": "error"}} in HX-Trigger.
  document.body.addEventListener("showMessage", function (event) {
    const detail = event.detail || {};
    showMessage(detail.text || detail.value, detail.level);
  });

  // htmx 2 does not swap 4xx/5xx answers: say what happened instead of failing silently.
  document.body.addEventListener("htmx:responseError", function (event) {
    const xhr = event.detail.xhr;
    if (xhr.getResponseHeader("X-Session-Expired")) {
      showMessage(SESSION_EXPIRED, "error");
    } else if (xhr.getResponseHeader("HX-Trigger")) {
      // The server already described it through a showMessage trigger.
    } else {
      showMessage(FAILED, "error");
    }
  });
  document.body.addEventListener("htmx:sendError", function () {
    showMessage(FAILED, "error");
  });

  // Clear old messages before each new action of the person's own (a click, typing), never
  // before a request the page makes by itself (polling, a refresh after a save), which would
  // wipe the message that save has just shown.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.closest("[data-keep-messages]")) return;
    const trigger = event.detail.requestConfig.triggeringEvent;
    const region = document.getElementById("messages");
    if (region && trigger && trigger.isTrusted) {
      region.replaceChildren();
    }
  });
})();
