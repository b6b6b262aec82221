// The board: drag and drop (SortableJS), the Move-to menu, bulk selection, the edit panel and
// catching up with changes. Every change goes through htmx; the server answers with the truth
// (fresh cards into #board-inbox, column headers out of band) and this file puts each card in
// the column its data-column names, back where it came from when a move failed.
(function () {
  "use strict";

  let dragging = false;
  let confirming = false;
  let absorbLater = false;
  const origins = new Map(); // card id -> {column, next}: where a dragged card came from

  const busy = () => dragging || confirming;
  const listFor = (key) =>
    document.querySelector('#board .card-list[data-column="' + CSS.escape(key) + '"]');
  const columnOf = (card) => {
    const list = card.closest(".card-list");
    return list ? list.dataset.column : null;
  };
  const firstCard = (list) => list.querySelector(":scope > .card");
  const sentinel = (list) => list.querySelector(":scope > .more");

  function rememberOrigin(card) {
    const next = card.nextElementSibling;
    origins.set(card.id, {
      column: columnOf(card),
      next: next && next.classList.contains("card") ? next.id : null,
    });
  }

  function restore(card) {
    const origin = origins.get(card.id);
    origins.delete(card.id);
    const list = origin && listFor(origin.column);
    if (!list) return;
    const next = origin.next && document.getElementById(origin.next);
    list.insertBefore(card, next && next.parentNode === list ? next : sentinel(list));
  }

  // Puts a card in the column its (server-rendered) data-column names. A card that arrives
  // in a column is marked: its place in the column's order is not known here, so a column's
  // next page does not count it (see "more" below).
  function place(card) {
    const key = card.dataset.column;
    const origin = origins.get(card.id);
    if (columnOf(card) === key) {
      origins.delete(card.id);
      if (origin && origin.column !== key) card.dataset.arrived = "true"; // dragged, and held
      return;
    }
    if (origin && origin.column === key) {
      restore(card);
      return;
    }
    const list = listFor(key);
    if (!list) {
      card.remove(); // its column is not on this board (e.g. filtered out)
      return;
    }
    list.insertBefore(card, firstCard(list) || sentinel(list));
    card.dataset.arrived = "true";
  }

  // Applies what the server sent into #board-inbox; waits while a drag or a question is open.
  function absorb(sourceIsPoll) {
    const inbox = document.getElementById("board-inbox");
    if (!inbox || !inbox.firstElementChild) return;
    if (busy()) {
      absorbLater = true;
      return;
    }
    const focusedCard = document.activeElement && document.activeElement.closest(".card");
    const focusId = focusedCard ? focusedCard.id : null;
    Array.from(inbox.children).forEach(function (node) {
      node.remove();
      if (node.dataset.removeCard) {
        const gone = document.getElementById("card-" + node.dataset.removeCard);
        if (gone && !gone.classList.contains("is-saving")) gone.remove();
        return;
      }
      if (!node.classList.contains("card")) return;
      const old = document.getElementById(node.id);
      if (old && sourceIsPoll && old.classList.contains("is-saving")) return;
      if (old) {
        if (old.dataset.arrived) node.dataset.arrived = old.dataset.arrived;
        old.replaceWith(node);
      } else {
        const list = listFor(node.dataset.column);
        if (!list) return;
        list.insertBefore(node, firstCard(list) || sentinel(list));
        node.dataset.arrived = "true";
      }
      place(node);
    });
    if (focusId) {
      const card = document.getElementById(focusId);
      const target = card && card.querySelector(".card-name a");
      if (target) target.focus();
    }
    updateSelection();
  }

  // --- Asking before lost / invalid ------------------------------------------------------
  function ask(stateLabel, what) {
    const dialog = document.getElementById("confirm-move");
    dialog.querySelectorAll("[data-confirm-state]").forEach(function (el) {
      el.textContent = stateLabel.toLowerCase();
    });
    dialog.querySelector("[data-confirm-what]").textContent = what;
    dialog.returnValue = "";
    confirming = true;
    return new Promise(function (resolve) {
      dialog.addEventListener(
        "close",
        function () {
          confirming = false;
          resolve(dialog.returnValue === "confirm");
          if (absorbLater) {
            absorbLater = false;
            absorb(false);
          }
        },
        { once: true },
      );
      dialog.showModal();
    });
  }

  // --- Moving ----------------------------------------------------------------------------
  function send(card, to) {
    // A drop is the person's own new action: what earlier moves said no longer applies
    // (app.js does the same before the requests that clicks and typing make).
    const region = document.getElementById("messages");
    if (region) region.replaceChildren();
    card.classList.add("is-saving");
    card.setAttribute("aria-busy", "true");
    htmx.ajax("POST", document.getElementById("board").dataset.moveUrl, {
      source: card,
      target: "#board-inbox",
      swap: "beforeend",
      values: {
        cluster: card.dataset.clusterId,
        dealership: card.dataset.dealership,
        to: to,
        seen: card.dataset.column,
      },
    });
  }

  function dropped(card, list) {
    const label = list.dataset.confirm;
    if (!label) {
      send(card, list.dataset.column);
      return;
    }
    ask(label, card.dataset.name).then(function (yes) {
      if (yes) send(card, list.dataset.column);
      else restore(card);
    });
  }

  // The column under the pointer when it was released. Passing over a column on the way to one
  // that takes no drops leaves the card in the one passed; a drop counts only where it lands.
  function releasedOver(evt) {
    const e = evt.originalEvent;
    const point = e && e.changedTouches ? e.changedTouches[0] : e;
    if (!point || typeof point.clientX !== "number") return evt.to.closest(".column");
    const el = document.elementFromPoint(point.clientX, point.clientY);
    return el && el.closest("#board .column");
  }

  function initList(list) {
    if (list.dataset.sortable || typeof Sortable === "undefined") return;
    list.dataset.sortable = "on";
    Sortable.create(list, {
      group: {
        name: "board",
        pull: true,
        put: function (to) {
          return to.el.dataset.accepts === "true";
        },
      },
      sort: false,
      draggable: ".card",
      handle: ".drag-handle",
      filter: ".is-saving",
      preventOnFilter: false,
      forceFallback: true, // pointer events: dependable with touch, pens and tests
      fallbackOnBody: true,
      fallbackTolerance: 3,
      animation: 150,
      ghostClass: "card-ghost",
      chosenClass: "card-chosen",
      dragClass: "card-dragging",
      onStart: function (evt) {
        dragging = true;
        document.body.classList.add("board-dragging");
        rememberOrigin(evt.item);
      },
      onMove: function (evt) {
        const only = evt.to.dataset.dealershipId;
        if (only && only !== evt.dragged.dataset.dealershipId) return false;
      },
      onEnd: function (evt) {
        dragging = false;
        document.body.classList.remove("board-dragging");
        if (evt.to === evt.from) origins.delete(evt.item.id);
        else if (releasedOver(evt) !== evt.to.closest(".column")) restore(evt.item);
        else dropped(evt.item, evt.to);
        if (absorbLater && !confirming) {
          absorbLater = false;
          absorb(false);
        }
      },
    });
  }

  // --- The Move-to menu: its choices are the board's columns this card may go to ---------
  function fillTargets(select) {
    const card = select.closest(".card");
    select.replaceChildren();
    document.querySelectorAll("#board .card-list").forEach(function (list) {
      const only = list.dataset.dealershipId;
      if (list.dataset.accepts !== "true" || list.dataset.column === card.dataset.column) return;
      if (only && only !== card.dataset.dealershipId) return;
      const option = new Option(list.dataset.label, list.dataset.column);
      if (list.dataset.confirm) option.dataset.confirm = list.dataset.confirm;
      select.add(option);
    });
  }

  document.addEventListener(
    "toggle",
    function (event) {
      const menu = event.target;
      if (menu.matches && menu.matches(".move-menu") && menu.open) {
        fillTargets(menu.querySelector("[data-move-targets]"));
      }
    },
    true,
  );

  // --- Selection -------------------------------------------------------------------------
  function updateSelection() {
    const boxes = document.querySelectorAll("#board .card-select");
    let n = 0;
    boxes.forEach(function (box) {
      box.closest(".card").classList.toggle("is-selected", box.checked);
      if (box.checked) n += 1;
    });
    const count = document.getElementById("bulk-count");
    if (count) count.textContent = n ? n + " selected" : "No cards selected";
    const bar = document.getElementById("bulk-form");
    if (bar) bar.classList.toggle("has-selection", n > 0);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("#board .card-select")) updateSelection();
  });

  document.addEventListener("click", function (event) {
    const el = event.target;
    if (el.closest("[data-bulk-clear]")) {
      document.querySelectorAll("#board .card-select:checked").forEach(function (box) {
        box.checked = false;
      });
      updateSelection();
    } else if (el.closest("[data-bulk-results-close]")) {
      document.getElementById("bulk-results").replaceChildren();
    } else if (el.closest("[data-panel-close]")) {
      document.getElementById("side-panel").close();
    } else if (el.closest("#panel-body .actions a")) {
      event.preventDefault(); // "Cancel" in the panel closes it instead of leaving the board
      document.getElementById("side-panel").close();
    }
  });

  // --- htmx hooks ------------------------------------------------------------------------
  document.body.addEventListener("htmx:confirm", function (event) {
    const elt = event.detail.elt;
    if (elt.id === "board-poll" && busy()) {
      event.preventDefault(); // the next poll catches up; never disturb a drag
      return;
    }
    const select = elt.matches(".move-form, #bulk-form") && elt.querySelector("select[name=to]");
    const option = select && select.selectedOptions[0];
    if (!option || !option.dataset.confirm) return;
    event.preventDefault();
    let what = "The selected lead clusters";
    if (elt.matches(".move-form")) what = elt.closest(".card").dataset.name;
    ask(option.dataset.confirm, what).then(function (yes) {
      if (yes) event.detail.issueRequest(true);
    });
  });

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    const elt = event.detail.elt;
    if (elt.matches && elt.matches(".move-form")) {
      const card = elt.closest(".card");
      card.classList.add("is-saving");
      card.setAttribute("aria-busy", "true");
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    const elt = event.detail.elt;
    const card = elt.closest && elt.closest(".card");
    if (!card || !document.body.contains(card)) return; // replaced by the server's answer
    card.classList.remove("is-saving");
    card.removeAttribute("aria-busy");
    if (!event.detail.successful) restore(card); // app.js has already said why
  });

  document.body.addEventListener("htmx:configRequest", function (event) {
    const elt = event.detail.elt;
    if (elt.matches && elt.matches(".more")) {
      // Ask for what this column does not show yet: skip as many cards as it holds of those
      // it was sent (a card moved out has left the server's column too). Cards that arrived
      // are not counted: counted, one that belongs further down pushed a card off the page;
      // uncounted, one that belongs higher up is sent again, and dropped as a duplicate.
      const list = elt.closest(".card-list");
      const url = new URL(event.detail.path, window.location.origin);
      const sent = list.querySelectorAll(":scope > .card:not([data-arrived])").length;
      url.searchParams.set("offset", String(sent));
      event.detail.path = url.pathname + url.search;
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    if (target.id === "board-inbox") {
      absorb(event.detail.elt && event.detail.elt.id === "board-poll");
    } else if (target.id === "panel-body") {
      openPanel();
    }
  });

  document.body.addEventListener("htmx:afterSettle", function () {
    // A card loaded by a column's next page may already be on the board (moved in meanwhile).
    const seen = new Set();
    document.querySelectorAll("#board .card-list > .card").forEach(function (card) {
      if (seen.has(card.id)) card.remove();
      else seen.add(card.id);
    });
  });

  // --- The edit panel --------------------------------------------------------------------
  function openPanel() {
    const panel = document.getElementById("side-panel");
    const form = panel.querySelector("#panel-body form.edit-form");
    if (form && !form.hasAttribute("hx-post")) {
      form.setAttribute("hx-post", form.getAttribute("action"));
      form.setAttribute("hx-target", "#panel-body");
      form.setAttribute("hx-swap", "innerHTML");
      form.setAttribute("hx-sync", "this:drop"); // a second Save while one is on its way
      htmx.process(form);
    }
    if (!panel.open) panel.showModal();
    const heading = panel.querySelector("#panel-body h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  document.body.addEventListener("clusterSaved", function () {
    // After htmx has handled the rest of the answer (its message comes from the form in the
    // panel, so the panel must still be there when it is announced).
    setTimeout(function () {
      const panel = document.getElementById("side-panel");
      if (panel.open) panel.close();
      htmx.trigger(document.body, "boardRefresh");
    }, 0);
  });

  document.addEventListener(
    "close",
    function (event) {
      if (event.target.id === "side-panel") {
        document.getElementById("panel-body").replaceChildren();
      }
    },
    true,
  );

  htmx.onLoad(function (root) {
    const lists = root.matches && root.matches(".card-list") ? [root] : [];
    root.querySelectorAll && lists.push(...root.querySelectorAll(".card-list"));
    lists.forEach(initList);
    if (root.id === "board" || (root.querySelector && root.querySelector("#board"))) {
      updateSelection();
    }
  });
})();
