/* Result views of the kzct query page: a sortable table, the affiliation-chain graph and the
 * timeline of bans and events. Plain DOM and SVG, no libraries; nothing here sets inline styles,
 * so the page runs under a Content-Security-Policy without 'unsafe-inline'. */
(function () {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  // How each tie status is drawn: asserted solid, claimed dashed, alleged dotted.
  const DASHES = { asserted: "none", claimed: "9 6", alleged: "2 5", disputed: "12 4 2 4", denied: "1 9", negated: "1 9" };

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* IRIs: shortened with the page's prefixes; ours link to this server's /id/ pages. */
  function makeTerms(settings) {
    const prefixes = Object.entries(settings.prefixes).sort((a, b) => b[1].length - a[1].length);
    return {
      short(iri) {
        for (const [p, ns] of prefixes) {
          if (iri.startsWith(ns) && /^[\w.-]*$/.test(iri.slice(ns.length))) return p + ":" + iri.slice(ns.length);
        }
        return "<" + iri + ">";
      },
      href(iri) {
        for (const [ns, local] of Object.entries(settings.localIds)) {
          if (iri.startsWith(ns)) return local + iri.slice(ns.length);
        }
        return iri;
      },
    };
  }

  function cellText(term) {
    if (!term) return "";
    return term.type === "bnode" ? "_:" + term.value : term.value;
  }

  function cellNode(term, terms) {
    if (!term) return document.createTextNode("");
    if (term.type === "uri") {
      const a = el("a", { href: terms.href(term.value), title: term.value }, terms.short(term.value));
      a.className = "iri";
      return a;
    }
    if (term.type === "bnode") return el("span", { class: "bnode" }, "_:" + term.value);
    const span = el("span", { class: "literal" }, term.value);
    if (term["xml:lang"]) span.title = "@" + term["xml:lang"];
    else if (term.datatype) span.title = terms.short(term.datatype);
    return span;
  }

  function compare(a, b) {
    if (a === b) return 0;
    if (a === "") return 1;
    if (b === "") return -1;
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  /* A SPARQL JSON results document as a table; clicking a column header sorts by it. */
  function renderTable(container, results, terms) {
    container.replaceChildren();
    if (results.boolean !== undefined) {
      container.append(el("p", { class: "boolean" }, "ASK: " + results.boolean));
      return;
    }
    const vars = results.head.vars;
    const rows = results.results.bindings;
    const table = el("table", { class: "results" });
    const head = el("tr");
    const body = el("tbody");
    let sortVar = null;
    let direction = 1;

    function fill() {
      const ordered = rows.slice();
      if (sortVar) ordered.sort((x, y) => direction * compare(cellText(x[sortVar]), cellText(y[sortVar])));
      body.replaceChildren(...ordered.map((row) => {
        const tr = el("tr");
        for (const v of vars) {
          const td = el("td");
          td.append(cellNode(row[v], terms));
          tr.append(td);
        }
        return tr;
      }));
    }

    for (const v of vars) {
      const th = el("th", { scope: "col", "aria-sort": "none" });
      const button = el("button", { type: "button", title: "Sort by " + v }, v);
      button.addEventListener("click", () => {
        direction = sortVar === v ? -direction : 1;
        sortVar = v;
        for (const other of head.children) other.setAttribute("aria-sort", "none");
        th.setAttribute("aria-sort", direction > 0 ? "ascending" : "descending");
        fill();
      });
      th.append(button);
      head.append(th);
    }
    table.append(el("thead"), body);
    table.firstChild.append(head);
    fill();
    container.append(el("p", { class: "count" }, rows.length + (rows.length === 1 ? " row" : " rows")), table);
  }

  /* The affiliation-chains document: organizations as nodes, in columns by their distance from
   * the start; each tie once, drawn by its status. */
  function renderChains(container, doc, terms) {
    container.replaceChildren();
    if (!doc.paths.length) {
      container.append(el("p", { class: "empty" }, "No chain of at most " + doc.maxHops + " ties joins these organizations."));
      return;
    }
    const column = new Map();
    const labels = new Map();
    const ties = new Map();
    for (const path of doc.paths) {
      path.hops.forEach((hop, i) => {
        labels.set(hop.from.iri, hop.from.label);
        labels.set(hop.to.iri, hop.to.label);
        if (!column.has(hop.from.iri) || column.get(hop.from.iri) > i) column.set(hop.from.iri, i);
        if (!column.has(hop.to.iri) || column.get(hop.to.iri) > i + 1) column.set(hop.to.iri, i + 1);
        if (!ties.has(hop.tie)) ties.set(hop.tie, hop);
      });
    }
    // The goal gets the last column of its own, so every chain reads left to right.
    column.delete(doc.to);
    column.set(doc.to, Math.max(...column.values()) + 1);
    const columns = [];
    for (const [iri, c] of column) (columns[c] = columns[c] || []).push(iri);
    const width = 260 * (columns.length - 1) + 240;
    const tallest = Math.max(...columns.filter(Boolean).map((c) => c.length));
    const height = Math.max(160, 110 * tallest + 60);
    const position = new Map();
    columns.forEach((iris, c) => {
      if (!iris) return;
      iris.sort((a, b) => labels.get(a).localeCompare(labels.get(b)));
      iris.forEach((iri, r) => position.set(iri, { x: 120 + c * 260, y: height / 2 + (r - (iris.length - 1) / 2) * 110 }));
    });

    const figure = svg("svg", { class: "chain-graph", viewBox: `0 0 ${width} ${height}`, width, height,
      role: "img", "aria-label": `Affiliation chains from ${labels.get(doc.from)} to ${labels.get(doc.to)}` });
    const edges = svg("g", { class: "edges" });
    for (const hop of ties.values()) {
      const a = position.get(hop.statedAs.subject.iri) || position.get(hop.from.iri);
      const b = position.get(hop.statedAs.object.iri) || position.get(hop.to.iri);
      const group = svg("g", { class: "edge " + hop.status, "data-tie": hop.tie, "data-status": hop.status });
      group.append(svg("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, "stroke-dasharray": DASHES[hop.status] || "none" }));
      group.append(svg("text", { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 6, "text-anchor": "middle", class: "edge-label" },
        hop.kind + " (" + hop.status + ")"));
      const claimants = hop.claimants.map((c) => c.label).join(", ");
      group.append(svg("title", {}, `${hop.statedAs.subject.label} – ${hop.statedAs.object.label}: ${hop.kind}, ${hop.status}` +
        (claimants ? ", claimed by " + claimants : "") + (hop.quotes.length ? "\n“" + hop.quotes.join("”\n“") + "”" : "")));
      edges.append(group);
    }
    const nodes = svg("g", { class: "nodes" });
    for (const [iri, p] of position) {
      const link = svg("a", { href: terms.href(iri), class: "node" + (iri === doc.from || iri === doc.to ? " end" : ""), "data-iri": iri });
      link.append(svg("title", {}, iri));
      link.append(svg("rect", { x: p.x - 95, y: p.y - 17, width: 190, height: 34, rx: 6 }));
      link.append(svg("text", { x: p.x, y: p.y + 5, "text-anchor": "middle" }, labels.get(iri)));
      nodes.append(link);
    }
    figure.append(edges, nodes);
    const legend = el("p", { class: "legend" });
    for (const status of ["asserted", "claimed", "alleged"]) {
      const key = svg("svg", { width: 44, height: 10, "aria-hidden": "true" });
      key.append(svg("line", { x1: 2, y1: 5, x2: 42, y2: 5, "stroke-dasharray": DASHES[status], class: "edge " + status }));
      legend.append(key, " " + status + " ");
    }
    container.append(el("p", { class: "count" },
      `${doc.paths.length} chain${doc.paths.length === 1 ? "" : "s"} of at most ${doc.maxHops} ties, ${position.size} organizations`),
      figure, legend);
  }

  /* "2006", "2006-03" or "2006-11-17" (as the article gives it) as a fractional year. */
  function when(text) {
    const m = /^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(text || "");
    if (!m) return null;
    return Number(m[1]) + (m[2] ? (Number(m[2]) - 1) / 12 : 0.5) + (m[3] ? (Number(m[3]) - 1) / 365 : m[2] ? 1 / 24 : 0);
  }

  /* Bans and events on one time axis, a lane each. ``lanes``: [{name, items: [{iri, label, date}]}]. */
  function renderTimeline(container, lanes, terms) {
    container.replaceChildren();
    const dated = lanes.flatMap((lane) => lane.items.filter((i) => when(i.date) !== null));
    if (!dated.length) {
      container.append(el("p", { class: "empty" }, "No dated bans or events."));
      return;
    }
    const first = Math.floor(Math.min(...dated.map((i) => when(i.date))));
    const lastYear = Math.ceil(Math.max(...dated.map((i) => when(i.date))) + 0.01);
    const span = Math.max(1, lastYear - first);
    const left = 110;
    const width = Math.max(900, span * 60) + left + 40;
    const x = (t) => left + (t - first) / span * (width - left - 40);
    const laneHeight = 150;
    const height = lanes.length * laneHeight + 50;
    const figure = svg("svg", { class: "timeline", viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
      "aria-label": "Timeline of " + lanes.map((l) => l.name.toLowerCase()).join(" and ") });
    const axisY = height - 30;
    figure.append(svg("line", { x1: left, y1: axisY, x2: width - 40, y2: axisY, class: "axis" }));
    const step = span > 30 ? 5 : span > 12 ? 2 : 1;
    for (let year = first; year <= lastYear; year += step) {
      figure.append(svg("line", { x1: x(year), y1: 20, x2: x(year), y2: axisY + 5, class: "tick" }));
      figure.append(svg("text", { x: x(year), y: axisY + 20, "text-anchor": "middle", class: "year" }, String(year)));
    }
    lanes.forEach((lane, n) => {
      const top = 20 + n * laneHeight;
      figure.append(svg("text", { x: 8, y: top + 20, class: "lane-name" }, lane.name));
      const group = svg("g", { class: "lane " + lane.kind });
      const items = lane.items.filter((i) => when(i.date) !== null).sort((a, b) => when(a.date) - when(b.date));
      let previous = -Infinity;
      let level = 0;
      for (const item of items) {
        const px = x(when(item.date));
        level = px - previous < 90 ? (level + 1) % 5 : 0;
        previous = px;
        const y = top + 22 + level * 24;
        const link = svg("a", { href: terms.href(item.iri), class: "mark", "data-iri": item.iri, "data-date": item.date });
        link.append(svg("title", {}, `${item.date}: ${item.label}${item.detail ? " — " + item.detail : ""}`));
        link.append(svg("line", { x1: px, y1: y, x2: px, y2: axisY, class: "stem" }));
        link.append(svg("circle", { cx: px, cy: y, r: 5 }));
        link.append(svg("text", { x: px + 8, y: y + 4 }, item.label.length > 28 ? item.label.slice(0, 27) + "…" : item.label));
        group.append(link);
      }
      figure.append(group);
    });
    container.append(el("p", { class: "count" }, lanes.map((l) => `${l.items.length} ${l.name.toLowerCase()}`).join(", ") +
      " (hover a mark for its date and quote; click it for its page)"), figure);
  }

  window.kzctViews = { el, makeTerms, renderTable, renderChains, renderTimeline, DASHES };
})();
