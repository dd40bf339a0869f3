/* The pages' few behaviours, bound here rather than in inline handlers, which the
   Content-Security-Policy forbids: submit a form when its select changes (data-autosubmit),
   print (data-print), ask before a submit (data-confirm="question"), and the "select all"
   box of the admin's export page (django-import-export's onSelectToggleChange). */
"use strict";

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches("select[data-autosubmit]") && target.form) {
    target.form.submit();
  } else if (target.matches("input.select-toggle") && typeof window.onSelectToggleChange === "function") {
    window.onSelectToggleChange(event);
  }
});

document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-print], [data-confirm]");
  if (!target) {
    return;
  }
  if (target.hasAttribute("data-print")) {
    window.print();
  } else if (!window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
