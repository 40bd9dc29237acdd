/* The kzct query page: the YASGUI editor (served from this host, with every lookup on other hosts
 * switched off), the named queries as examples, running, errors, downloads and shareable links.
 * The views themselves are in views.js. */
(function () {
  "use strict";

  const V = window.kzctViews;
  const settings = JSON.parse(document.getElementById("kzct-settings").textContent);
  const given = document.getElementById("kzct-query");
  const terms = V.makeTerms(settings);
  const $ = (id) => document.getElementById(id);
  const RESULTS_JSON = "application/sparql-results+json";
  const examples = new Map(settings.examples.map((q) => [q.name, q]));
  // Named queries whose JSON document the graph view draws.
  const GRAPHS = { "affiliation-chains": V.renderChains, "reachable-organizations": V.renderNeighbourhood };
  let current = null; // {kind: "editor", query} or {kind: "example", name, params}
  let busy = null;
  let pending = 0; // requests under way

  /* ---- the editor ---- */
  const Yasqe = window.Yasgui.Yasqe;
  const prefixList = Object.entries(settings.prefixes).map(([p, iri]) => p + ": <" + iri + ">").sort();
  // Prefix completion from our own table instead of prefix.cc; no class/property lookups at LOV.
  Yasqe.registerAutocompleter(Object.assign({}, Yasqe.Autocompleters.prefixes, {
    get: () => prefixList,
    persistenceId: null,
  }), false);
  const runKey = () => { runEditor(); };
  const yasqe = new Yasqe($("editor"), {
    value: defaultQuery(),
    persistenceId: null,
    consumeShareLink: null,
    createShareableLink: null,
    showQueryButton: false,
    autocompleters: ["prefixes", "variables"],
    prefixCcApi: "",
    resizeable: true,
    editorHeight: "260px",
    extraKeys: Object.assign({}, Yasqe.defaults.extraKeys, { "Ctrl-Enter": runKey, "Cmd-Enter": runKey }),
  });

  function defaultQuery() {
    return [
      "PREFIX kzo: <" + settings.prefixes.kzo + ">",
      "PREFIX skos: <" + settings.prefixes.skos + ">",
      "",
      "# Organizations banned in Kazakhstan: when, and by which decision.",
      "# Edit the query and press Ctrl+Enter to run it, or pick an example on the left.",
      "SELECT DISTINCT ?organization ?name ?date ?decision WHERE {",
      "  ?decision a kzo:Designation ;",
      "            kzo:designatedOrganization ?organization ;",
      "            kzo:date ?date .",
      "  ?organization skos:prefLabel ?name .",
      "  FILTER(LANGMATCHES(LANG(?name), \"en\"))",
      "}",
      "ORDER BY ?date ?name",
      "LIMIT 100",
    ].join("\n");
  }

  /* A named query's text in two parts: its #+ header (summary, parameters, columns) and the query. */
  function splitHeader(text) {
    const lines = text.split("\n");
    let n = 0;
    while (n < lines.length && lines[n].startsWith("#+")) n++;
    const body = lines.slice(n);
    while (body.length && body[0].trim() === "") body.shift();
    return { header: lines.slice(0, n).join("\n"), body: body.join("\n") };
  }

  /* ---- messages ---- */
  function showMessage(title, detail) {
    const box = $("message");
    box.replaceChildren(V.el("strong", {}, title), document.createTextNode(detail ? ": " + detail : ""));
    box.hidden = false;
  }

  function clearMessage() {
    $("message").hidden = true;
    $("message").replaceChildren();
  }

  function setStatus(text) {
    $("status").textContent = text;
  }

  async function problemOf(response) {
    const text = await response.text();
    try {
      const body = JSON.parse(text);
      return { title: body.title || response.statusText, detail: body.detail || "" };
    } catch (e) {
      return { title: response.status + " " + response.statusText, detail: text.slice(0, 300) };
    }
  }

  /* One request: the parsed body, or a readable message shown next to the editor. */
  async function request(url, init) {
    pending++;
    document.body.dataset.idle = "false";
    try {
      return await answerOf(url, init);
    } finally {
      pending--;
      document.body.dataset.idle = String(pending === 0); // the browser tests wait for this
    }
  }

  async function answerOf(url, init) {
    if (busy) busy.abort();
    busy = new AbortController();
    const started = performance.now();
    let response;
    try {
      response = await fetch(url, Object.assign({ signal: busy.signal }, init));
    } catch (e) {
      if (e.name !== "AbortError") showMessage("The endpoint did not answer", e.message);
      return null;
    }
    const ms = Math.round(performance.now() - started);
    if (!response.ok) {
      const problem = await problemOf(response);
      showMessage(problem.title, problem.detail);
      setStatus("");
      return null;
    }
    const type = (response.headers.get("Content-Type") || "").split(";")[0];
    const body = type.endsWith("json") ? await response.json() : await response.text();
    const rows = response.headers.get("X-KZCT-Rows");
    setStatus((rows !== null ? rows + (rows === "1" ? " row" : " rows") : "Answered") + " in " + ms + " ms");
    return { type, body };
  }

  /* ---- views ---- */
  function showView(name) {
    for (const button of $("views").querySelectorAll("button[data-view]")) {
      button.setAttribute("aria-pressed", String(button.dataset.view === name));
    }
    for (const view of ["table", "graph", "timeline"]) $("view-" + view).hidden = view !== name;
    if (name === "timeline" && !$("view-timeline").hasChildNodes()) loadTimeline();
    if (name === "timeline" && $("view-timeline").kzctTimeline) $("view-timeline").kzctTimeline.redraw();
    if (name === "graph" && $("view-graph").kzctGraph) {
      $("view-graph").kzctGraph.resize();
      $("view-graph").kzctGraph.fit(undefined, 30);
    }
    updateLink(name);
  }

  function showAnswer(answer) {
    const table = $("view-table");
    if (typeof answer.body === "string") {
      table.replaceChildren(V.el("pre", { class: "graph-text" }, answer.body));
    } else {
      V.renderTable(table, answer.body, terms);
    }
  }

  function downloads(makeUrl, names) {
    const box = $("downloads");
    box.replaceChildren(document.createTextNode("Download: "));
    for (const name of names) {
      const a = V.el("a", { href: makeUrl(name), download: "" }, name);
      box.append(a, " ");
    }
  }

  /* ---- shareable links ---- */
  function linkFor(view) {
    const params = new URLSearchParams();
    if (current && current.kind === "example") {
      params.set("example", current.name);
      for (const [k, v] of Object.entries(current.params)) params.set(k, v);
    } else if (current) {
      params.set("query", current.query);
    }
    if (view && view !== "table") params.set("view", view);
    const search = params.toString();
    return location.pathname.replace(/\/sparql$/, "/") + (search ? "?" + search : "");
  }

  function currentView() {
    const pressed = $("views").querySelector("button[aria-pressed=true]");
    return pressed ? pressed.dataset.view : "table";
  }

  function updateLink(view) {
    const url = linkFor(view || currentView());
    $("share").href = url;
    history.replaceState(null, "", url);
  }

  /* ---- running ---- */
  async function runEditor() {
    closeExample();
    const query = yasqe.getValue();
    current = { kind: "editor", query };
    clearMessage();
    setStatus("Running…");
    $("views").querySelector("[data-view=graph]").hidden = true;
    const answer = await request(settings.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded",
        Accept: RESULTS_JSON + ", text/turtle;q=0.9" },
      body: new URLSearchParams({ query }).toString(),
    });
    if (!answer) return;
    showAnswer(answer);
    const names = typeof answer.body === "string" ? settings.graphFormats : settings.resultFormats;
    downloads((f) => settings.endpoint + "?" + new URLSearchParams({ query, format: f }), names);
    showView(currentView() === "graph" ? "table" : currentView());
  }

  function exampleUrl(name, params, extra) {
    const search = new URLSearchParams(Object.assign({}, params, extra || {})).toString();
    return settings.queries + "/" + encodeURIComponent(name) + (search ? "?" + search : "");
  }

  async function runExample(name, params, view) {
    const example = examples.get(name);
    current = { kind: "example", name, params };
    clearMessage();
    setStatus("Running " + name + "…");
    for (const li of $("example-list").children) li.classList.toggle("selected", li.dataset.name === name);
    const answer = await request(exampleUrl(name, params), { headers: { Accept: RESULTS_JSON } });
    const graphButton = $("views").querySelector("[data-view=graph]");
    const drawn = GRAPHS[example.computed];
    graphButton.hidden = !drawn;
    if (!answer) return;
    showAnswer(answer);
    downloads((f) => exampleUrl(name, params, { format: f }), settings.resultFormats);
    if (drawn) {
      const response = await fetch(exampleUrl(name, params), { headers: { Accept: "application/json" } });
      showView(view || "graph"); // shown first: the graph measures its box
      if (response.ok) drawn($("view-graph"), await response.json(), terms);
      $("views").scrollIntoView({ block: "start" }); // the graph above the fold
    } else {
      showView(view === "timeline" ? view : "table");
    }
  }

  async function loadTimeline() {
    const container = $("view-timeline");
    container.replaceChildren(V.el("p", { class: "hint" }, "Loading bans and events…"));
    const get = async (name) => {
      const response = await fetch(settings.queries + "/" + name, { headers: { Accept: RESULTS_JSON } });
      if (!response.ok) {
        const problem = await problemOf(response);
        throw new Error(problem.title + ": " + problem.detail);
      }
      return (await response.json()).results.bindings;
    };
    try {
      const [bans, events] = await Promise.all([get("bans"), get("events")]);
      const value = (row, key) => (row[key] ? row[key].value : "");
      const designations = new Map();
      for (const row of bans) {
        const iri = value(row, "designation");
        const entry = designations.get(iri) || { iri, date: value(row, "date"), names: [], detail: value(row, "bodyLabel") };
        entry.names.push(value(row, "organizationLabel") || terms.short(value(row, "organization")));
        designations.set(iri, entry);
      }
      const banItems = [...designations.values()].map((d) => ({
        iri: d.iri, date: d.date, detail: d.detail,
        label: d.names.length > 2 ? d.names.length + " organizations" : d.names.join(", "),
      }));
      const eventItems = events.map((row) => ({
        iri: value(row, "event"), date: value(row, "date"), detail: value(row, "quote"),
        label: value(row, "label") || value(row, "eventKind"),
      }));
      V.renderTimeline(container, [
        { name: "Bans", kind: "bans", items: banItems },
        { name: "Events", kind: "events", items: eventItems },
      ], terms);
    } catch (e) {
      container.replaceChildren();
      showMessage("The timeline could not be loaded", e.message);
    }
  }

  /* ---- examples ---- */
  function closeExample() {
    $("params").hidden = true;
  }

  /* Show an example's parameters: ``params`` as given; a parameter not given gets its example value
   * when ``fill`` is true, or when it is required (so a shared link runs as a click does). */
  function openExample(name, params, fill) {
    const example = examples.get(name);
    $("params-title").textContent = example.summary;
    $("params-description").textContent = example.description;
    const fields = $("params-fields");
    fields.replaceChildren();
    for (const p of example.params) {
      const id = "param-" + p.name;
      const label = V.el("label", { for: id }, p.name + (p.required ? " (required)" : ""));
      let input;
      if (p.values) { // an enum: its values as a select
        input = V.el("select", { id, name: p.name, title: p.description || p.expected });
        if (!p.required && !p.default) input.append(V.el("option", { value: "" }, "(any)"));
        for (const value of p.values) input.append(V.el("option", { value }, value));
      } else {
        input = V.el("input", { id, name: p.name, placeholder: p.expected, title: p.description || p.expected });
      }
      const given = params[p.name];
      input.value = given !== undefined ? given
        : (fill || p.required) ? (p.example || p.default || "") : (p.values ? (p.default || "") : "");
      if (!fill && given === undefined && p.default && !p.values) input.placeholder = p.default + " (default)";
      const field = V.el("div", { class: "field" });
      field.append(label, input, V.el("small", {}, p.description || p.expected));
      fields.append(field);
    }
    $("params").hidden = false;
    $("params").dataset.name = name;
    const parts = splitHeader(example.text);
    $("params-header-text").textContent = parts.header;
    $("params-header").hidden = !parts.header;
    yasqe.setValue(parts.body);
  }

  function formParams() {
    const params = {};
    for (const input of $("params-fields").querySelectorAll("input, select")) {
      if (input.value.trim() !== "") params[input.name] = input.value.trim();
    }
    return params;
  }

  for (const example of settings.examples) {
    const li = V.el("li", { "data-name": example.name });
    const button = V.el("button", { type: "button", title: example.description }, example.summary);
    button.addEventListener("click", () => {
      openExample(example.name, {}, true);
      runExample(example.name, formParams());
    });
    li.append(button, V.el("code", {}, example.name));
    $("example-list").append(li);
  }

  $("params").addEventListener("submit", (event) => {
    event.preventDefault();
    runExample($("params").dataset.name, formParams());
  });
  $("close-example").addEventListener("click", closeExample);
  $("run").addEventListener("click", runEditor);
  for (const button of $("views").querySelectorAll("button[data-view]")) {
    button.addEventListener("click", () => showView(button.dataset.view));
  }

  /* ---- start: restore what the URL asks for ---- */
  const url = new URLSearchParams(location.search);
  const view = url.get("view");
  if (given) {
    yasqe.setValue(JSON.parse(given.textContent));
    runEditor().then(() => view && showView(view));
  } else if (url.get("example") && examples.has(url.get("example"))) {
    const params = {};
    for (const [k, v] of url) if (k !== "example" && k !== "view") params[k] = v;
    // A link with no parameters opens the example as a click does: with its example values.
    openExample(url.get("example"), params, Object.keys(params).length === 0);
    runExample(url.get("example"), formParams(), view);
  } else if (view === "timeline") {
    runEditor().then(() => showView("timeline"));
  } else {
    runEditor(); // the first minute: the default query's answer, at once
  }
  if (!pending) document.body.dataset.idle = "true";
  document.body.dataset.ready = "true";
})();
