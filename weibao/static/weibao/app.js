// Adds guardian rows to the child form without a page reload (Django formset convention).
document.addEventListener("click", (event) => {
  const button = event.target.closest(".add-guardian");
  if (!button) return;
  const prefix = button.dataset.prefix;
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  const template = document.getElementById("guardian-template");
  const index = Number(total.value);
  const html = template.innerHTML.replaceAll("__prefix__", String(index));
  button.insertAdjacentHTML("beforebegin", html);
  total.value = String(index + 1);
});
