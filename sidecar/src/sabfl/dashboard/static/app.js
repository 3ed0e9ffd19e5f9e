// Polls /api/state every second and redraws in place: the page never reloads.
"use strict";

const PHASES = ["SUBMIT", "UPDATE_REVEAL", "COMMIT", "REVEAL", "AGGREGATE", "ATTEST"];
const PHASE_COLORS = { SUBMIT: "#4e79a7", UPDATE_REVEAL: "#9c755f", COMMIT: "#f28e2b", REVEAL: "#e15759", AGGREGATE: "#76b7b2", ATTEST: "#59a14f" };
let pinnedTask = null;
let pinnedRound = null;

const short = (address) => (address && address.length > 20 ? address.slice(0, 10) + "…" + address.slice(-6) : address);

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "–" : String(text);
  if (className) td.className = className;
  return td;
}

function fillTable(id, rows) {
  // rows: [{cells: [...], className, onclick, title}]
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren(...rows.map((row) => {
    const tr = document.createElement("tr");
    row.cells.forEach((c) => tr.appendChild(c instanceof Node ? c : cell(c)));
    if (row.className) tr.className = row.className;
    if (row.onclick) { tr.onclick = row.onclick; tr.classList.add("clickable"); }
    if (row.data) Object.entries(row.data).forEach(([k, v]) => (tr.dataset[k] = v));
    return tr;
  }));
}

function renderValidators(validators) {
  fillTable("validators", validators.map((v) => ({
    cells: [v.moniker, cell(short(v.operator), "mono"), v.stake, v.status, v.jailed ? "yes" : "no",
      v.rounds_served, v.aggregates_finalized, v.times_penalized, v.rewards],
    className: v.jailed ? "attacker" : "",
  })));
}

function renderTasks(tasks, task) {
  fillTable("tasks", tasks.map((t) => ({
    cells: [t.id, t.status, `${t.current_round}/${t.num_rounds}`, t.rounds_finalized, t.rounds_failed,
      t.committee_size, t.budget, t.escrow],
    className: task && t.id === task.id ? "selected" : "",
    data: { task: t.id },
    onclick: () => { pinnedTask = t.id; pinnedRound = null; refresh(); },
  })));
}

function outcome(r) {
  if (r.phase === "FAILED") return `failed: ${r.failure_reason}`;
  if (r.phase === "FINALIZED") return `model ${r.finalized_sha256.slice(0, 12)}`;
  return "running";
}

function renderRounds(task, round) {
  document.getElementById("task-id").textContent = task.id;
  fillTable("rounds", [...task.rounds].reverse().map((r) => ({
    cells: [r.round, r.phase, `${r.start_height}–${r.end_height || r.deadline}`, r.updates.length,
      r.temperature, r.attacker_weight === null ? null : r.attacker_weight.toFixed(4),
      r.miners_tried.map(short).join(", "), outcome(r)],
    className: round && r.round === round.round ? "selected" : "",
    data: { round: r.round, phase: r.phase },
    onclick: () => { pinnedRound = r.round; refresh(); },
  })));
}

function renderTimeline(task, height) {
  // One horizontal bar per phase a round went through, from its first height to the next phase's.
  const traces = PHASES.map((phase) => ({ type: "bar", orientation: "h", name: phase, x: [], y: [], base: [],
    marker: { color: PHASE_COLORS[phase] } }));
  for (const r of task.rounds) {
    r.timeline.forEach((step, i) => {
      const trace = traces[PHASES.indexOf(step.phase)];
      if (!trace) return;
      const end = i + 1 < r.timeline.length ? r.timeline[i + 1].height : (r.end_height || height);
      trace.base.push(step.height); trace.x.push(Math.max(end - step.height, 0.5)); trace.y.push(`round ${r.round}`);
    });
  }
  Plotly.react("timeline-chart", traces, {
    title: { text: "phase timeline (block heights)", font: { size: 13 } }, barmode: "stack",
    margin: { l: 70, r: 10, t: 30, b: 30 }, legend: { orientation: "h", y: -0.15 },
    yaxis: { autorange: "reversed" },
  }, { displayModeBar: false });
}

