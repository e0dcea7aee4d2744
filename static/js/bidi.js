// Text typed by people (names, delegations, checkpoints, venues) keeps its own direction inside a
// sentence or a page of the other one: "H.E. Mr. أحمد" keeps its full stop after "Mr" on an Arabic
// page, and "WMO building" its place in an Arabic sentence.

/** `text` isolated inside a string (FSI … PDI), for text set with textContent. */
export const isolate = (text) => `\u2068${text ?? ""}\u2069`;

/** `text` in a <bdi> element. */
export function bdi(text) {
  const element = document.createElement("bdi");
  element.textContent = text ?? "";
  return element;
}

/** Put `text` into `element` as its only, isolated, content (nothing when there is no text). */
export function isolated(element, text) {
  if (text) element.replaceChildren(bdi(text));
  else element.replaceChildren();
}
