// Admin pages: login (token kept in sessionStorage), tabs, the live hall, the alerts badge, the shared action panel.
"use strict";
const TOKEN_KEY = "govhall.admin.token";
const LEVELS = {very_satisfied: "非常满意", satisfied: "满意", basically_satisfied: "基本满意",
                dissatisfied: "不满意", very_dissatisfied: "非常不满意"};
const CHANNELS = {pc: "PC端", mobile: "移动端", qr: "二维码", tablet: "评价器", terminal: "大厅终端", phone: "电话", sms: "短信"};
const $ = (id) => document.getElementById(id);
const Admin = {token: sessionStorage.getItem(TOKEN_KEY), services: {}, windows: {}, loaders: {}, tab: null, timer: null,
               socket: null, alertSources: [], listeners: []};

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return node;
}

function button(text, onclick) { return el("button", {type: "button", textContent: text, onclick}); }

function row(cells, late) {
  const tr = el("tr", {className: late ? "late" : ""});
  for (const c of cells) tr.append(c instanceof Node ? el("td", {}, c) : el("td", {textContent: c ?? ""}));
  return tr;
}

// An empty table says so (暂无数据) rather than showing bare headers a manager might read as "not loaded yet".
function fill(tbodyId, rows) {
  const body = $(tbodyId);
  if (rows.length) { body.replaceChildren(...rows); return; }
  const columns = body.closest("table")?.querySelectorAll("thead th").length || 1;
  body.replaceChildren(el("tr", {className: "empty"}, el("td", {colSpan: columns, textContent: "暂无数据"})));
}

function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }

function shortTime(iso) { return iso ? iso.slice(0, 16).replace("T", " ") : ""; }

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined && v !== false) q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

async function api(path, options = {}) {
  const headers = {"Authorization": "Bearer " + Admin.token};
  if (options.body) headers["Content-Type"] = "application/json";
  const r = await fetch(path, {method: options.method || (options.body ? "POST" : "GET"), headers,
                               body: options.body ? JSON.stringify(options.body) : undefined});
  if (r.status === 401) { logout(); throw new Error("登录已失效，请重新登录"); }
  if (!r.ok) {
    let message = "请求失败（" + r.status + "）";
    try { message = (await r.json()).message || message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return options.raw ? r : r.json();
}

async function login() {
  $("login-error").textContent = "";
  try {
    const r = await fetch("/api/login", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({staff_no: $("staff-no").value.trim(), password: $("password").value})});
    const answer = await r.json();
    if (!r.ok) throw new Error(answer.message || "登录失败");
    if (answer.role !== "admin") throw new Error("需要管理员账号（中心或督查人员）");
    Admin.token = answer.token;
    sessionStorage.setItem(TOKEN_KEY, answer.token);
    sessionStorage.setItem(TOKEN_KEY + ".name", answer.name || "");
    start();
  } catch (e) { $("login-error").textContent = e.message; }
}

function logout() {
  if (Admin.token) fetch("/api/logout", {method: "POST", headers: {"Authorization": "Bearer " + Admin.token}}).catch(() => {});
  sessionStorage.removeItem(TOKEN_KEY);
  Admin.token = null;
  if (Admin.socket) Admin.socket.close();
  $("app").hidden = true; $("login").hidden = false; $("logout").hidden = true; $("who").textContent = "";
}

function show(tab) {
  Admin.tab = tab;
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("active", b.dataset.tab === tab));
  document.querySelectorAll("section[data-panel]").forEach((s) => { s.hidden = s.dataset.panel !== tab; });
  closeAction();
  const load = Admin.loaders[tab];
  if (load) load().catch((e) => alert(e.message));
}

// The action panel: a small form for one action on one record.
function openAction(title, fields, submit, context, ok = "确定", dismiss = "取消") {
  $("action-title").textContent = title;
  // what the buttons do, where "确定 / 取消" would be ambiguous (a dialog that cancels a booking)
  $("action-ok").textContent = ok;
  $("action-cancel").textContent = dismiss;
  // what the record says (e.g. the citizen's own reasons and comment) next to the form that acts on it
  $("action-context").hidden = !context;
  $("action-context").replaceChildren(...(context || []));
  $("action-error").textContent = "";
  const inputs = {};
  const nodes = fields.map((f) => {
    let input;
    if (f.options) {
      input = el("select", {name: f.name});
      for (const [value, text] of Object.entries(f.options)) input.append(el("option", {value, textContent: text}));
    } else if (f.type === "textarea") {
      input = el("textarea", {name: f.name, rows: 3});
    } else {
      input = el("input", {name: f.name, type: f.type || "text"});
    }
    if (f.value !== undefined) input.value = f.value;
    inputs[f.name] = input;
    return el("label", {className: f.type === "textarea" ? "wide" : ""}, f.label, input);
  });
  $("action-fields").replaceChildren(...nodes);
  $("action").hidden = false;
  $("action-ok").onclick = async () => {
    const values = {};
    for (const [k, input] of Object.entries(inputs)) values[k] = input.value.trim();
    try { await submit(values); closeAction(); refresh(); } catch (e) { $("action-error").textContent = e.message; }
  };
}

function closeAction() { $("action").hidden = true; }

function refresh() { if (Admin.tab) show(Admin.tab); loadAlerts(); }

