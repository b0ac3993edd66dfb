// The live view's page: draws the stream of /events (server-sent events) with
// vis-network (shipped beside this file). Messages: history, snapshot, deliveries;
// their fields are described in p2pgossip/web/schema.json.
"use strict";

const SERIES = ["messages_in", "messages_out", "duplicates", "drops", "bytes_in", "bytes_out"];
const HISTORY = 120; // samples kept per node (about two minutes)
const FLASH_MS = 500; // short, so the mesh colours show between deliveries
const COLORS = {
  self: { background: "#facc15", border: "#a16207" },
  observed: { background: "#60a5fa", border: "#1d4ed8" },
  peer: { background: "#e5e7eb", border: "#9ca3af" },
  mesh: "#2563eb",
  link: "#9ca3af",
  flash: "#f97316",
};

const nodes = new vis.DataSet();
const edges = new vis.DataSet();
const network = new vis.Network(
  document.getElementById("graph"),
  { nodes, edges },
  {
    physics: { stabilization: { iterations: 200 }, barnesHut: { springLength: 150 } },
    interaction: { hover: true, tooltipDelay: 100 },
    nodes: { shape: "dot", size: 14, font: { size: 12, face: "monospace" } },
    edges: { smooth: false, font: { size: 11, color: COLORS.flash, strokeWidth: 3 } },
  }
);

let source = null;
const samples = new Map(); // observed peer id -> [{t, counters}]
const latest = new Map(); // observed peer id -> its last counters (drops by reason too)
const baseEdge = new Map(); // edge id -> its look without a flash
const flashing = new Map(); // edge id -> timer
let deliveriesShown = 0;

const $ = (id) => document.getElementById(id);
const short = (id) => (id ? "…" + id.slice(-8) : "?");

function describeSource(s) {
  if (s.kind === "cluster") {
    return `The whole network, as the cluster process sees it (${s.label}): every node ` +
      "reports to it, so every connection and mesh edge is drawn.";
  }
  return `The view of node ${s.peer_id}: this node and the peers it is connected to, ` +
    "as this node sees them (its peers' own connections are not visible from here).";
}

function nodeLook(n) {
  const self = source && source.peer_id === n.id;
  const kind = self ? "self" : n.observed ? "observed" : "peer";
  const lines = [n.id];
  if (self) lines.push("this node");
  if (n.observed) {
    const c = n.counters;
    lines.push(`peers ${n.peers}, topics ${n.topics.join(", ") || "-"}`);
    lines.push(`in ${c.messages_in}, out ${c.messages_out}, dup ${c.duplicates}, drops ${c.drops}`);
    lines.push(`bytes in ${c.bytes_in}, out ${c.bytes_out}`);
  } else {
    lines.push("a peer (not observed: no counters)");
  }
  return {
    id: n.id,
    label: (self ? "this node\n" : "") + short(n.id),
    title: lines.join("\n"),
    color: COLORS[kind],
    size: self ? 20 : 14,
  };
}

function edgeLook(e) {
  const mesh = e.mesh.length > 0;
  const from = e.dialer || e.a;
  const to = from === e.a ? e.b : e.a;
  const lines = [`${short(from)} dialled ${short(to)}`];
  lines.push(mesh ? `mesh: ${e.mesh.join(", ")}` : "not in a mesh");
  for (const [viewer, v] of Object.entries(e.views)) {
    const other = viewer === e.a ? e.b : e.a;
    lines.push(`${short(viewer)} scores ${short(other)}: ${v.score}` +
      (v.mesh.length ? ` (mesh ${v.mesh.join(", ")})` : ""));
  }
  return {
    id: e.id,
    from,
    to,
    arrows: e.dialer ? { to: { enabled: true, scaleFactor: 0.5 } } : "",
    dashes: !mesh,
    width: mesh ? 3 : 1,
    color: { color: mesh ? COLORS.mesh : COLORS.link },
    title: lines.join("\n"),
    label: "",
  };
}

function sync(dataset, items) {
  const keep = new Set(items.map((i) => i.id));
  dataset.remove(dataset.getIds().filter((id) => !keep.has(id)));
  dataset.update(items);
}

function applySnapshot(s) {
  if (!source) {
    source = s.source;
    $("whose").textContent = describeSource(source);
    document.title = `p2pgossip live view: ${source.label}`;
  }
  sync(nodes, s.nodes.map(nodeLook));
  const looks = s.edges.map(edgeLook);
  for (const look of looks) {
    baseEdge.set(look.id, look);
    if (flashing.has(look.id)) Object.assign(look, flashLook(look.id));
  }
  sync(edges, looks);
  $("graph-nodes").textContent = s.nodes.length;
  $("graph-edges").textContent = s.edges.length;
  $("graph-mesh").textContent = s.edges.filter((e) => e.mesh.length).length;
  $("topics").textContent = s.topics.join(", ") || "-";
  for (const n of s.nodes) {
    if (n.observed) {
      addSample(n.id, { t: s.t, counters: n.counters });
      latest.set(n.id, n.counters);
    }
  }
  drawCounters();
}