function renderAccuracy(task) {
  const traces = Object.entries(task.accuracy).map(([address, points]) => ({
    type: "scatter", mode: "lines+markers", name: `validator ${address}`,
    x: points.map((p) => p[0]), y: points.map((p) => p[1]),
  }));
  Plotly.react("accuracy-chart", traces, {
    title: { text: "global model test accuracy (validators' metrics)", font: { size: 13 } },
    xaxis: { title: { text: "round" }, dtick: 1 }, yaxis: { range: [0, 1] },
    margin: { l: 40, r: 10, t: 30, b: 40 }, legend: { orientation: "h", y: -0.25 },
  }, { displayModeBar: false });
}

function renderRound(task, r) {
  document.getElementById("round-number").textContent = r ? r.round : "–";
  document.getElementById("round-phase").textContent = r ? r.phase : "";
  const updates = r ? r.updates : [];
  fillTable("committee", r ? r.committee.map((m) => ({
    cells: [cell(short(m.address), "mono"), m.power, m.committed ? "yes" : "no", m.revealed ? "yes" : "no",
      m.jailed ? "yes" : "no"],
  })) : []);
  fillTable("updates", updates.map((u) => ({
    cells: [cell(short(u.participant) + (u.attacker ? " (attacker)" : ""), "mono"), cell(u.sha256.slice(0, 12), "mono"),
      u.num_samples, u.loss === null ? null : u.loss.toFixed(4), u.weight === null ? null : u.weight.toFixed(4)],
    className: u.attacker ? "attacker" : "",
  })));
  const payments = r ? [
    ...r.rewards.map((p) => ({ cells: [cell(short(p.recipient), "mono"), `reward (${p.role})`, `${p.amount}${p.denom}`] })),
    ...r.penalties.map((p) => ({ cells: [cell(short(p.validator), "mono"), `penalty: ${p.reason}`,
      `slash ${p.slash_fraction}`], className: "attacker" })),
  ] : [];
  fillTable("payments", payments);
  const label = (u) => short(u.participant);
  Plotly.react("weights-chart", [{
    type: "bar", x: updates.map(label), y: updates.map((u) => u.weight || 0),
    marker: { color: updates.map((u) => (u.attacker ? "#b00020" : "#4e79a7")) },
    text: updates.map((u) => (u.loss === null ? "" : `loss ${u.loss.toFixed(3)}`)), hoverinfo: "x+y+text",
  }], {
    title: { text: task.has_roster ? "weights (red: attackers)" : "weights", font: { size: 13 } },
    yaxis: { range: [0, 1] }, margin: { l: 40, r: 10, t: 30, b: 60 },
  }, { displayModeBar: false });
}

function render(state) {
  document.getElementById("height").textContent = state.height;
  const status = document.getElementById("status");
  status.textContent = `updated ${new Date(state.updated_unix * 1000).toLocaleTimeString()}`;
  status.className = "";
  renderValidators(state.validators);
  const task = state.tasks.find((t) => t.id === pinnedTask) || state.tasks[0];
  renderTasks(state.tasks, task);
  if (!task) return;
  // The pinned round, else the newest round that has weights, else the newest.
  const round = task.rounds.find((r) => r.round === pinnedRound)
    || [...task.rounds].reverse().find((r) => r.updates.some((u) => u.weight !== null))
    || task.rounds[task.rounds.length - 1];
  renderRounds(task, round);
  renderTimeline(task, state.height);
  renderAccuracy(task);
  renderRound(task, round);
}

let latest = null;
function refresh() { if (latest) render(latest); }

async function poll() {
  try {
    const response = await fetch("/api/state", { cache: "no-store" });
    latest = await response.json();
    render(latest);
  } catch (error) {
    const status = document.getElementById("status");
    status.textContent = `no answer: ${error}`;
    status.className = "stale";
  }
  setTimeout(poll, 1000);
}
poll();
