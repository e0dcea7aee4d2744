// The organizers' live dashboard: figures pushed by the event stream (server-sent events).
// EventSource reconnects by itself and sends Last-Event-ID, so the server resumes where we were
// (and when it gives up, `listen` starts again).
import uPlot from "../vendor/uplot-1.6.32/uPlot.esm.js";
import { isolate } from "./bidi.js";
import { clockFormat } from "./clock.js";
import { fill } from "./messages.js";

const config = JSON.parse(document.getElementById("dashboard-config").textContent);
const texts = config.texts;
// Delegations in the page's language (States by their UN name), in its alphabetical order.
const delegationName = (d) => config.delegation_names?.[d.id] || d.name;
const collator = new Intl.Collator(document.documentElement.lang || "en");
const byName = (list) => list
  .map((d) => ({ ...d, name: delegationName(d) }))
  .sort((a, b) => collator.compare(a.name, b.name));
const GENDERS = ["female", "male", "other", "undisclosed"];
const QUARTER = 15 * 60;

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
  return td;
}

function headerCell(row, text) {
  const th = document.createElement("th");
  th.scope = "row";
  th.textContent = text;
  row.append(th);
}

function replaceRows(tbodyId, items, build, emptyColumns) {
  const tbody = document.getElementById(tbodyId);
  const rows = items.map((item) => {
    const tr = document.createElement("tr");
    build(tr, item);
    return tr;
  });
  if (!rows.length && emptyColumns) {
    const tr = document.createElement("tr");
    const td = cell(tr, texts.nobody, "muted");
    td.colSpan = emptyColumns;
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);
}

function inOrder(byCategory) {
  // Categories in the protocol's order (States parties first), whatever the JSON's key order.
  const order = texts.category_order;
  return Object.entries(byCategory).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
}

function womenShare(counts) {
  const total = GENDERS.reduce((sum, g) => sum + (counts[g] || 0), 0);
  return total ? `${Math.round((100 * (counts.female || 0)) / total)} %` : "–";
}

function genderRow(tr, label, counts) {
  headerCell(tr, label);
  for (const g of GENDERS) cell(tr, counts[g] || 0, "num");
  cell(tr, womenShare(counts), "num");
}

const formatTime = clockFormat(config.timezone, { weekday: "short" });

// The chart's hours in the page's language and the event's time zone (uPlot alone writes "9:00am").
const formatTick = clockFormat(config.timezone);

let chart = null;

function arrivalsSeries(arrivals) {
  if (!arrivals.length) return [[], []];
  const byTime = new Map(arrivals.map((a) => [Date.parse(a.at) / 1000, a.count]));
  const times = [...byTime.keys()].sort((a, b) => a - b);
  const xs = [];
  const ys = [];
  for (let t = times[0]; t <= times[times.length - 1]; t += QUARTER) {
    xs.push(t);
    ys.push(byTime.get(t) || 0);
  }
  return [xs, ys];
}

function drawArrivals(arrivals) {
  const box = document.getElementById("arrivals-chart");
  const data = arrivalsSeries(arrivals);
  document.getElementById("arrivals-empty").hidden = data[0].length > 0;
  replaceRows("arrivals-table", arrivals, (tr, a) => {
    headerCell(tr, formatTime.format(new Date(a.at)));
    cell(tr, a.count, "num");
  });
  if (!data[0].length) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  // At least two hours across, half a quarter of margin on each side of the bars.
  const xs = data[0];
  const window = { min: Math.min(xs[0], xs[xs.length - 1] - 8 * QUARTER) - QUARTER / 2, max: xs[xs.length - 1] + QUARTER / 2 };
  if (chart) {
    chart.setData(data, false);
    chart.setScale("x", window);
    return;
  }
  chart = new uPlot(
    {
      width: Math.max(280, box.clientWidth || 560),
      height: 220,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), config.timezone),
      legend: { show: false },
      cursor: { show: true, points: { show: false } },
      scales: {
        x: { time: true, auto: false },
        y: { range: (u, min, max) => [0, Math.max(5, max)] } },
      series: [
        {},
        {
          label: texts.arrivals,
          stroke: "#005a8c",
          fill: "rgba(0, 158, 219, 0.55)",
          paths: uPlot.paths.bars({ size: [0.8, 40] }),
          points: { show: false },
        },
      ],
      axes: [
        { values: (u, ticks) => ticks.map((t) => formatTick.format(new Date(t * 1000))) },
        { values: (u, ticks) => ticks.map((v) => (Number.isInteger(v) ? v : "")) },
      ],
    },
    data,
    box,
  );
  chart.setScale("x", window);
  new ResizeObserver(() => chart.setSize({ width: Math.max(280, box.clientWidth), height: 220 })).observe(box);
}

