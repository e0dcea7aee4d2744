// The "Other function" field of participant forms: shown only while "Other" is chosen in the list.
// Without JavaScript it is always shown (and the server decides, as it always does).

for (const box of document.querySelectorAll("[data-other-of]")) {
  const select = document.getElementById(box.dataset.otherOf);
  const input = box.querySelector("input");
  if (!select || !input) continue;
  const show = () => {
    const other = select.value === "other";
    box.hidden = !other;
    input.disabled = !other; // a hidden, stale text is not sent
    return other;
  };
  select.addEventListener("change", () => {
    if (show()) input.focus();
  });
  show();
}
