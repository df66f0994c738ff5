// reelkit studio page: draws the server's plan view, sends edits, follows server-sent events.
// Every change goes to the server (which validates it as a plan); the page never edits files.
"use strict";
const $ = (s) => document.querySelector(s);
let state = null;
let lastEvent = 0;
let selected = null;        // {page, word}
let pendingEdit = null;     // {t0, page, word, text}: for the caption-edit latency figure
const shownZones = new Set();
let editing = null;        // {page, word, input}: a caption word being typed
let optimistic = false;    // the page shows an edit the server has not answered yet
window.studioLatency = [];   // caption word fix: Enter -> the word drawn on the player (ms)
window.studioConfirmed = []; // ... -> the server's validated plan back in the page (ms)
window.studioEdgeKeys = 0;   // edge key presses handled, and how many of their edits are unanswered:
window.studioEdgesPending = 0; // a test (or a user's report) can tell a lost key from a slow server

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(e.dataset, v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}
const t2 = (s) => (s === null || s === undefined) ? "-" : `${Math.floor(s / 60)}:${(s % 60).toFixed(2).padStart(5, "0")}`;

function showError(text) {
  const box = $("#error");
  box.textContent = text;
  box.hidden = !text;
}

async function call(url, body) {
  let res;
  try {
    res = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                            body: JSON.stringify(body || {})});
  } catch (err) {  // the server went away or the connection dropped: say so, keep the page usable
    showError(`${url}: ${err}`);
    return null;
  }
  const data = await res.json().catch(() => ({error: `HTTP ${res.status}`}));
  if (!res.ok) { showError(data.error || `HTTP ${res.status}`); return null; }
  showError("");
  setState(data);
  return data;
}
const edit = (op) => call("/api/edit", op);

async function load() {
  const res = await fetch("/api/state");
  setState(await res.json());
}

function setState(data) {
  if (state && data.version < state.version) return;  // an answer overtaken by a newer one
  state = data;
  drawAll();
}

function drawAll() {
  $("#title").textContent = `${state.plan.title} · ${state.plan.frames} frames · ${state.plan.duration.toFixed(2)} s`;
  $("#undo").disabled = !state.can_undo;
  $("#redo").disabled = !state.can_redo;
  $("#render").disabled = state.rendering;
  drawProxy(); drawScript(); drawCuts(); drawOverlays(); drawTranscript(); drawCovers(); drawMeta();
  drawChecks(); drawFiles(); drawZones(); drawCaptions();
}

function drawProxy() {
  const v = $("#player");
  const p = state.proxy;
  if (p && v.dataset.version !== String(p.version)) {
    const t = v.currentTime || 0;
    v.dataset.version = String(p.version);
    v.src = p.url;
    v.addEventListener("loadedmetadata", () => { v.currentTime = Math.min(t, v.duration || t); }, {once: true});
  }
  const stale = !p || p.version < state.version;
  $("#proxy-state").textContent = stale ? "proxy rebuilding: captions drawn by the page" : `proxy v${p.version} (540x960)`;
  $("#stage").classList.toggle("stale", stale);
}

function spanRow(cls, label, span, buttons) {
  const row = el("div", {class: `${cls} ${span.in_edit > 0.5 ? "in-edit" : "out"}`},
    el("span", {class: "label"}, label), el("span", {}, `${span.clip} ${t2(span.start)}–${t2(span.end)}`),
    el("span", {}, `${Math.round(span.in_edit * 100)} % in edit`));
  if (span.at !== null) row.append(el("button", {onclick: () => seek(span.at)}, "▶"));
  for (const b of buttons) row.append(b);
  return row;
}

