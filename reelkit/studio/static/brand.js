// Brand mode: the preset's palette, problems and one preview per platform, refreshed on save.
"use strict";
const $ = (s) => document.querySelector(s);
let lastEvent = 0;

function swatches(box, colours) {
  box.replaceChildren();
  for (const [name, value] of Object.entries(colours || {})) {
    const row = document.createElement("div");
    row.className = "colour"; row.dataset.name = name; row.dataset.value = value;
    row.innerHTML = `<span class="swatch" style="background:${value}"></span>`;
    row.append(`${name} ${value}`);
    box.append(row);
  }
}

async function load() {
  const data = await (await fetch("/api/brand")).json();
  document.body.dataset.version = data.version;
  $("#title").textContent = `brand preset · ${data.file}`;
  swatches($("#colours"), data.colours);
  swatches($("#caption"), data.caption);
  const ul = $("#problems");
  ul.replaceChildren();
  for (const p of data.problems) { const li = document.createElement("li"); li.className = "fail"; li.textContent = p; ul.append(li); }
  if (!data.problems.length) { const li = document.createElement("li"); li.className = "ok"; li.textContent = "no problems"; ul.append(li); }
  const grid = $("#previews");
  grid.replaceChildren();
  for (const [name, url] of Object.entries(data.previews)) {
    const fig = document.createElement("figure");
    fig.innerHTML = `<img alt="${name}" data-platform="${name}" src="${url}"><figcaption>${name} (red: platform UI)</figcaption>`;
    grid.append(fig);
  }
  $("#status").textContent = Object.keys(data.previews).length ? "" : "drawing previews";
}

function follow() {
  const src = new EventSource(`/api/events?after=${lastEvent}`);
  for (const kind of ["brand", "previews"]) {
    src.addEventListener(kind, (ev) => { lastEvent = Number(ev.lastEventId); load(); });
  }
  src.onerror = () => { src.close(); setTimeout(follow, 1000); };
}
load().then(follow);
