// An import's page while its run goes on: reload it every few seconds (data-refresh), so the
// progress bar moves without any inline script (the Content-Security-Policy forbids one).
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-refresh]");
  if (!box) return;
  var seconds = parseInt(box.getAttribute("data-refresh"), 10) || 3;
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
});
