// Translated file pickers: the native input is hidden (but focusable) behind a translated label,
// and the chosen file's name is shown next to it. The "no file" text comes from the page.
for (const input of document.querySelectorAll(".file-picker input[type=file]")) {
  const chosen = document.getElementById(`${input.id}-chosen`);
  if (!chosen) continue;
  const show = () => {
    chosen.textContent = input.files.length
      ? Array.from(input.files, (file) => file.name).join(", ")
      : chosen.dataset.none;
  };
  input.addEventListener("change", show);
  show();
}