function render(figures) {
  for (const element of document.querySelectorAll("[data-figure]")) {
    element.textContent = figures[element.dataset.figure] ?? 0;
  }
  const warnings = [];
  const venues = document.getElementById("venues");
  venues.replaceChildren(
    ...figures.venues.map((venue) => {
      const li = document.createElement("li");
      li.className = venue.warning ? "venue venue-warning" : "venue";
      const name = document.createElement("strong");
      name.textContent = venue.name;
      const text = document.createElement("span");
      text.textContent = venue.capacity
        ? fill(texts.of_capacity, { inside: venue.inside, capacity: venue.capacity, share: venue.share })
        : `${venue.inside} · ${texts.no_capacity}`;
      const meter = document.createElement("meter");
      meter.min = 0;
      meter.max = venue.capacity || Math.max(1, venue.inside);
      meter.low = 0.75 * meter.max;
      meter.high = 0.9 * meter.max;
      meter.optimum = 0;
      meter.value = venue.inside;
      meter.setAttribute("aria-label", venue.name);
      li.append(name, " ", text, meter);
      if (venue.warning) warnings.push(fill(texts.warning, { venue: isolate(venue.name), share: venue.share }));
      return li;
    }),
  );
  const warningBox = document.getElementById("warnings");
  const notices = warnings.map((w) => {
    const p = document.createElement("p");
    p.className = "notice notice-warning capacity-warning";
    p.textContent = w;
    return p;
  });
  if (figures.printing.worker_stopped) {
    const p = document.createElement("p");
    p.className = "notice notice-warning worker-warning";
    p.id = "worker-stopped";
    p.textContent = texts.worker_stopped;
    notices.unshift(p);
  }
  warningBox.replaceChildren(...notices);
  replaceRows(
    "checkpoints",
    figures.by_checkpoint,
    (tr, c) => {
      headerCell(tr, c.name);
      for (const key of ["inside", "in", "out", "refused"]) cell(tr, c[key], "num");
    },
    5,
  );
  replaceRows(
    "categories",
    inOrder(figures.by_category).filter(([, f]) => f.registered || f.checked_in),
    (tr, [category, f]) => {
      headerCell(tr, texts.categories[category] || category);
      for (const key of ["registered", "accredited", "in_person", "checked_in"]) cell(tr, f[key], "num");
    },
    5,
  );
  const atCap = document.getElementById("at-cap");
  const capItems = byName(figures.delegations_at_cap).map((d) => {
    const li = document.createElement("li");
    li.textContent = `${d.name} — ${d.used} / ${d.cap}`;
    return li;
  });
  if (!capItems.length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = texts.nobody;
    capItems.push(li);
  }
  atCap.replaceChildren(...capItems);
  replaceRows("gender-overall", [figures.gender.overall], (tr, counts) => genderRow(tr, texts.all, counts));
  replaceRows(
    "gender-categories",
    inOrder(figures.gender.by_category).filter(([, c]) => GENDERS.some((g) => c[g])),
    (tr, [category, counts]) => genderRow(tr, texts.categories[category] || category, counts),
  );
  replaceRows("gender-delegations", byName(figures.gender.by_delegation), (tr, d) => genderRow(tr, d.name, d), 6);
  replaceRows(
    "printers",
    figures.printing.printers,
    (tr, p) => {
      headerCell(tr, p.name);
      let state = p.reachable === false ? texts.unreachable : p.reachable ? texts.reachable : texts.unchecked;
      if (!p.enabled) state = texts.disabled;
      const td = cell(tr, state, p.enabled && p.reachable === false ? "printer-down" : "");
      if (p.error) td.title = p.error;
      cell(tr, p.queued + p.printing, "num");
      const problems = p.failed + (p.uncertain || 0);
      cell(tr, problems, problems ? "num printer-down" : "num");
    },
    4,
  );
  replaceRows(
    "kiosks",
    figures.kiosks || [],
    (tr, k) => {
      headerCell(tr, k.name);
      cell(tr, texts.kiosk_states[k.state] || k.state, k.state === "offline" ? "printer-down" : "");
      cell(tr, k.last_seen_at ? formatTime.format(new Date(k.last_seen_at)) : "–");
    },
    3,
  );
  drawArrivals(figures.arrivals);
}

function showState(state) {
  const element = document.getElementById("live-state");
  element.dataset.state = state;
  if (state !== "signed_out") {
    element.textContent = state === "live" ? texts.live : texts.reconnecting;
    return;
  }
  const link = document.createElement("a");
  link.href = config.sign_in;
  link.textContent = texts.sign_in_again;
  element.replaceChildren(texts.signed_out + " ", link);
}

// EventSource gives up for good when the server answers with something else than a stream: a
// sign-in that has ended (401), or a proxy's error page while the server restarts. Then ask the
// figures why: signed out is said with a link, anything else is tried again, more slowly each time.
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
let retries = 0;

async function whyClosed() {
  try {
    const response = await fetch(config.headcount, { headers: { Accept: "application/json" } });
    if (response.status === 401) return "signed_out";
  } catch {
    // the network: try again
  }
  return "retry";
}

function listen() {
  const source = new EventSource(config.stream);
  source.addEventListener("open", () => {
    retries = 0;
    showState("live");
  });
  source.addEventListener("error", async () => {
    if (source.readyState !== EventSource.CLOSED) {
      showState("reconnecting");
      return;
    }
    if ((await whyClosed()) === "signed_out") {
      showState("signed_out");
      return;
    }
    showState("reconnecting");
    setTimeout(listen, RETRY_MS[Math.min(retries++, RETRY_MS.length - 1)]);
  });
  source.addEventListener("headcount", (event) => {
    showState("live");
    const figures = JSON.parse(event.data);
    render(figures);
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  });
}

render(config.figures);
listen();