function drawScript() {
  const box = $("#script");
  box.replaceChildren();
  state.script.forEach((line, li) => {
    const div = el("div", {class: "line", dataset: {line: li}}, el("div", {class: "text"}, line.line),
                   el("div", {class: "reason"}, line.reason));
    line.takes.forEach((tk, ti) => {
      const buttons = [];
      if (tk.in_edit < 0.5) buttons.push(el("button", {class: "restore", onclick: () => edit({op: "restore_take", line: li, take: ti})}, "Restore"));
      if (line.kept !== ti) buttons.push(el("button", {class: "keep", onclick: () => edit({op: "keep_take", line: li, take: ti})}, "Keep this take"));
      const label = `take ${ti + 1}${line.kept === ti ? " (kept)" : ""} · ${Math.round(tk.coverage * 100)} %`;
      const row = spanRow("take", label, tk, buttons);
      row.dataset.line = li; row.dataset.take = ti;
      div.append(row);
    });
    line.removed.forEach((r) => {
      const keep = r.in_edit < 0.5;
      const b = el("button", {onclick: () => edit({op: "span", source: r.source, start: r.start, end: r.end, keep})},
                   keep ? "Restore" : "Remove");
      const row = spanRow("removal", r.kind.replace("_", " "), r, [b]);
      row.querySelector(".label").classList.add("kind");
      div.append(row);
    });
    box.append(div);
  });
}

function drawCuts() {
  const box = $("#cuts");
  box.replaceChildren();
  const focused = document.activeElement && document.activeElement.classList.contains("edge")
    ? [document.activeElement.dataset.cut, document.activeElement.dataset.edge] : null;
  state.cuts.forEach((c, i) => {
    const edgeBtn = (edge, text) => el("span", {class: "edge", tabindex: "0", dataset: {cut: i, edge},
                                                onkeydown: edgeKey, onfocus: () => seek(edge === "start" ? c.out_start : Math.max(0, c.out_end - 0.5))}, text);
    box.append(el("div", {class: "cut", dataset: {cut: i}}, el("span", {}, `cut ${i + 1}`),
      edgeBtn("start", `⟦ ${t2(c.src_start)}`), el("span", {}, `${c.frames} frames`), edgeBtn("end", `${t2(c.src_end)} ⟧`),
      el("span", {}, `→ ${t2(c.out_start)}`)));
  });
  if (focused) {
    const e = document.querySelector(`.edge[data-cut="${focused[0]}"][data-edge="${focused[1]}"]`);
    if (e) e.focus({preventScroll: true});
  }
}

let edgeQueue = Promise.resolve();
function edgeKey(ev) {
  if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return;
  ev.preventDefault();
  const {cut, edge} = ev.target.dataset;
  const later = ev.key === "ArrowRight" ? 1 : -1;
  const frames = (edge === "end" ? later : -later) * (ev.shiftKey ? 10 : 1);
  // One frame per key press, in order: each press is one edit (one undo step).
  // A failed press must not stall the queue: a rejected link would swallow every later press.
  window.studioEdgeKeys += 1;
  window.studioEdgesPending += 1;
  edgeQueue = edgeQueue.catch(() => null).then(() => edit({op: "move_edge", cut: Number(cut), edge, frames}))
    .finally(() => { window.studioEdgesPending -= 1; });
}

function drawOverlays() {
  const box = $("#overlays");
  box.replaceChildren();
  state.overlays.forEach((o, i) => {
    const x = el("input", {type: "number", value: o.x, class: "ox"});
    const y = el("input", {type: "number", value: o.y, class: "oy"});
    box.append(el("div", {class: "overlay", dataset: {overlay: i}}, el("img", {src: o.url, alt: o.kind}),
      el("span", {}, o.kind), "x", x, "y", y,
      el("button", {class: "move", onclick: () => edit({op: "move_overlay", overlay: i, x: Number(x.value), y: Number(y.value)})}, "Move"),
      el("button", {class: "delete", onclick: () => edit({op: "delete_overlay", overlay: i})}, "Delete")));
  });
}

