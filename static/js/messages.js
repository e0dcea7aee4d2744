// Translated sentences reach the scripts through the page (a JSON block or data attributes) with
// their placeholders as gettext writes them: %(name)s, and %% for a percent sign. They are filled
// in here, and only here.
import { bdi } from "./bidi.js";

const PLACEHOLDER = /%\((\w+)\)s|%%/g;

/** `template` with each %(name)s replaced by `show(values[name])` (by default the value as text). */
export function fill(template, values = {}, show = (value) => String(value ?? "")) {
  return template.replace(PLACEHOLDER, (match, name) => (name === undefined ? "%" : show(values[name])));
}

/** `template` as DOM nodes, each %(name)s an isolated <bdi> (names keep their own direction). */
export function fillNodes(template, values = {}) {
  return template.split(/(%\(\w+\)s)/).map((part) => {
    const name = /^%\((\w+)\)s$/.exec(part);
    return name ? bdi(values[name[1]]) : document.createTextNode(part.replaceAll("%%", "%"));
  });
}
