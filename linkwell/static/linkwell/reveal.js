// Radios that reveal a follow-up question when chosen (the NHS.UK "conditional reveal").
//
// nhsuk-frontend's radios script sets aria-expanded on each radio, which ARIA does not allow on a
// radio (screen readers may announce it wrongly or not at all; automated WCAG checks fail it). So
// radio groups marked data-linkwell-reveal are shown and hidden here instead: each radio names
// what it reveals with aria-controls (allowed on any element), and choosing any radio of the
// group hides what the others reveal. Checkboxes keep nhsuk-frontend's script: aria-expanded is
// allowed on a checkbox. Without JavaScript every follow-up question shows.
const HIDDEN = "nhsuk-radios__conditional--hidden";

function sync(group) {
  for (const input of group.querySelectorAll('input[type="radio"][aria-controls]')) {
    const target = document.getElementById(input.getAttribute("aria-controls"));
    if (target) target.classList.toggle(HIDDEN, !input.checked);
  }
}

for (const group of document.querySelectorAll("[data-linkwell-reveal]")) {
  group.addEventListener("change", () => sync(group));
  // A page shown again from the back/forward cache keeps what was chosen.
  window.addEventListener("pageshow", () => sync(group));
  sync(group);
}