function applyHistory(h) {
  for (const sample of h.samples) {
    for (const [id, counters] of Object.entries(sample.counters)) {
      addSample(id, { t: sample.t, counters });
    }
  }
}

function addSample(id, sample) {
  if (!samples.has(id)) samples.set(id, []);
  const list = samples.get(id);
  if (list.length && list[list.length - 1].t >= sample.t) return;
  list.push(sample);
  if (list.length > HISTORY) list.shift();
}

function flashLook(id) {
  return { color: { color: COLORS.flash }, width: 6, dashes: false, label: flashing.get(id).label };
}

function applyDeliveries(d) {
  const body = document.querySelector("#deliveries tbody");
  for (const item of d.items) {
    deliveriesShown += 1;
    const latency = item.latency_ms == null ? "" : `${item.latency_ms.toFixed(1)} ms`;
    if (item.via) {
      const id = item.via < item.node ? `${item.via}|${item.node}` : `${item.node}|${item.via}`;
      if (edges.get(id)) {
        const prev = flashing.get(id);
        if (prev) clearTimeout(prev.timer);
        const timer = setTimeout(() => {
          flashing.delete(id);
          const base = baseEdge.get(id);
          if (base && edges.get(id)) edges.update(base);
        }, FLASH_MS);
        flashing.set(id, { timer, label: latency });
        edges.update({ id, ...flashLook(id) });
      }
    }
    const row = document.createElement("tr");
    const time = new Date(d.t * 1000).toLocaleTimeString();
    for (const text of [time, short(item.node), short(item.via), short(item.origin), latency]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.appendChild(cell);
    }
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > 50) body.deleteRow(-1);
  }
  $("deliveries-shown").textContent = deliveriesShown;
}

function drawCounters() {
  const box = $("counters");
  for (const [id, list] of samples) {
    let panel = document.getElementById(`c-${id}`);
    if (!panel) {
      panel = document.createElement("div");
      panel.id = `c-${id}`;
      panel.className = "node-counters";
      const title = document.createElement("h3");
      title.textContent = (source && source.peer_id === id ? "this node " : "") + short(id);
      panel.appendChild(title);
      const plots = document.createElement("div");
      plots.className = "plots";
      for (const name of SERIES) {
        const cell = document.createElement("div");
        cell.className = "plot";
        cell.innerHTML = `<span class="name"></span> <b class="value"></b><canvas></canvas>`;
        cell.querySelector(".name").textContent = name.replace("_", " ");
        cell.dataset.series = name;
        plots.appendChild(cell);
      }
      panel.appendChild(plots);
      const reasons = document.createElement("div");
      reasons.className = "reasons";
      panel.appendChild(reasons);
      box.appendChild(panel);
    }
    const byReason = Object.entries((latest.get(id) || {}).drops_by_reason || {});
    panel.querySelector(".reasons").textContent = byReason.length
      ? "drops by reason: " + byReason.map(([k, v]) => `${k} ${v}`).join(", ")
      : "no drops";
    for (const cell of panel.querySelectorAll(".plot")) {
      const name = cell.dataset.series;
      const rates = [];
      for (let i = 1; i < list.length; i++) {
        const dt = list[i].t - list[i - 1].t;
        const dv = list[i].counters[name] - list[i - 1].counters[name];
        rates.push(dt > 0 ? Math.max(0, dv / dt) : 0);
      }
      const last = list.length ? list[list.length - 1].counters[name] : 0;
      cell.querySelector(".value").textContent = last;
      spark(cell.querySelector("canvas"), rates);
    }
  }
}

function spark(canvas, values) {
  const w = (canvas.width = canvas.clientWidth || 100);
  const h = (canvas.height = canvas.clientHeight || 28);
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, w, h);
  if (values.length < 2) return;
  const max = Math.max(...values, 1e-9);
  g.strokeStyle = COLORS.mesh;
  g.lineWidth = 1.5;
  g.beginPath();
  values.forEach((v, i) => {
    const x = (i / (values.length - 1)) * w;
    const y = h - 2 - (v / max) * (h - 4);
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  });
  g.stroke();
}

const stream = new EventSource("/events");
stream.addEventListener("history", (e) => applyHistory(JSON.parse(e.data)));
stream.addEventListener("snapshot", (e) => applySnapshot(JSON.parse(e.data)));
stream.addEventListener("deliveries", (e) => applyDeliveries(JSON.parse(e.data)));
stream.onopen = () => {
  $("conn").textContent = "live";
  $("conn").className = "up";
};
stream.onerror = () => {
  $("conn").textContent = "offline (retrying)";
  $("conn").className = "down";
};
// Zoom to the graph whenever it came to rest with another set of nodes than last time.
let fittedNodes = -1;
network.on("stabilized", () => {
  if (nodes.length !== fittedNodes) {
    fittedNodes = nodes.length;
    network.fit({ animation: false });
  }
  document.body.setAttribute("data-layout", "stable"); // for tests and screenshots
});
