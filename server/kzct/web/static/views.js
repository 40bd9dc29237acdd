/* Result views of the kzct query page: a sortable table (plain DOM), the graph of affiliation
 * chains and of an organization's neighbourhood (Cytoscape.js) and the timeline of bans and events
 * (vis-timeline). The libraries are served from this host (static/vendor/, copied by ui/build.sh);
 * nothing here writes style attributes into markup, so the page runs under style-src 'self'. */
(function () {
  "use strict";


  function el(tag, attrs, text) {
    const node = document.createElement(tag);
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
    // Columns of long text (quotes, descriptions) get room and wrap; the others keep to their words.
    const long = new Set(vars.filter((v) => rows.some((row) => row[v] && row[v].type === "literal" && row[v].value.length > 80)));

    function fill() {
      const ordered = rows.slice();
      if (sortVar) ordered.sort((x, y) => direction * compare(cellText(x[sortVar]), cellText(y[sortVar])));
      body.replaceChildren(...ordered.map((row) => {
        const tr = el("tr");
        for (const v of vars) {
          const td = el("td", { class: "col-" + v + (long.has(v) ? " long" : "") });
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

  /* ---- graph view: Cytoscape.js ---- */

  // How each tie status is drawn (Cytoscape line styles): asserted solid, claimed dashed, alleged dotted.
  const STATUS_STYLE = {
    asserted: { color: "#44505f", style: "solid", dash: [1, 0] },
    claimed: { color: "#8a5a00", style: "dashed", dash: [9, 6] },
    alleged: { color: "#a4161a", style: "dashed", dash: [2, 5] },
    disputed: { color: "#6b4fa0", style: "dashed", dash: [12, 4, 2, 4] },
    denied: { color: "#777", style: "dotted", dash: [1, 9] },
    negated: { color: "#777", style: "dotted", dash: [1, 9] },
  };

  function graphStyle() {
    const style = [
      { selector: "node", style: {
        label: "data(label)", "text-valign": "center", "text-halign": "center", "text-wrap": "wrap",
        "text-max-width": "150px", "font-size": 12, color: "#1d2430", shape: "round-rectangle",
        width: 170, height: 40, "background-color": "#eef6fb", "border-color": "#0b5f8a", "border-width": 1.5 } },
      { selector: "node.end", style: { "background-color": "#d3e9f5", "border-width": 3 } },
      { selector: "node:selected", style: { "border-color": "#a4161a", "border-width": 3 } },
      { selector: "edge", style: {
        width: 3, "curve-style": "bezier", "control-point-step-size": 60, label: "data(label)", "font-size": 10,
        color: "#5b6575", "text-outline-color": "#fff", "text-outline-width": 2, "text-rotation": "autorotate",
        "text-margin-y": -9 } },
      { selector: "edge:selected", style: { width: 4.5 } },
    ];
    for (const [status, s] of Object.entries(STATUS_STYLE)) {
      style.push({ selector: "edge." + status, style: {
        "line-color": s.color, "line-style": s.style, "line-dash-pattern": s.dash } });
    }
    return style;
  }

  /* A graph of organizations and ties in ``container``: a toolbar (fit, zoom), the Cytoscape canvas,
   * a legend, the selected element's details, and the ties as a list (for screen readers and
   * anyone who prefers reading). ``ties``: [{tie, subject, object, kind, status, claimants, quotes}]. */
  function renderGraph(container, spec, terms) {
    container.replaceChildren();
    const toolbar = el("div", { class: "graph-tools", role: "toolbar", "aria-label": "Graph view" });
    const box = el("div", { class: "cy", role: "img", "aria-label": spec.title });
    const details = el("div", { class: "graph-details", "aria-live": "polite" },
      "Drag to pan, scroll or pinch to zoom; click an organization or a tie for its details.");
    const list = el("details", { class: "tie-list" });
    list.append(el("summary", {}, "The ties as a list (" + spec.ties.length + ")"));
    const ul = el("ul");
    for (const t of spec.ties) {
      const li = el("li", { "data-tie": t.tie, "data-status": t.status }, tieText(t));
      ul.append(li);
    }
    list.append(ul);
    const legend = el("p", { class: "legend" });
    for (const status of ["asserted", "claimed", "alleged"]) {
      legend.append(el("span", { class: "key " + status }), " " + status + " ");
    }
    container.append(el("p", { class: "count" }, spec.count), toolbar, box, legend, details, list);

    const elements = [];
    for (const [iri, label] of spec.nodes) {
      elements.push({ group: "nodes", data: { id: iri, label, href: terms.href(iri) },
        classes: spec.ends.includes(iri) ? "end" : "", position: spec.positions ? spec.positions.get(iri) : undefined });
    }
    for (const t of spec.ties) {
      elements.push({ group: "edges", classes: t.status, data: {
        id: t.tie, source: t.subject.iri, target: t.object.iri, label: t.kind + " (" + t.status + ")",
        status: t.status, text: tieText(t) } });
    }
    const cy = window.cytoscape({
      container: box, elements, style: graphStyle(),
      layout: typeof spec.layout === "function" ? { name: "preset" } : spec.layout,
      minZoom: 0.2, maxZoom: 3, boxSelectionEnabled: false,
    });
    if (typeof spec.layout === "function") spec.layout(cy).run(); // a layout that needs the graph
    cy.on("tap", "node", (event) => {
      const node = event.target;
      details.replaceChildren(el("strong", {}, node.data("label")), " — ",
        el("a", { href: node.data("href") }, "open its page"));
    });
    cy.on("tap", "edge", (event) => {
      details.replaceChildren(document.createTextNode(event.target.data("text")));
    });
    cy.on("dbltap", "node", (event) => { location.href = event.target.data("href"); });
    const button = (text, title, action) => {
      const b = el("button", { type: "button", title }, text);
      b.addEventListener("click", action);
      toolbar.append(b);
    };
    const zoomBy = (factor) => cy.zoom({ level: cy.zoom() * factor,
      renderedPosition: { x: box.clientWidth / 2, y: box.clientHeight / 2 } });
    button("Fit", "Show the whole graph", () => cy.fit(undefined, 30));
    button("+", "Zoom in", () => zoomBy(1.25));
    button("−", "Zoom out", () => zoomBy(0.8));
    cy.fit(undefined, 30);
    container.kzctGraph = cy; // for the browser tests
    return cy;
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function tieText(t) {
    const claimants = (t.claimants || []).map((c) => c.label).join(", ");
    return t.subject.label + " – " + t.object.label + ": " + t.kind + ", " + t.status +
      (claimants ? ", claimed by " + claimants : "") +
      ((t.quotes || []).length ? ". “" + t.quotes.join("” “") + "”" : "");
  }

  /* The affiliation-chains document: organizations in columns by their distance from the start
   * (the goal in a last column of its own), so every chain reads left to right; each tie once. */
  function renderChains(container, doc, terms) {
    container.replaceChildren();
    if (!doc.paths.length) {
      container.append(el("p", { class: "empty" }, "No chain of at most " + plural(doc.maxHops, "tie") + " joins these organizations."));
      return null;
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
        if (!ties.has(hop.tie)) {
          ties.set(hop.tie, { tie: hop.tie, subject: hop.statedAs.subject, object: hop.statedAs.object,
            kind: hop.kind, status: hop.status, claimants: hop.claimants, quotes: hop.quotes });
        }
      });
    }
    column.delete(doc.to);
    column.set(doc.to, Math.max(...column.values()) + 1);
    const columns = [];
    for (const [iri, c] of column) (columns[c] = columns[c] || []).push(iri);
    const positions = new Map();
    columns.forEach((iris, c) => {
      if (!iris) return;
      iris.sort((a, b) => labels.get(a).localeCompare(labels.get(b)));
      iris.forEach((iri, r) => positions.set(iri, { x: c * 260, y: (r - (iris.length - 1) / 2) * 110 }));
    });
    return renderGraph(container, {
      title: "Affiliation chains from " + labels.get(doc.from) + " to " + labels.get(doc.to),
      count: plural(doc.paths.length, "chain") + " of at most " + plural(doc.maxHops, "tie") + ", " +
        plural(positions.size, "organization"),
      nodes: [...positions.keys()].map((iri) => [iri, labels.get(iri)]), ends: [doc.from, doc.to],
      ties: [...ties.values()], positions, layout: { name: "preset" },
    }, terms);
  }

  /* The reachable-organizations document: the start in the middle, rings by distance. */
  function renderNeighbourhood(container, doc, terms) {
    container.replaceChildren();
    const labels = new Map(doc.organizations.map((o) => [o.iri, o.label]));
    const hops = new Map(doc.organizations.map((o) => [o.iri, o.hops]));
    for (const t of doc.ties) {
      for (const end of [t.subject, t.object]) if (!labels.has(end.iri)) labels.set(end.iri, end.label);
    }
    hops.set(doc.from, 0);
    if (!doc.organizations.length) {
      container.append(el("p", { class: "empty" }, "No organization is tied to this one."));
      return null;
    }
    return renderGraph(container, {
      title: "Organizations within " + plural(doc.maxHops, "tie") + " of " + (labels.get(doc.from) || doc.from),
      count: plural(doc.organizations.length, "organization") + " within " + plural(doc.maxHops, "tie") + ", " +
        plural(doc.ties.length, "tie") + " among them",
      nodes: [...labels.entries()], ends: [doc.from], ties: doc.ties,
      positions: rings(doc.from, [...labels.keys()], hops), layout: { name: "preset" },
    }, terms);
  }

  /* Positions on rings around ``center``: ring k holds the nodes k ties away, evenly spread, its
   * radius large enough that neighbours on it keep a node's width apart. */
  function rings(center, iris, hops) {
    const byRing = new Map();
    for (const iri of iris) {
      const k = iri === center ? 0 : hops.get(iri) || 1;
      (byRing.get(k) || byRing.set(k, []).get(k)).push(iri);
    }
    const positions = new Map([[center, { x: 0, y: 0 }]]);
    let radius = 0;
    for (const k of [...byRing.keys()].filter((k) => k > 0).sort((a, b) => a - b)) {
      const ring = byRing.get(k).sort();
      radius = Math.max(radius + 170, (ring.length * 200) / (2 * Math.PI));
      ring.forEach((iri, i) => {
        const angle = -Math.PI / 2 + (2 * Math.PI * i) / ring.length + (k % 2 ? 0 : Math.PI / (2 * ring.length)); // rings turned apart
        positions.set(iri, { x: radius * 1.6 * Math.cos(angle), y: radius * Math.sin(angle) });
      });
    }
    return positions;
  }

  /* ---- timeline: vis-timeline ---- */

  /* "2006", "2006-03" or "2006-11-17" (as the article gives it) as a Date: a year or month without
   * a day sits in its middle. */
  function dateOf(text) {
    const m = /^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(text || "");
    if (!m) return null;
    if (m[3]) return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    if (m[2]) return new Date(Date.UTC(+m[1], +m[2] - 1, 15));
    return new Date(Date.UTC(+m[1], 6, 1));
  }

  /* Bans and events on one zoomable time axis, a group (row) each. Items stack so no two labels
   * overlap; where there are too many to read, they cluster into "N items" until zoomed in.
   * ``lanes``: [{name, kind, items: [{iri, label, date, detail}]}]. */
  function renderTimeline(container, lanes, terms) {
    container.replaceChildren();
    const items = [];
    const seen = new Set();
    for (const lane of lanes) {
      for (const item of lane.items) {
        const start = dateOf(item.date);
        const id = lane.kind + ":" + item.iri;
        if (!start || seen.has(id)) continue; // an event with two places is one mark
        seen.add(id);
        const content = el("a", { href: terms.href(item.iri), "data-iri": item.iri, "data-date": item.date },
          item.label.length > 40 ? item.label.slice(0, 39) + "…" : item.label);
        items.push({ id, group: lane.kind, start, content, type: "point",
          className: lane.kind, title: escapeHtml(item.date + ": " + item.label + (item.detail ? " — " + item.detail : "")) });
      }
    }
    if (!items.length) {
      container.append(el("p", { class: "empty" }, "No dated bans or events."));
      return null;
    }
    const toolbar = el("div", { class: "graph-tools", role: "toolbar", "aria-label": "Timeline" });
    const box = el("div", { class: "timeline-box" });
    const counted = (lane) => items.filter((i) => i.group === lane.kind).length;
    container.append(el("p", { class: "count" }, lanes.map((l) => counted(l) + " " + l.name.toLowerCase()).join(", ") +
      " — drag to move in time, scroll to zoom; a cluster opens when you zoom in; click a label for its page"), toolbar, box);
    const groups = new window.vis.DataSet(lanes.map((lane, order) => ({ id: lane.kind, content: lane.name, order })));
    const times = items.map((i) => i.start.getTime());
    const year = 365.25 * 24 * 3600 * 1000;
    const timeline = new window.vis.Timeline(box, new window.vis.DataSet(items), groups, {
      stack: true, stackSubgroups: true, zoomable: true, moveable: true, zoomKey: "",
      verticalScroll: true, maxHeight: 560, orientation: { axis: "both" }, showCurrentTime: false,
      min: new Date(Math.min(...times) - 2 * year), max: new Date(Math.max(...times) + 2 * year),
      zoomMin: 30 * 24 * 3600 * 1000, margin: { item: { horizontal: 6, vertical: 6 }, axis: 8 },
      cluster: { maxItems: 2, titleTemplate: "{count} items: zoom in to see them", showStipes: true, fitOnDoubleClick: true },
      tooltip: { followMouse: true, overflowMethod: "cap" },
    });
    const button = (text, title, action) => {
      const b = el("button", { type: "button", title }, text);
      b.addEventListener("click", action);
      toolbar.append(b);
    };
    button("Fit", "Show every year", () => timeline.fit());
    button("+", "Zoom in", () => timeline.zoomIn(0.5));
    button("−", "Zoom out", () => timeline.zoomOut(0.5));
    // vis-timeline measures its labels and stacks or clusters them over a few redraws: the box is
    // marked settled once no redraw came for a quarter second (the browser tests wait for it).
    let quiet = null;
    box.dataset.settled = "false";
    timeline.on("changed", () => {
      box.dataset.settled = "false";
      clearTimeout(quiet);
      quiet = setTimeout(() => { box.dataset.settled = "true"; }, 250);
    });
    // The first draw places every item before the clusters are made, the second makes them, the
    // third takes the clustered items off the page: draw twice more at once, so the unreadable
    // first state (2,929 overlapping label pairs on the real graph) never stays on screen.
    let draws = 0;
    timeline.on("changed", () => {
      if (++draws <= 2) setTimeout(() => timeline.redraw(), 0);
    });
    container.kzctTimeline = timeline; // for the browser tests
    return timeline;
  }

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  window.kzctViews = { el, makeTerms, renderTable, renderChains, renderNeighbourhood, renderTimeline, STATUS_STYLE };
})();
