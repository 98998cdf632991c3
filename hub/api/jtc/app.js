// The joint targeting centre's page: reads the hub's GraphQL API with the analyst's token.
//
// Everything the hub returns is written with textContent / createElement, never
// innerHTML: a declaration's data is text, whatever it contains. The token lives in
// sessionStorage only (this tab), and is sent as "Authorization: Bearer" on every call.
"use strict";

(() => {
  const TOKEN_KEY = "jtc.token";
  const SVG = "http://www.w3.org/2000/svg";
  const CHANNELS = ["green", "yellow", "orange", "red"];
  const offices = new Map(); // code -> {code, name, timezone, default}

  const $ = (id) => document.getElementById(id);

  // ---- building elements (text only) ----

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "data") Object.assign(node.dataset, value);
      else if (key === "on") for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    append(node, children);
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(key, String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  function clear(node) {
    node.replaceChildren();
    return node;
  }

  function channelTag(channel) {
    const name = (channel || "").toLowerCase();
    return el("span", { class: `channel ch-${name}` }, name || "none");
  }

  function say(text, isError) {
    const status = $("status");
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function problemRow(tbody, columns, text) {
    clear(tbody).append(el("tr", {}, el("td", { colspan: columns, class: "error" }, text)));
  }

  function emptyRow(tbody, columns, text) {
    clear(tbody).append(el("tr", {}, el("td", { colspan: columns, class: "hint" }, text)));
  }

  // ---- dates and times ----

  function dayIn(timezone, date) {
    // YYYY-MM-DD of `date` at the office (en-CA writes ISO dates).
    return new Intl.DateTimeFormat("en-CA", {
      timeZone: timezone || "UTC", year: "numeric", month: "2-digit", day: "2-digit",
    }).format(date || new Date());
  }

  function timeIn(timezone, iso) {
    if (!iso) return "";
    return new Intl.DateTimeFormat("en-GB", {
      timeZone: timezone || "UTC", hour: "2-digit", minute: "2-digit",
    }).format(new Date(iso));
  }

  function addDays(day, n) {
    const d = new Date(`${day}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  function percent(rate) {
    return rate === null || rate === undefined ? "no control" : `${(rate * 100).toFixed(1)} %`;
  }

  function count(n, one, many) {
    return `${n} ${n === 1 ? one : many || `${one}s`}`;
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    if (seconds < 120) return `${Math.round(seconds)} s`;
    if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
    return `${(seconds / 3600).toFixed(1)} h`;
  }

  // ---- the hub ----

  class HubRefused extends Error {}

  async function call(path, init) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = Object.assign({ authorization: `Bearer ${token}` }, init.headers || {});
    const response = await fetch(path, Object.assign({}, init, { headers, cache: "no-store" }));
    if (response.status === 401 || response.status === 403) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (_) { /* not JSON */ }
      throw new HubRefused(`The hub refused the token: ${detail}`);
    }
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.json();
  }

  async function graphql(query, variables) {
    const body = await call("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    if (body.errors && body.errors.length) {
      throw new Error(body.errors.map((e) => e.message).join("; "));
    }
    return body.data;
  }

  // ---- the examinations board ----

  const BOARD = `query Board($o: String!, $d: Date!, $j: Boolean!) {
    examinations(office: $o, day: $d, jointOnly: $j) {
      id functionalReference routedAgencies
      decision { status channel
        examination { start end office lane place agencies }
        queued { agencies office lane day score position } } } }`;

  function declarationButton(id, reference) {
    return el("button", {
      type: "button", class: "link", data: { declaration: id },
      "aria-label": `Show declaration ${reference || id}`,
      on: { click: () => showDeclaration(id) },
    }, reference || id);
  }

  async function loadBoard() {
    const office = $("office").value;
    const day = $("day").value;
    const joint = $("joint-only").checked;
    const booked = $("board-table").tBodies[0];
    const queued = $("queued-table").tBodies[0];
    const zone = (offices.get(office) || {}).timezone;
    const name = (offices.get(office) || {}).name;
    $("board-caption").textContent =
      `${joint ? "Joint examinations" : "Examinations"} at ${office}${name ? ` (${name})` : ""} on ${day}, times in ${zone || "UTC"}`;
    let listed;
    try {
      listed = (await graphql(BOARD, { o: office, d: day, j: joint })).examinations;
    } catch (err) {
      if (err instanceof HubRefused) throw err;
      problemRow(booked, 5, err.message);
      emptyRow(queued, 5, "");
      return;
    }
    const rows = [];
    const waiting = [];
    for (const d of listed) {
      const decision = d.decision || {};
      const exam = decision.examination;
      if (exam && exam.start && (!exam.office || exam.office === office)) {
        rows.push({ d, exam });
      }
      for (const q of decision.queued || []) {
        if (q.office === office && q.day === day) waiting.push({ d, q });
      }
    }
    rows.sort((a, b) => a.exam.start.localeCompare(b.exam.start));
    waiting.sort((a, b) => a.q.position - b.q.position);
    clear(booked);
    for (const { d, exam } of rows) {
      const agencies = exam.agencies || [];
      booked.append(el("tr", { data: { declaration: d.id }, class: agencies.length > 1 ? "joint" : null },
        el("td", { class: "slot" }, `${timeIn(zone, exam.start)}–${timeIn(zone, exam.end)}`),
        el("td", { class: "lane" }, exam.lane || ""),
        el("th", { scope: "row" }, declarationButton(d.id, d.functionalReference)),
        el("td", { class: "agencies" }, agencies.join(", ") || "—"),
        el("td", { class: "place" }, exam.place || ""),
      ));
    }
    if (!rows.length) emptyRow(booked, 5, "No examination booked.");
    clear(queued);
    for (const { d, q } of waiting) {
      queued.append(el("tr", { data: { declaration: d.id } },
        el("td", {}, String(q.position)),
        el("td", {}, q.lane),
        el("th", { scope: "row" }, declarationButton(d.id, d.functionalReference)),
        el("td", { class: "agencies" }, q.agencies.join(", ")),
        el("td", {}, String(q.score)),
      ));
    }
    if (!waiting.length) emptyRow(queued, 5, "Nothing waiting for capacity.");
  }

  // ---- held declarations ----

  const HELD = `query Held { awaiting(limit: 100) {
    id functionalReference office routedAgencies decision { status channel } } }`;

  async function loadHeld() {
    const tbody = $("held-table").tBodies[0];
    let listed;
    try {
      listed = (await graphql(HELD, {})).awaiting;
    } catch (err) {
      if (err instanceof HubRefused) throw err;
      problemRow(tbody, 5, err.message);
      return;
    }
    clear(tbody);
    for (const d of listed) {
      const decision = d.decision;
      tbody.append(el("tr", { data: { declaration: d.id } },
        el("th", { scope: "row" }, declarationButton(d.id, d.functionalReference)),
        el("td", {}, d.office || "—"),
        el("td", {}, decision ? channelTag(decision.channel) : "—"),
        el("td", {}, decision ? decision.status : "assessing"),
        el("td", { class: "agencies" }, (d.routedAgencies || []).join(", ")),
      ));
    }
    if (!listed.length) emptyRow(tbody, 5, "Nothing held.");
  }

  // ---- one declaration's merged findings ----

  const DECLARATION = `query One($id: ID!) { declaration(id: $id) {
    id functionalReference office routedAgencies document
    decision { version madeAt status channel released postClearanceAudit randomSelection
      reasons note pending
      examination { start end office lane place agencies }
      queued { agencies office lane day position }
      agencies { agency status channel findingsWithheld
        findings { source profileId profileVersion title riskArea rating indicators
          score channel instructions mandatory confidential itemSequences } } }
    raiseRequests { agency fromChannel toChannel reason requestedBy approvedAsVersion } } }`;

  function facts(pairs) {
    const dl = el("dl", { class: "facts" });
    for (const [term, value] of pairs) {
      if (value === null || value === undefined || value === "") continue;
      dl.append(el("dt", {}, term), el("dd", {}, value));
    }
    return dl;
  }

  function findingItem(f) {
    const name = f.profileId ? `${f.profileId}${f.profileVersion ? ` v${f.profileVersion}` : ""}` : f.source;
    const head = el("p", { class: "finding-head" },
      el("strong", {}, name), " ", channelTag(f.channel),
      f.confidential ? el("span", { class: "badge confidential" }, "confidential") : null,
      f.mandatory ? el("span", { class: "badge" }, "mandatory") : null,
      ` score ${f.score}`);
    const li = el("li", { class: f.confidential ? "finding is-confidential" : "finding" }, head);
    if (f.title) li.append(el("p", {}, f.title));
    const meta = [];
    if (f.riskArea) meta.push(`risk area ${f.riskArea}`);
    if (f.rating) meta.push(`rating ${f.rating}`);
    if (f.itemSequences.length) meta.push(`items ${f.itemSequences.join(", ")}`);
    meta.push(`source ${f.source}`);
    li.append(el("p", { class: "hint" }, meta.join(" · ")));
    if (f.indicators.length) {
      li.append(el("p", { class: "indicators-h" }, "Indicators"),
        el("ul", { class: "indicators" }, f.indicators.map((i) => el("li", {}, i))));
    }
    if (f.instructions) li.append(el("p", { class: "instructions" }, `Check: ${f.instructions}`));
    return li;
  }

  async function showDeclaration(id) {
    const body = clear($("detail-body"));
    body.append(el("p", { class: "hint" }, "Reading…"));
    let d;
    try {
      d = (await graphql(DECLARATION, { id })).declaration;
    } catch (err) {
      clear(body).append(el("p", { class: "error" }, err.message));
      return;
    }
    clear(body);
    if (!d) {
      body.append(el("p", { class: "error" }, `Declaration ${id} is unknown or not yours to read.`));
      return;
    }
    for (const row of document.querySelectorAll("tr.selected")) row.classList.remove("selected");
    for (const row of document.querySelectorAll("tr[data-declaration]")) {
      if (row.dataset.declaration === id) row.classList.add("selected");
    }
    const decision = d.decision;
    body.append(el("h3", { id: "detail-title" }, d.functionalReference || d.id));
    const doc = d.document || {};
    body.append(facts([
      ["Declaration", d.id],
      ["Office", d.office],
      ["Routed to", (d.routedAgencies || []).join(", ")],
      ["Channel", decision ? channelTag(decision.channel) : "assessing"],
      ["Status", decision ? `${decision.status}, version ${decision.version}` : null],
      ["Post-clearance audit", decision && decision.postClearanceAudit ? "blue: flagged" : null],
      ["Random selection", decision && decision.randomSelection ? "yes" : null],
      ["Pending", decision && decision.pending && decision.pending.length ? decision.pending.join(", ") : null],
    ]));
    const exam = decision && decision.examination;
    if (exam) {
      const zone = (offices.get(exam.office) || {}).timezone;
      body.append(el("h4", {}, "Examination"), facts([
        ["When", exam.start ? `${dayIn(zone, new Date(exam.start))} ${timeIn(zone, exam.start)}–${timeIn(zone, exam.end)}` : null],
        ["Office", exam.office], ["Lane", exam.lane], ["Place", exam.place],
        ["Agencies", (exam.agencies || []).join(", ")],
      ]));
    }
    for (const q of (decision && decision.queued) || []) {
      body.append(el("p", { class: "hint" },
        `Queued: ${q.lane} lane at ${q.office} on ${q.day}, position ${q.position} (${q.agencies.join(", ")})`));
    }
    const parties = doc.parties || [];
    if (parties.length) {
      body.append(el("h4", {}, "Parties"), el("ul", { class: "parties" }, parties.map((p) =>
        el("li", {}, el("span", { class: "role" }, p.role), " ",
          el("span", { class: "party-name" }, p.name || "(no name)"),
          p.id ? ` (${p.id})` : ""))));
    }
    const items = doc.goods_items || [];
    if (items.length) {
      body.append(el("h4", {}, `Goods (${items.length} item${items.length === 1 ? "" : "s"})`),
        el("ul", { class: "goods" }, items.slice(0, 8).map((g) =>
          el("li", {}, `${g.sequence}. ${g.commodity_code || "?"} ${g.description || ""}`))));
    }
    if (decision && decision.reasons && decision.reasons.length) {
      body.append(el("h4", {}, "Reasons"), el("ul", {}, decision.reasons.map((r) => el("li", {}, r))));
    }
    const raises = d.raiseRequests || [];
    if (raises.length) {
      body.append(el("h4", {}, "Re-routings"), el("ul", { class: "raises" }, raises.map((r) =>
        el("li", {}, `${r.agency}: ${r.fromChannel ? `${r.fromChannel.toLowerCase()} to` : "raised to"} ${r.toChannel.toLowerCase()}, `,
          el("q", {}, r.reason),
          ` (asked by ${r.requestedBy}; ${r.approvedAsVersion ? `approved as version ${r.approvedAsVersion}` : "waiting for a second officer"})`))));
    }
    body.append(el("h4", {}, "Agencies and findings"));
    if (!decision || !decision.agencies) {
      body.append(el("p", { class: "hint" }, "No decision yet."));
      return;
    }
    const list = el("ul", { class: "agencies-list" });
    for (const a of decision.agencies) {
      const findings = el("ul", { class: "findings" }, a.findings.map(findingItem));
      if (!a.findings.length) findings.append(el("li", { class: "hint" }, "No finding."));
      if (a.findingsWithheld) findings.append(el("li", { class: "hint" }, "Some findings are not shared with you."));
      list.append(el("li", { class: "agency", data: { agency: a.agency } },
        el("p", { class: "agency-head" }, el("strong", {}, a.agency), " ", channelTag(a.channel), ` ${a.status}`),
        findings));
    }
    body.append(list);
    $("detail").scrollIntoView({ block: "nearest" });
  }

  // ---- period: channel mix, profile hit rates, effectiveness review ----

  const KPI = `query Kpi($f: Date!, $t: Date!, $o: String, $a: String) {
    kpi(from: $f, to: $t, office: $o, agency: $a) {
      declarations jointExaminations separateExaminationsAvoided reroutings
      channelMix { channel count share }
      byDay { day green yellow orange red blue }
      toDecision { count medianSeconds p90Seconds }
      toRelease { count medianSeconds p90Seconds } } }`;

  const PERFORMANCE_FIELDS = `profileId version agency hits controls controlsWithFinding
    hitRate valueRecovered flaggedForReview reviewReason`;
  const PROFILES = `query Profiles($f: Date, $t: Date, $a: String) {
    profilePerformance(from: $f, to: $t, agency: $a) { ${PERFORMANCE_FIELDS} } }`;
  const REVIEW = `query Review($f: Date!, $t: Date!, $a: String) {
    effectivenessReview(from: $f, to: $t, agency: $a) { ${PERFORMANCE_FIELDS} } }`;

  function period() {
    return {
      f: $("from").value,
      t: $("to").value,
      o: $("kpi-office").value || null,
      a: $("agency").value.trim() || null,
    };
  }

  function niceMax(value) {
    if (value <= 0) return 1;
    const step = 10 ** Math.floor(Math.log10(value));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= value) return m * step;
    return 10 * step;
  }

  function mixChart(byDay) {
    const width = 600, height = 260, left = 40, right = 8, top = 12, bottom = 44;
    const plotW = width - left - right, plotH = height - top - bottom;
    const total = (d) => CHANNELS.reduce((s, c) => s + d[c], 0);
    const max = niceMax(Math.max(2, ...byDay.map((d) => Math.max(total(d), d.blue))));
    const y = (v) => top + plotH - (v / max) * plotH;
    const band = plotW / Math.max(1, byDay.length);
    const chart = svg("svg", {
      viewBox: `0 0 ${width} ${height}`, class: "mix", role: "img",
      "aria-labelledby": "mix-h mix-summary",
    });
    for (const tick of [0, max / 2, max].filter(Number.isInteger)) {
      chart.append(
        svg("line", { x1: left, x2: width - right, y1: y(tick), y2: y(tick), class: "grid" }),
        svg("text", { x: left - 4, y: y(tick) + 4, class: "axis", "text-anchor": "end" }, String(tick)));
    }
    const every = Math.ceil(byDay.length / 10);
    byDay.forEach((d, i) => {
      const x = left + i * band;
      const barW = Math.max(2, band * 0.6);
      const g = svg("g", { class: "day", "data-day": d.day });
      const parts = CHANNELS.map((c) => `${c} ${d[c]}`).join(", ");
      g.append(svg("title", {}, `${d.day}: ${parts}; blue (audit flag) ${d.blue}`));
      let base = 0;
      for (const c of CHANNELS) {
        if (!d[c]) continue;
        g.append(svg("rect", {
          class: `seg ch-${c}`, "data-channel": c, x: x + band * 0.1, width: barW,
          y: y(base + d[c]), height: y(base) - y(base + d[c]),
        }));
        base += d[c];
      }
      if (d.blue) {
        g.append(svg("rect", {
          class: "seg ch-blue", "data-channel": "blue", x: x + band * 0.72, width: Math.max(1, band * 0.16),
          y: y(d.blue), height: y(0) - y(d.blue),
        }));
      }
      if (i % every === 0) {
        g.append(svg("text", { x: x + band / 2, y: height - bottom + 16, class: "axis", "text-anchor": "middle" },
          d.day.slice(5)));
      }
      chart.append(g);
    });
    chart.append(svg("line", { x1: left, x2: width - right, y1: y(0), y2: y(0), class: "baseline" }));
    chart.append(svg("text", { x: left, y: height - 6, class: "axis" }, "declarations per day (month-day)"));
    return chart;
  }

  function mixTable(byDay) {
    const head = el("tr", {}, el("th", { scope: "col" }, "Day"),
      [...CHANNELS, "blue"].map((c) => el("th", { scope: "col" }, c)));
    const rows = byDay.map((d) => el("tr", {}, el("th", { scope: "row" }, d.day),
      [...CHANNELS, "blue"].map((c) => el("td", {}, String(d[c])))));
    return el("details", { class: "figures" }, el("summary", {}, "Figures per day"),
      el("table", {}, el("thead", {}, head), el("tbody", {}, rows)));
  }

  async function loadMix() {
    const p = period();
    const chart = clear($("mix-chart"));
    const summary = $("mix-summary");
    let kpi;
    try {
      kpi = (await graphql(KPI, p)).kpi;
    } catch (err) {
      if (err instanceof HubRefused) throw err;
      summary.textContent = "";
      chart.append(el("p", { class: "error" }, err.message));
      return;
    }
    const shares = kpi.channelMix.map((c) => `${c.channel} ${(c.share * 100).toFixed(0)} %`).join(", ");
    const released = kpi.toRelease.medianSeconds === null ? "none released yet"
      : `released in ${duration(kpi.toRelease.medianSeconds)}`;
    summary.textContent =
      `${count(kpi.declarations, "declaration")}: ${shares}. ` +
      `Median: decided in ${duration(kpi.toDecision.medianSeconds)}, ${released}. ` +
      `${count(kpi.jointExaminations, "joint examination")} spared ` +
      `${count(kpi.separateExaminationsAvoided, "separate one")}; ${count(kpi.reroutings, "re-routing")}.`;
    chart.append(mixChart(kpi.byDay), mixTable(kpi.byDay));
  }

  function profilesChart(rows, random) {
    const width = 600, left = 170, right = 110, rowH = 24, top = 22, bottom = 26;
    const height = top + bottom + rowH * Math.max(1, rows.length);
    const plotW = width - left - right;
    const rates = rows.map((r) => r.hitRate || 0).concat(random && random.hitRate ? [random.hitRate] : []);
    const max = Math.min(1, niceMax(Math.max(0.05, ...rates) * 1.1));
    const x = (rate) => left + (rate / max) * plotW;
    const chart = svg("svg", {
      viewBox: `0 0 ${width} ${height}`, class: "profiles", role: "img",
      "aria-labelledby": "profiles-h profiles-summary",
    });
    for (const tick of [0, max / 2, max]) {
      chart.append(
        svg("line", { x1: x(tick), x2: x(tick), y1: top - 4, y2: height - bottom, class: "grid" }),
        svg("text", { x: x(tick), y: height - bottom + 16, class: "axis", "text-anchor": "middle" }, `${(tick * 100).toFixed(0)} %`));
    }
    rows.forEach((r, i) => {
      const yTop = top + i * rowH;
      const name = `${r.profileId}${r.version ? ` v${r.version}` : ""}`;
      const g = svg("g", { class: r.flaggedForReview ? "profile flagged" : "profile", "data-profile": r.profileId });
      g.append(svg("title", {}, `${name} (${r.agency}): ${percent(r.hitRate)}, ${r.controlsWithFinding} of ${r.controls} controls found something; ${r.hits} hits${r.reviewReason ? `; review: ${r.reviewReason}` : ""}`));
      g.append(svg("text", { x: left - 6, y: yTop + rowH / 2 + 4, class: "label", "text-anchor": "end" }, `${name} · ${r.agency}`));
      if (r.hitRate !== null && r.hitRate !== undefined) {
        g.append(svg("rect", { class: "bar", x: left, y: yTop + 4, height: rowH - 8, width: Math.max(1, x(r.hitRate) - left) }));
      }
      const said = `${percent(r.hitRate)}${r.controls ? ` (${r.controlsWithFinding}/${r.controls})` : ""}${r.flaggedForReview ? " review" : ""}`;
      g.append(svg("text", { x: (r.hitRate ? x(r.hitRate) : left) + 4, y: yTop + rowH / 2 + 4, class: "value" }, said));
      chart.append(g);
    });
    if (random && random.hitRate !== null && random.hitRate !== undefined) {
      chart.append(svg("g", { class: "random" },
        svg("line", { x1: x(random.hitRate), x2: x(random.hitRate), y1: top - 6, y2: height - bottom, class: "reference" }),
        svg("text", { x: x(random.hitRate) + 3, y: top - 8, class: "reference-label" }, `random selection ${percent(random.hitRate)}`)));
    }
    return chart;
  }

  async function loadProfiles() {
    const p = period();
    const chart = clear($("profiles-chart"));
    const summary = $("profiles-summary");
    let listed;
    try {
      listed = (await graphql(PROFILES, { f: p.f, t: p.t, a: p.a })).profilePerformance;
    } catch (err) {
      if (err instanceof HubRefused) throw err;
      summary.textContent = "";
      chart.append(el("p", { class: "error" }, err.message));
      return;
    }
    const random = listed.find((r) => r.profileId === "random");
    const rows = listed.filter((r) => r.profileId !== "random").sort((a, b) =>
      (b.hitRate ?? -1) - (a.hitRate ?? -1) || b.controls - a.controls || a.profileId.localeCompare(b.profileId));
    const flagged = rows.filter((r) => r.flaggedForReview).length;
    summary.textContent = `${count(rows.length, "profile")}, ${flagged} flagged for review; ` +
      (random ? `random selection: ${percent(random.hitRate)} over ${count(random.controls, "control")}.`
        : "no random selection in this period.");
    if (!rows.length) {
      chart.append(el("p", { class: "hint" }, "No profile hit or controlled in this period."));
      return;
    }
    chart.append(profilesChart(rows, random));
  }

  async function loadReview() {
    const p = period();
    const tbody = $("review-table").tBodies[0];
    let listed;
    try {
      listed = (await graphql(REVIEW, { f: p.f, t: p.t, a: p.a })).effectivenessReview;
    } catch (err) {
      if (err instanceof HubRefused) throw err;
      problemRow(tbody, 9, err.message);
      return;
    }
    clear(tbody);
    for (const r of listed) {
      tbody.append(el("tr", { data: { profile: r.profileId } },
        el("th", { scope: "row" }, r.profileId),
        el("td", {}, r.version === null ? "—" : String(r.version)),
        el("td", {}, r.agency),
        el("td", { class: "num" }, String(r.hits)),
        el("td", { class: "num" }, String(r.controls)),
        el("td", { class: "num" }, String(r.controlsWithFinding)),
        el("td", { class: "num" }, percent(r.hitRate)),
        el("td", { class: "num" }, r.valueRecovered.toLocaleString("en-GB", { maximumFractionDigits: 2 })),
        el("td", {}, r.reviewReason || ""),
      ));
    }
    if (!listed.length) emptyRow(tbody, 9, "No profile needs a review in this period.");
  }

  // ---- start ----

  async function loadOffices() {
    const listed = await call("/jtc/offices", { method: "GET", headers: { accept: "application/json" } });
    offices.clear();
    for (const o of listed) offices.set(o.code, o);
    for (const select of [$("office"), $("kpi-office")]) {
      const keep = select.id === "kpi-office" ? [select.options[0]] : [];
      clear(select).append(...keep, ...listed.map((o) =>
        el("option", { value: o.code }, o.name ? `${o.code} ${o.name}` : o.code)));
    }
    const first = listed[0];
    if (first) $("day").value = dayIn(first.timezone);
  }

  async function guarded(work) {
    try {
      await work();
    } catch (err) {
      if (err instanceof HubRefused) {
        disconnect(err.message);
      } else {
        say(err.message, true);
      }
    }
  }

  async function connect() {
    say("Connecting…");
    try {
      await loadOffices();
    } catch (err) {
      disconnect(err.message);
      return;
    }
    $("main").hidden = false;
    $("forget").hidden = false;
    $("token").value = "";
    $("token").placeholder = "connected; paste another token to switch";
    $("token").required = false;
    const today = new Date().toISOString().slice(0, 10);
    $("to").value = today;
    $("from").value = addDays(today, -13);
    await Promise.all([
      guarded(loadBoard), guarded(loadHeld), guarded(loadMix), guarded(loadProfiles), guarded(loadReview),
    ]);
    if (!$("status").classList.contains("error")) say("Connected. The token is kept in this tab only.");
  }

  function disconnect(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("main").hidden = true;
    $("forget").hidden = true;
    $("token").required = true;
    $("token").placeholder = "paste the token from: hub token issue --role jtc";
    say(message || "Token forgotten.", Boolean(message));
  }

  function legend() {
    const list = clear($("mix-legend"));
    for (const c of [...CHANNELS, "blue"]) {
      list.append(el("li", {}, el("span", { class: `swatch ch-${c}`, "aria-hidden": "true" }),
        c === "blue" ? "blue: post-clearance audit flag (alongside, thin bar)" : c));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    legend();
    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token").value.trim();
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      if (sessionStorage.getItem(TOKEN_KEY)) connect();
    });
    $("forget").addEventListener("click", () => disconnect(""));
    $("board-form").addEventListener("submit", (event) => {
      event.preventDefault();
      guarded(loadBoard);
    });
    $("period-form").addEventListener("submit", (event) => {
      event.preventDefault();
      guarded(loadMix); guarded(loadProfiles); guarded(loadReview);
    });
    $("office").addEventListener("change", () => {
      const office = offices.get($("office").value);
      if (office) $("day").value = dayIn(office.timezone);
      guarded(loadBoard);
    });
    if (sessionStorage.getItem(TOKEN_KEY)) connect();
  });
})();