// The alerts bar: one line for overdue ledger items, plus the lines of each source other tabs register
// (Admin.alertSources: async functions returning lines, e.g. the tidal tab's escalations).
async function loadAlerts() {
  const lines = [];
  try {
    const a = await api("/api/alerts");
    const callback = a.rectifications.filter((c) => c.overdue === "callback").length;
    const rectify = a.rectifications.length - callback;
    if (a.rectifications.length + a.complaints.length > 0) {
      lines.push(`逾期预警：差评回访逾期 ${callback} 件，整改逾期 ${rectify} 件，诉求逾期 ${a.complaints.length} 件`);
    }
    lines.push(...a.calendar);  // the coming year's holidays not loaded yet: open days and deadlines would be wrong
  } catch (e) { /* shown on the next action */ }
  for (const source of Admin.alertSources) {
    try { lines.push(...await source()); } catch (e) { /* shown on the next action */ }
  }
  // a badge with a count in the header; the list opens on a click (a banner that grew with every alert pushed
  // the page down and could not be dismissed)
  const box = $("alerts");
  $("alert-badge").hidden = lines.length === 0;
  $("alert-count").textContent = lines.length;
  if (lines.length === 0) box.hidden = true;
  box.replaceChildren(...lines.map((line) => el("div", {className: "alert-line", textContent: line})));
}

function toggleAlerts() {
  const box = $("alerts");
  box.hidden = !box.hidden;
  $("alert-badge").setAttribute("aria-expanded", String(!box.hidden));
}

Admin.loaders.hall = async () => {
  const health = await (await fetch("/api/health")).json();
  const down = (health.devices || []).filter((d) => !d.ok);
  $("hall-devices").hidden = down.length === 0;
  // one line per device, so a manager can read a dozen of them (one run-on paragraph could not be read)
  $("hall-devices").replaceChildren(el("b", {textContent: `设备故障 ${down.length} 台：`}), el("ul", {},
    ...down.map((d) => el("li", {}, `${d.device} — ${d.detail || "故障"}（最后心跳 ${d.last_seen.slice(11, 19)}，` +
      `上报：${d.source.replace(/^[a-z]+:/, "")}）`))));
  const hall = await (await fetch("/api/hall")).json();
  $("hall-services").replaceChildren(...hall.services.filter((s) => s.waiting > 0).map((s) =>
    el("div", {className: "card"}, s.name, el("b", {textContent: s.waiting + " 人等候"}),
       "预计 " + (s.estimated_wait_min ?? "—") + " 分钟")));
  if (!$("hall-services").children.length) $("hall-services").append(el("div", {className: "card"}, "当前无人等候"));
  const states = {open: "服务中", paused: "暂停", closed: "关闭"};
  // 在岗: someone signed in, a keypad in use or a number at the counter; an open or tidal window without anyone
  // is flagged, since the display sends citizens there
  fill("hall-windows", hall.windows.map((w) => row([w.number, w.name, states[w.state] || w.state,
    w.current || "", w.staff_name || "",
    w.staffed ? "在岗" : el("span", {className: w.state === "open" || w.tidal ? "unstaffed" : "", textContent: "无人"}),
    w.tidal ? (Admin.services[w.tidal] || w.tidal) : ""])));
};

async function loadMeta() {
  const hall = await (await fetch("/api/hall")).json();
  for (const s of hall.services) Admin.services[s.code] = s.name;
  for (const w of hall.windows) Admin.windows[w.number] = w.name;
  document.querySelectorAll("select[name=service]").forEach((select) => {
    for (const [code, name] of Object.entries(Admin.services)) select.append(el("option", {value: code, textContent: name}));
  });
  for (const [code, name] of Object.entries(LEVELS)) $("rv-level").append(el("option", {value: code, textContent: name}));
  for (const [code, name] of Object.entries(CHANNELS)) $("rv-channel").append(el("option", {value: code, textContent: name}));
}

// Live updates: new reviews and hall events arrive over the WebSocket (admin topic needs the admin token).
function connectLive() {
  if (!Admin.token || Admin.socket) return;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}/api/ws?topics=hall,admin&token=${encodeURIComponent(Admin.token)}`);
  Admin.socket = socket;
  socket.onmessage = (message) => {
    const {event, data} = JSON.parse(message.data);
    if (event === "snapshot") { Admin.live = true; return; }
    const busy = !$("action").hidden;
    for (const listener of Admin.listeners) listener(event, data, busy);
    if (event === "review.created") {
      loadAlerts();
      if (!busy && (Admin.tab === "reviews" || Admin.tab === "cases")) show(Admin.tab);
    } else if (Admin.tab === "hall") {
      Admin.loaders.hall().catch(() => {});
    }
  };
  socket.onclose = () => { Admin.socket = null; Admin.live = false; if (Admin.token) setTimeout(connectLive, 3000); };
}

function start() {
  $("login").hidden = true; $("app").hidden = false; $("logout").hidden = false;
  $("who").textContent = sessionStorage.getItem(TOKEN_KEY + ".name") || "";
  loadMeta().catch(() => {});
  loadAlerts();
  show("overview");
  connectLive();
  clearInterval(Admin.timer);
  Admin.timer = setInterval(() => {
    if (Admin.tab === "hall" || Admin.tab === "overview") Admin.loaders[Admin.tab]().catch(() => {});
  }, 5000);
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-button").addEventListener("click", login);
  $("password").addEventListener("keydown", (e) => { if (e.key === "Enter") login(); });
  $("logout").addEventListener("click", logout);
  $("action-cancel").addEventListener("click", closeAction);
  $("alert-badge").addEventListener("click", toggleAlerts);
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => show(b.dataset.tab)));
  if (Admin.token) start();
});
