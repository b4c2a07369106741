// Data entry. Grid: Enter moves to the next field like Tab; a row is saved (htmx) when the
// focus leaves it after a change. Entry form: the list of indicators still empty follows what
// is typed. Both: a typed value is never lost without a word. A row typed into and not saved
// yet, being saved, or refused says "Chưa lưu" and keeps its values; leaving the page with
// one asks first (beforeunload). Without this file the grid is one ordinary form.
(function () {
  "use strict";
  var ROW = "tr[data-grid-row]";
  var SHEET = "form[data-entry-sheet]";
  var TYPED = "input[type=text], textarea";
  var leavingByForm = false; // the grid or the sheet is being posted: no question then

  function fields() {
    return Array.prototype.slice.call(
      document.querySelectorAll("[data-grid] input:not([type=hidden]):not([disabled])")
    );
  }

  // Mark a row as not saved: it says "Chưa lưu" and is saved again when it is left.
  function markUnsaved(row) {
    var grid = document.querySelector("[data-grid]");
    row.setAttribute("data-dirty", "1");
    row.classList.remove("row-saved");
    if (!row.classList.contains("row-invalid")) row.classList.add("row-unsaved");
    var saved = row.querySelector(".saved-mark");
    if (saved) saved.remove();
    var cell = row.querySelector("[data-row-state]");
    if (cell && grid && !cell.querySelector(".unsaved-mark")) {
      var mark = document.createElement("span");
      mark.className = "unsaved-mark";
      mark.textContent = grid.dataset.unsavedText;
      cell.insertBefore(mark, cell.querySelector(".resend-note"));
    }
  }

  function leave(row) {
    if (row && row.dataset.dirty === "1" && window.htmx) {
      row.dataset.dirty = "0"; // typing again while it is saved sets it back
      row.dataset.pending = "1";
      window.htmx.trigger(row, "row-left");
    }
  }

  document.addEventListener("input", function (event) {
    var row = event.target.closest(ROW);
    if (row) markUnsaved(row);
    var sheet = event.target.closest(SHEET);
    if (sheet) {
      sheet.dataset.dirty = "1";
      updateMissing(event.target.closest("fieldset"));
    }
  });

  document.addEventListener("focusout", function (event) {
    var row = event.target.closest(ROW);
    var next = event.relatedTarget;
    if (!row || (next && row.contains(next))) return;
    // Also towards the grid's own buttons: if the whole table is then posted with this row,
    // the server sees the same values twice and writes them once (whichever comes first).
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

  // A row or sheet typed into while it was being saved: the answer must not wipe what was
  // typed meanwhile. Keep the typed values in the new markup, which stays unsaved, so that it
  // is saved again (with the new version) when it is left.
  function keepTyped(old, html) {
    var box = document.createElement("template");
    box.innerHTML = html;
    var fresh = box.content.firstElementChild;
    if (!fresh) return html;
    old.querySelectorAll(TYPED).forEach(function (field) {
      if (!field.name) return;
      var match = fresh.querySelector("[name='" + CSS.escape(field.name) + "']");
      if (!match) return;
      if (match.tagName === "TEXTAREA") match.textContent = field.value;
      else match.setAttribute("value", field.value);
    });
    // in the markup itself: htmx puts the server's classes back after the swap
    if (fresh.matches(ROW)) markUnsaved(fresh);
    var sheet = fresh.querySelector(SHEET);
    if (sheet) sheet.setAttribute("data-dirty", "1");
    return box.innerHTML;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var sheet = event.detail.elt;
    if (sheet.matches && sheet.matches(SHEET)) sheet.dataset.dirty = "0";
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var old = target.matches(ROW) ? target : target.querySelector(SHEET);
    if (old && old.dataset.dirty === "1" && event.detail.shouldSwap) {
      event.detail.serverResponse = keepTyped(old, event.detail.serverResponse);
    }
  });

  // Refused by the server (4xx, 5xx) or not sent (offline): nothing is swapped; the row keeps
  // its values and says it is not saved (app.js says why).
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt.matches) return;
    if (elt.matches(ROW)) {
      elt.dataset.pending = "0";
      if (!event.detail.successful) markUnsaved(elt);
    } else if (elt.matches(SHEET) && !event.detail.successful) {
      elt.dataset.dirty = "1";
    }
  });

  // Posting the grid or the sheet itself (not through htmx, which prevents the default) takes
  // the typed values along; any other form (the grid's filters, logout) leaves them behind.
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented && event.target.matches("[data-grid], " + SHEET)) {
      leavingByForm = true;
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (leavingByForm) return;
    var selector = [
      ROW + "[data-dirty='1']",
      ROW + "[data-pending='1']",
      SHEET + "[data-dirty='1']",
    ].join(", ");
    if (document.querySelector(selector)) {
      event.preventDefault();
      event.returnValue = ""; // older browsers ask only when a value is set
    }
  });

  // Entry form: the indicators still empty, as typed.
  function updateMissing(fieldset) {
    var note = document.getElementById("missing-note");
    if (!note || !fieldset || !fieldset.id) return;
    var item = note.querySelector("[data-missing='" + CSS.escape(fieldset.id.slice(4)) + "']");
    if (!item) return;
    var typed = Array.prototype.some.call(
      fieldset.querySelectorAll(".entry-fields input[type=text]"),
      function (field) {
        return field.value.trim() !== "";
      }
    );
    item.hidden = typed;
    var left = note.querySelectorAll("[data-missing]:not([hidden])").length;
    document.querySelectorAll("[data-missing-count]").forEach(function (count) {
      count.textContent = left;
    });
    var summary = document.querySelector("[data-missing-summary]");
    if (summary) summary.hidden = left === 0;
    note.hidden = left === 0;
  }

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
