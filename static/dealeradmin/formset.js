// "Add a car" on the edit page: a new formset row from the empty-form template.
(function () {
  "use strict";
  function addRow(button) {
    const form = button.closest("form");
    const total = form.querySelector('input[name$="-TOTAL_FORMS"]');
    const template = form.querySelector("#car-row-template");
    const body = form.querySelector("#car-rows tbody");
    const index = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const first = body.lastElementChild.querySelector("input:not([type=hidden])");
    if (first) first.focus();
  }
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-formset-add]");
    if (button) {
      event.preventDefault();
      addRow(button);
    }
  });
})();

// Leaving the edit page with unsaved changes asks first; saving or cancelling does not.
(function () {
  "use strict";
  const form = document.getElementById("cluster-edit-form");
  if (!form) return;
  let dirty = form.dataset.dirty === "true";
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function (event) {
    dirty = false;
    // One save at a time: a second click while the first is on its way would be refused as
    // "being saved", or send an added car twice. (In the board's panel htmx drops it.)
    if (form.hasAttribute("hx-post")) return;
    if (form.dataset.saving) {
      event.preventDefault();
      return;
    }
    form.dataset.saving = "true";
    form.setAttribute("aria-busy", "true");
  });
  // Back on this page from the browser's cache: the form can be sent again.
  window.addEventListener("pageshow", function () {
    delete form.dataset.saving;
    form.removeAttribute("aria-busy");
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
