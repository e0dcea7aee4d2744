// Keeps a section of a page current: every data-poll-seconds, fetch the page again (same address, the
// signed-in session) and put the new section in place of the old one. Used by the credentials report.
const section = document.querySelector("[data-poll]");
if (section) {
  const seconds = Math.max(5, Number(section.dataset.pollSeconds) || 15);
  const refresh = async () => {
    try {
      const response = await fetch(section.dataset.poll, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById(section.id);
      if (fresh && fresh.innerHTML !== section.innerHTML) section.innerHTML = fresh.innerHTML;
    } catch {
      // offline for a moment: try again at the next tick
    }
  };
  setInterval(refresh, seconds * 1000);
}
