// The city's pages: login with a city admin token (kept in sessionStorage), the live board, KPIs and rankings,
// one hall's drill-down, the quarterly bulletin. Plain JavaScript, no CDN, like the hall's admin pages.
"use strict";
const TOKEN_KEY = "govhall.city.token";
const $ = (id) => document.getElementById(id);
const City = {token: sessionStorage.getItem(TOKEN_KEY), timer: null, halls: []};

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return node;
}
function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }
function num(v, digits = 1) { return v === null || v === undefined ? "—" : Number(v).toFixed(digits); }
function since(iso) {
  if (!iso) return "从未联系";
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return "刚刚";
  if (seconds < 3600) return Math.floor(seconds / 60) + " 分钟前";
  return iso.slice(0, 16).replace("T", " ");
}
function fill(id, rows) {
  const body = $(id);
  if (rows.length) { body.replaceChildren(...rows); return; }
  const columns = body.closest("table").querySelectorAll("thead th").length;
  body.replaceChildren(el("tr", {className: "empty"}, el("td", {colSpan: columns, textContent: "暂无数据"})));
}
function row(cells, className) {
  const tr = el("tr", {className: className || ""});
  for (const c of cells) tr.append(c instanceof Node ? el("td", {}, c) : el("td", {textContent: c ?? ""}));
  return tr;
}
function card(label, value, className) {
  return el("div", {className: "card " + (className || "")}, el("b", {textContent: value}), label);
}
function today() { return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10); }  // Beijing time
function quarterStart(day) {
  const month = Number(day.slice(5, 7)), first = String(month - (month - 1) % 3).padStart(2, "0");
  return day.slice(0, 4) + "-" + first + "-01";
}

