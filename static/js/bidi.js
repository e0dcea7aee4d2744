// Text typed by people (names, delegations, checkpoints, venues) keeps its own direction inside a
// sentence or a page of the other one: "WMO building" keeps its place in an Arabic sentence. Its
// direction is the one most of its letters have, as the badge decides it (badges/text.py is_rtl,
// and the pages' `isolated` filter in kiosk/views/__init__.py): "H.E. Mr. أحمد الحداد" reads right
// to left, with its title on the right, everywhere; and inside it the group of left-to-right words
// is isolated too, as on the badge, so "H.E. Mr." keeps its full stop after "Mr".

const RIGHT_TO_LEFT = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF\u{10800}-\u{10FFF}\u{1E800}-\u{1EFFF}]/u;
const LETTER = /\p{L}/u;

/** "rtl" when most letters of `text` are written right to left, else "ltr". */
export function directionOf(text) {
  let rtl = 0;
  let ltr = 0;
  for (const char of text ?? "") {
    if (!LETTER.test(char)) continue;
    if (RIGHT_TO_LEFT.test(char)) rtl += 1;
    else ltr += 1;
  }
  return rtl > ltr ? "rtl" : "ltr";
}

/** The direction of a word's first letter, or null for a word without letters. */
function wordDirection(word) {
  for (const char of word) {
    if (LETTER.test(char)) return RIGHT_TO_LEFT.test(char) ? "rtl" : "ltr";
  }
  return null;
}

/** `text` isolated inside a string (FSI … PDI), for text set with textContent. */
export const isolate = (text) => `\u2068${text ?? ""}\u2069`;

/** `text` in a <bdi> element, in the direction most of its letters have. */
export function bdi(text) {
  const element = document.createElement("bdi");
  element.dir = directionOf(text);
  if (element.dir === "ltr") {
    element.textContent = text ?? "";
    return element;
  }
  let group = null; // the <bdi dir="ltr"> gathering the left-to-right words
  let spaces = "";
  let before = null;
  for (const token of (text ?? "").match(/\S+|\s+/gu) || []) {
    if (/^\s+$/u.test(token)) {
      spaces += token;
      continue;
    }
    const direction = wordDirection(token) || before; // a word without letters joins the one before
    if (direction === "ltr") {
      if (group) group.append(spaces);
      else {
        group = document.createElement("bdi");
        group.dir = "ltr";
        element.append(spaces, group);
      }
      group.append(token);
    } else {
      group = null;
      element.append(spaces, token);
    }
    spaces = "";
    before = direction;
  }
  element.append(spaces);
  element.normalize(); // one text node per piece, none empty
  return element;
}

/** Put `text` into `element` as its only, isolated, content (nothing when there is no text). */
export function isolated(element, text) {
  if (text) element.replaceChildren(bdi(text));
  else element.replaceChildren();
}
