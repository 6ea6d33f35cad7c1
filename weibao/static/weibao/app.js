// Loaded in <head>: the class tells the stylesheet that the phone menu can be opened by its
// button (without JavaScript the menu stays a plain list of links).
document.documentElement.classList.add("js");

document.addEventListener("click", (event) => {
  const button = event.target.closest(".menu-toggle");
  if (!button) return;
  const menu = document.getElementById(button.getAttribute("aria-controls"));
  const open = menu.classList.toggle("open");
  button.setAttribute("aria-expanded", String(open));
  // On a phone, the group holding the page you are on opens with the menu.
  const current = menu.querySelector(".navgroup.has-current");
  if (open && current) current.open = true;
});

// A group of the main menu closes as a menu does (it is a <details>: without this it stays
// open until its name is clicked again): on a click outside it, when the keyboard's focus
// leaves it, and on Escape, which takes the focus back to the group's name.
function closeMenuGroups(except) {
  for (const group of document.querySelectorAll(".navgroup[open]")) {
    if (group !== except) group.open = false;
  }
}
document.addEventListener("click", (event) => {
  if (event.target.closest(".menu-toggle")) return; // it opens the current page's group
  closeMenuGroups(event.target.closest(".navgroup"));
});
document.addEventListener("focusout", (event) => {
  const group = event.target.closest(".navgroup[open]");
  if (!group || !event.relatedTarget || group.contains(event.relatedTarget)) return;
  // Only where its panel drops over the page: in the phone's menu the groups are rows, and
  // closing one as the focus moves (on the press of a tap) would move the row being tapped.
  const panel = group.querySelector(".navpanel");
  if (getComputedStyle(panel).position === "absolute") group.open = false;
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const group = document.activeElement && document.activeElement.closest(".navgroup[open]");
  closeMenuGroups(null);
  if (group) group.querySelector("summary").focus();
});

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

// Typing a full ID number fills in birth date and sex when they are still empty; the server
// checks all three agree either way.
document.addEventListener("input", (event) => {
  if (event.target.id !== "id_id_number") return;
  const value = event.target.value.trim().toUpperCase();
  if (!/^[0-9]{17}[0-9X]$/.test(value)) return;
  const birth = document.getElementById("id_birth_date");
  const sex = document.getElementById("id_sex");
  if (birth && !birth.value) {
    birth.value = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  }
  if (sex && !sex.value) sex.value = Number(value[16]) % 2 === 1 ? "M" : "F";
});

// A page meant to be printed (the recovery codes) offers a Print button.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print-page]")) window.print();
});