async function api(path, raw) {
  const r = await fetch(path, {headers: {"Authorization": "Bearer " + City.token}});
  if (r.status === 401 || r.status === 403) { logout(); throw new Error("令牌无效或不是市级管理员令牌"); }
  if (!r.ok) {
    let message = "请求失败（" + r.status + "）";
    try { message = (await r.json()).message || message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return raw ? r : r.json();
}

async function login() {
  $("login-error").textContent = "";
  City.token = $("token").value.trim();
  try {
    City.halls = await api("/api/city/halls");
  } catch (e) { $("login-error").textContent = e.message; return; }
  sessionStorage.setItem(TOKEN_KEY, City.token);
  start();
}

function logout() {
  sessionStorage.removeItem(TOKEN_KEY);
  City.token = null;
  clearInterval(City.timer);
  $("app").hidden = true; $("logout").hidden = true; $("login").hidden = false; $("who").textContent = "";
}

async function loadBoard() {
  const halls = await api("/api/city/board");
  const sum = (k) => halls.reduce((s, h) => s + (h[k] || 0), 0);
  const stale = halls.filter((h) => h.stale).length;
  $("board-cards").replaceChildren(
    card("接入大厅", halls.length), card("今日取号", sum("tickets")), card("今日办结", sum("served")),
    card("正在等候", sum("waiting")), card("开启潮汐窗口", sum("tidal_open")),
    card("故障设备", sum("devices_down"), sum("devices_down") ? "warn" : ""),
    card("失联大厅", stale, stale ? "bad" : ""));
  fill("board-rows", halls.map((h) => row([
    el("a", {href: "#", textContent: h.name, onclick: (ev) => { ev.preventDefault(); openHall(h.code); }}),
    h.tickets, h.served, h.waiting ?? "—",
    // the common service target: nobody waits more than 20 minutes
    el("span", {className: h.longest_wait_min > 20 ? "sla-over" : "", textContent: num(h.longest_wait_min)}),
    h.tidal_open ?? "—", h.devices_down ?? "—",
    el("span", {className: h.stale ? "state-stale" : "state-ok",
                textContent: (h.stale ? "失联 · " : "") + since(h.last_contact)})], h.stale ? "stale" : "")));
}

function kpiCards(id, k) {
  $(id).replaceChildren(card("取号", k.tickets), card("办结", k.served), card("平均等候（分钟）", num(k.mean_wait_min)),
    card("90%等候不超过（分钟）", num(k.p90_wait_min, 0)), card("等候超20分钟", pct(k.share_over_20_min)),
    card("好评率", pct(k.good_rate)), card("主动评价率", pct(k.active_review_rate)),
    card("差评按期整改率", pct(k.on_time_rectification_rate)), card("有诉即办按期率", pct(k.complaints_on_time_rate)));
}

function rankCells(r) {
  // an unmapped unit (ranking by city-wide unit) has figures but no place
  const score = r.unmapped ? "未对应" : r.no_data ? "无数据" : num(r.score, 2);
  // a city-wide unit says how many halls' units it adds up
  const name = r.unmapped ? r.name + "（未对应全市单位）" : r.halls ? r.name + "（" + r.halls + " 个大厅）" : r.name;
  return [r.rank ?? "—", name, score, r.tickets, r.served,
          num(r.mean_wait_min), pct(r.share_over_20_min), pct(r.good_rate), pct(r.active_review_rate)];
}

async function loadKpis() {
  const span = "from=" + $("k-from").value + "&to=" + $("k-to").value, by = $("k-by").value;
  const [k, ranked] = await Promise.all([api("/api/city/kpis?" + span), api("/api/city/ranking?" + span + "&by=" + by)]);
  kpiCards("k-cards", k);
  $("k-name-head").textContent = {hall: "大厅", unit: "大厅 · 单位", city_unit: "全市统一单位"}[by];
  fill("k-rows", ranked.map((r) => row([...rankCells(r), pct(r.on_time_rectification_rate),
                                        pct(r.complaints_on_time_rate)], r.no_data || r.unmapped ? "no-data" : "")));
}

async function openHall(code) {
  $("h-code").value = code;
  show("hall");
}

async function loadHall() {
  const code = $("h-code").value;
  if (!code) return;
  const d = await api("/api/city/halls/" + encodeURIComponent(code) + "?from=" + $("h-from").value + "&to=" + $("h-to").value);
  const h = d.hall;
  $("h-title").textContent = h.name + (h.stale ? "（失联）" : "");
  $("h-live").replaceChildren(card("正在等候", h.waiting ?? "—"), card("最长已等（分钟）", num(h.longest_wait_min)),
    card("潮汐窗口", h.tidal_open ?? "—"), card("故障设备", h.devices_down ?? "—", h.devices_down ? "warn" : ""),
    card("最近联系", since(h.last_contact), h.stale ? "bad" : ""));
  $("h-span-title").textContent = "本期指标（" + d.from + " 至 " + d.to + "）";
  kpiCards("h-cards", d.kpis);
  fill("h-rows", d.units.map((r) => {
    const cells = rankCells(r);
    cells[1] = r.name.split(" · ").slice(1).join(" · ");
    cells.splice(6, 1);
    return row([...cells, pct(r.on_time_rectification_rate), pct(r.case_on_time_rate), r.practices],
               r.no_data ? "no-data" : "");
  }));
  activityCards(d.activity);
}

function activityCards(a) {
  const none = "无数据", c = a.consultations;
  const answers = a.surveys.reduce((s, q) => s + q.answers, 0);
  const kinds = Object.entries(a.training.by_kind).map(([k, n]) => k + " " + n).join("，");
  $("h-activity").replaceChildren(
    card("培训（次）" + (kinds ? "：" + kinds : ""), a.training.no_data ? none : a.training.sessions),
    card("咨询导办（次）", c.no_data ? none : c.total),
    ...Object.entries(c.outcome_names).map(([k, name]) => card(name, c.no_data ? none : c.outcomes[k])),
    card("问卷答卷（份）", a.surveys_no_data ? none : answers));
  const weak = {};
  for (const s of a.surveys) for (const u of s.units) (weak[u.unit] ??= []).push(s.title + "：" + u.points.join("，"));
  const units = a.training.units.map((u) => [u.unit, u.name, u.flagged ? "未开展培训" : u.sessions]);
  for (const code of Object.keys(weak)) {
    if (!units.some((u) => u[0] === code)) units.push([code, code, a.training.no_data ? none : 0]);
  }
  fill("h-activity-rows", units.map(([code, name, sessions]) => row(
    [name, a.training.no_data ? none : sessions, (weak[code] || []).join("；") || "—"],
    sessions === "未开展培训" ? "stale" : "")));
}

async function downloadBulletin() {
  $("b-error").textContent = "";
  const quarter = $("b-quarter").value.trim().toUpperCase();
  try {
    const r = await api("/api/city/bulletin.docx" + (quarter ? "?quarter=" + encodeURIComponent(quarter) : ""), true);
    const link = el("a", {href: URL.createObjectURL(await r.blob()), download: "全市通报-" + (quarter || "本季度") + ".docx"});
    document.body.append(link); link.click(); link.remove();
  } catch (e) { $("b-error").textContent = e.message; }
}

const LOADERS = {board: loadBoard, kpis: loadKpis, hall: loadHall, bulletin: async () => {}};

async function show(tab) {
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === tab);
  for (const p of document.querySelectorAll("[data-panel]")) p.hidden = p.dataset.panel !== tab;
  clearInterval(City.timer);
  try { await LOADERS[tab](); } catch (e) { console.error(e); }
  if (tab === "board") City.timer = setInterval(() => loadBoard().catch(console.error), 15000);
}

async function start() {
  $("login").hidden = true; $("app").hidden = false; $("logout").hidden = false;
  $("who").textContent = "市级管理员";
  const day = today();
  for (const id of ["k", "h"]) { $(id + "-from").value = quarterStart(day); $(id + "-to").value = day; }
  try { City.halls = City.halls.length ? City.halls : await api("/api/city/halls"); } catch (e) { return; }
  $("h-code").replaceChildren(...City.halls.map((h) => el("option", {value: h.code, textContent: h.name})));
  show("board");
}

$("login-button").onclick = login;
$("token").addEventListener("keydown", (ev) => { if (ev.key === "Enter") login(); });
$("logout").onclick = logout;
$("k-load").onclick = () => loadKpis().catch((e) => alert(e.message));
$("h-load").onclick = () => loadHall().catch((e) => alert(e.message));
$("h-code").onchange = () => loadHall().catch(console.error);
$("b-download").onclick = downloadBulletin;
for (const b of document.querySelectorAll("#tabs button")) b.onclick = () => show(b.dataset.tab);
if (City.token) start();
