// Every page: when an htmx request is refused (403, 404, 409, 500 …) htmx swaps nothing, so say
// so in the page's live region instead of leaving the user with no answer.
document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("request-error");
  if (!box) return;
  var status = event.detail.xhr.status;
  box.textContent = status === 403 || status === 404
    ? box.dataset.forbidden
    : box.dataset.failed + " (" + status + ")";
  box.hidden = false;
});
document.addEventListener("htmx:sendError", function () {
  var box = document.getElementById("request-error");
  if (!box) return;
  box.textContent = box.dataset.offline;
  box.hidden = false;
});
document.addEventListener("htmx:beforeRequest", function () {
  var box = document.getElementById("request-error");
  if (box) box.hidden = true;
});
// Buttons marked data-print open the browser's print dialog (no inline onclick: the CSP forbids it).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