function drawTranscript() {
  const box = $("#transcript");
  box.replaceChildren();
  const problems = state.checks.plan.pages || {};
  state.pages.forEach((p, pi) => {
    const div = el("div", {class: "page", dataset: {page: pi}}, el("span", {class: "time"}, `${t2(p.start)} `));
    let k = 0;
    p.lines.forEach((line, li) => {
      if (li > 0) div.append(el("span", {class: "br"}, " ⏎ "));
      line.forEach((w) => {
        const idx = k++;
        const span = el("span", {class: "word", dataset: {page: pi, word: idx}}, w.text);
        span.addEventListener("click", (ev) => {
          if (ev.shiftKey && idx > 0) { edit({op: "rebreak", page: pi, how: "split", at: idx}); return; }
          selected = {page: pi, word: idx};
          seek(w.start + 0.01);
          document.querySelectorAll(".word.selected").forEach((s) => s.classList.remove("selected"));
          span.classList.add("selected");
        });
        span.addEventListener("dblclick", () => startWordEdit(span, pi, idx, w.text));
        div.append(span, " ");
      });
    });
    if (pi + 1 < state.pages.length) div.append(el("button", {class: "join", onclick: () => edit({op: "rebreak", page: pi, how: "join"})}, "join ↓"));
    for (const msg of problems[pi] || []) div.append(el("div", {class: "warn"}, msg));
    box.append(div);
  });
  if (editing) {  // a redraw (a new proxy, another edit) must not throw away a word being typed
    const span = document.querySelector(`.word[data-page="${editing.page}"][data-word="${editing.word}"]`);
    if (span) { span.replaceWith(editing.input); editing.input.focus(); } else editing = null;
  }
}

function startWordEdit(span, page, word, text) {
  const input = el("input", {class: "word-edit", value: text});
  span.replaceWith(input);
  editing = {page, word, input};
  input.focus(); input.select();
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") { editing = null; drawTranscript(); return; }
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    editing = null;
    const t0 = performance.now(), typed = input.value.trim();
    pendingEdit = {t0, page, word, text: typed};
    // Shown at once from the page's copy of the plan; the server's answer (validated, written
    // to plan.json) replaces it, or puts the old word back with the reason.
    const words = state.pages[page].lines.flat();
    if (typed && !/\s/.test(typed)) words[word].text = typed;
    optimistic = true;
    drawTranscript();
    seek(state.pages[page].start + 0.01);
    edit({op: "fix_word", page, word, text: input.value}).then((ok) => {
      optimistic = false;
      if (ok) window.studioConfirmed.push(performance.now() - t0); else load();
    });
  });
}

function drawCovers() {
  const box = $("#covers");
  box.replaceChildren();
  for (const c of state.covers) {
    box.append(el("img", {src: `${c.url}?v=${state.version}`, class: c.chosen ? "cover chosen" : "cover",
                          dataset: {candidate: c.candidate}, title: `candidate ${c.candidate}`,
                          onclick: () => edit({op: "cover", candidate: c.candidate})}));
  }
}

function drawMeta() {
  if (document.activeElement !== $("#description")) $("#description").value = state.plan.description;
  if (document.activeElement !== $("#hashtags")) $("#hashtags").value = state.plan.hashtags.map((t) => `#${t}`).join(" ");
}

function drawChecks() {
  const box = $("#checks");
  box.replaceChildren();
  for (const msg of state.checks.plan.duration) box.append(el("div", {class: "fail"}, msg));
  const pages = Object.keys(state.checks.plan.pages || {}).length;
  if (pages) box.append(el("div", {class: "warnline"}, `${pages} caption page(s) read too fast (see transcript)`));
  for (const [platform, r] of Object.entries(state.checks.files)) {
    const ok = !r.failures.length;
    box.append(el("div", {class: ok ? "ok" : "fail", dataset: {platform}}, `${platform}: ${ok ? "passes" : r.failures.join("; ")}`));
    for (const w of r.warnings) box.append(el("div", {class: "warnline"}, `${platform}: ${w}`));
    if (r.summary) box.append(el("div", {class: "summary"}, r.summary));
  }
}

function drawFiles() {
  const box = $("#files");
  box.replaceChildren();
  for (const f of state.files) {
    box.append(el("li", {}, el("a", {href: f.url, target: "_blank"}, f.name), f.bytes >= 1e6 ? ` ${(f.bytes / 1e6).toFixed(1)} MB` : ` ${(f.bytes / 1e3).toFixed(1)} kB`));
  }
}

