// Tag pages: "tick all" boxes, and a count of the tags ticked in the catalogue.
(function () {
  "use strict";

  function updateSelection() {
    const form = document.getElementById("tag-selection");
    if (!form) return;
    const ticked = form.querySelectorAll('input[name="tag"]:checked').length;
    const label = form.querySelector("[data-selected-count]");
    if (label) {
      label.textContent = ticked
        ? ticked + " tag" + (ticked === 1 ? "" : "s") + " selected"
        : "Tick tags to merge or delete them together.";
    }
    form.querySelectorAll(".toolbar button").forEach(function (button) {
      button.disabled = ticked === 0;
    });
  }

  document.addEventListener("change", function (event) {
    const all = event.target.closest("[data-check-all]");
    if (all) {
      const name = all.getAttribute("data-check-all");
      all.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
        box.checked = all.checked;
      });
    }
    updateSelection();
  });
  document.addEventListener("DOMContentLoaded", updateSelection);
  document.addEventListener("htmx:afterSettle", updateSelection);
})();
