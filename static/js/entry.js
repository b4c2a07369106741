// Grid entry (issue #4): Enter moves to the next field like Tab; a row is saved (htmx) when
// the focus leaves it after a change. Without this file the grid is one ordinary form.
(function () {
  "use strict";
  var ROW = "tr[data-grid-row]";
  function fields() {
    return Array.prototype.slice.call(
      document.querySelectorAll("[data-grid] input:not([type=hidden]):not([disabled])")
    );
  }
  function leave(row) {
    if (row && row.dataset.dirty === "1" && window.htmx) {
      row.dataset.dirty = "0";
      window.htmx.trigger(row, "row-left");
    }
  }
  document.addEventListener("input", function (event) {
    var row = event.target.closest(ROW);
    if (row) row.dataset.dirty = "1";
  });
  document.addEventListener("focusout", function (event) {
    var row = event.target.closest(ROW);
    if (!row || (event.relatedTarget && row.contains(event.relatedTarget))) return;
    leave(row);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey) return;
    var input = event.target.closest("[data-grid] input");
    if (!input) return;
    event.preventDefault();
    var all = fields();
    var next = all[all.indexOf(input) + 1];
    if (next) {
      next.focus();
      next.select();
    } else {
      leave(input.closest(ROW));
    }
  });
  // Entry form: after a live check, mark each field whose error slot has a message.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll(".entry-row [aria-describedby^='err-']").forEach(function (field) {
      var slot = document.getElementById(field.getAttribute("aria-describedby"));
      var invalid = slot && slot.textContent.trim() !== "";
      if (invalid) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
    });
  });
})();
