// Times of day as people at the event read them: in the event's time zone (not the device's), on
// the 24-hour clock, in the page's language. English is the UN's British English, as on the server
// (kiosk/services/dates.py), so every time on a page reads the same way, e.g. "22:03" or "Tue 22:03".

const LOCALES = { en: "en-GB" };

/** An Intl.DateTimeFormat for `timeZone` (an IANA name such as "Europe/Zurich"); `options` add fields. */
export function clockFormat(timeZone, options = {}) {
  const language = document.documentElement.lang || "en";
  return new Intl.DateTimeFormat(LOCALES[language] || language, {
    timeZone: timeZone || undefined,
    hourCycle: "h23",
    hour: "2-digit",
    minute: "2-digit",
    ...options,
  });
}