function drawZones() {
  const tog = $("#zone-toggles");
  if (!tog.childElementCount) {
    for (const name of Object.keys(state.safe_zones)) {
      const cb = el("input", {type: "checkbox", class: "zone-toggle", dataset: {platform: name}});
      cb.addEventListener("change", () => { cb.checked ? shownZones.add(name) : shownZones.delete(name); drawZones(); });
      tog.append(el("label", {}, cb, ` ${name} safe zone `));
    }
  }
  const box = $("#zones");
  box.replaceChildren();
  const sx = 360 / state.plan.width, sy = 640 / state.plan.height;
  for (const name of shownZones) {
    const [x0, y0, x1, y1] = state.safe_zones[name];
    box.append(el("div", {class: "zone", title: name,
      style: `left:${x0 * sx}px;top:${y0 * sy}px;width:${(x1 - x0) * sx}px;height:${(y1 - y0) * sy}px`}));
  }
}

// The page draws the plan's caption page at the player's time while the proxy is rebuilt, so a
// word fix shows at once; once the new proxy has the burned captions the page layer steps aside.
function drawCaptions() {
  const box = $("#captions");
  if (!state) return;
  const stale = optimistic || !state.proxy || state.proxy.version < state.version;
  const t = $("#player").currentTime || 0;
  const page = state.pages.find((p) => p.start <= t + 1e-3 && t < p.end) || null;
  document.querySelectorAll(".page.now").forEach((e) => e.classList.remove("now"));
  if (page) { const i = state.pages.indexOf(page); const e = document.querySelector(`.page[data-page="${i}"]`); if (e) e.classList.add("now"); }
  if (!stale || !page) { box.replaceChildren(); return; }
  const s = state.plan.style, scale = 640 / state.plan.height;
  const text = page.lines.map((l) => l.map((w) => s.uppercase ? w.text.toUpperCase() : w.text).join(" "));
  const cap = el("div", {class: "cap", style: `top:${s.position_y * scale}px;font-size:${s.font_size * scale}px;color:${s.text_colour};` +
    `-webkit-text-stroke:${Math.max(1, 3 * scale)}px ${s.outline_colour};paint-order:stroke fill`});
  text.forEach((line, i) => { if (i) cap.append(el("br")); cap.append(el("span", {style: `background:rgba(0,0,0,.85)`}, line)); });
  box.replaceChildren(cap);
  if (pendingEdit && box.textContent.toUpperCase().includes(pendingEdit.text.toUpperCase())) {
    window.studioLatency.push(performance.now() - pendingEdit.t0);
    pendingEdit = null;
  }
}

function seek(t) {
  const v = $("#player");
  if (t !== null && t !== undefined) { v.currentTime = t; }
  drawCaptions();
}

function follow() {
  const src = new EventSource(`/api/events?after=${lastEvent}`);
  const on = (kind, fn) => src.addEventListener(kind, (ev) => { lastEvent = Number(ev.lastEventId); fn(JSON.parse(ev.data)); });
  on("plan", (d) => { if (!state || d.version > state.version) load(); });
  on("proxy", (d) => { if (d.error) showError(`proxy: ${d.error}`); else load(); });
  on("checks", () => load());
  on("render", (d) => {
    const bar = $("#progress");
    if (d.state === "stage") { bar.hidden = false; bar.value = d.fraction; $("#status").textContent = d.stage; }
    if (d.state === "done") { bar.hidden = true; $("#status").textContent = `rendered in ${d.seconds.toFixed(1)} s`; load(); }
    if (d.state === "failed") { bar.hidden = true; $("#status").textContent = "render failed"; showError(d.error); load(); }
  });
  src.onerror = () => { src.close(); setTimeout(follow, 1000); };
}

$("#undo").addEventListener("click", () => call("/api/undo"));
$("#redo").addEventListener("click", () => call("/api/redo"));
$("#render").addEventListener("click", () => { $("#status").textContent = "render started"; $("#progress").hidden = false; call("/api/render"); });
$("#save-meta").addEventListener("click", () => edit({op: "metadata", description: $("#description").value,
  hashtags: $("#hashtags").value.split(/[\s,]+/).filter(Boolean)}));
$("#player").addEventListener("timeupdate", drawCaptions);
$("#player").addEventListener("seeked", drawCaptions);
document.addEventListener("keydown", (ev) => {
  if (ev.target.tagName === "INPUT" || ev.target.tagName === "TEXTAREA") return;
  if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "z") { ev.preventDefault(); call(ev.shiftKey ? "/api/redo" : "/api/undo"); }
});
load().then(follow);
