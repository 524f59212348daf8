// The supervisor's floor: wallboard tiles, agents, live calls with their transcript and supervision,
// compliance alerts and SLA notices, all kept live from /ws/calls (no reloads).
import { api, el, fmt, liveFeed, t } from './console.js';

const $ = (id) => document.getElementById(id);
const state = { board: null, calls: new Map(), followed: null, lines: [], partials: new Map(), clockSkew: 0 };

// --- wallboard -------------------------------------------------------------------------------------
function level(value, good, bad, higherIsBetter = true) {
  if (value === null || value === undefined) return '';
  if (higherIsBetter) return value >= good ? 'ok' : value < bad ? 'bad' : 'warn';
  return value <= good ? 'ok' : value > bad ? 'bad' : 'warn';
}

function metric(label, value, tone, name) {
  return el('div', { class: `metric ${tone}`, 'data-metric': name },
    el('span', { class: 'metric-value' }, value), el('span', { class: 'metric-label' }, label));
}

function renderWallboard(board) {
  const tiles = board.queues.map((q) => el('article', { class: 'tile', 'data-queue': q.queue_id },
    el('h2', {}, q.queue_id, el('span', { class: 'muted' }, t('supervisor.offered_n', { count: fmt.number(q.offered) }))),
    el('div', { class: 'metrics' },
      metric(t('supervisor.waiting'), fmt.number(q.waiting), q.waiting ? (q.longest_wait_s > 60 ? 'bad' : 'warn') : 'ok', 'waiting'),
      metric(t('supervisor.longest_wait'), fmt.duration(q.longest_wait_s), level(q.longest_wait_s, 20, 60, false), 'longest'),
      metric(t('supervisor.service_level', { seconds: fmt.number(q.service_level_threshold_s) }),
        q.service_level === null ? '—' : fmt.percent(q.service_level), level(q.service_level, 0.8, 0.6), 'sl'),
      metric(t('supervisor.abandonment'), q.abandonment_rate === null ? '—' : fmt.percent(q.abandonment_rate),
        level(q.abandonment_rate, 0.05, 0.1, false), 'abandoned'),
      metric(t('supervisor.answered'), fmt.number(q.answered), '', 'answered'))));
  $('wallboard').replaceChildren(...(tiles.length ? tiles : [el('p', { class: 'empty' }, t('supervisor.no_queues'))]));
  $('floor-updated').textContent = t('supervisor.updated', { time: fmt.time(board.generated_at * 1000) });
  renderAgents();
}

function stateBadge(agentState) {
  const tone = { available: 'ok', on_call: 'busy', offered: 'warn', wrap_up: 'busy', paused: 'warn' }[agentState] || '';
  return el('span', { class: `badge ${tone}` }, t(`supervisor.state_${agentState}`));
}

function renderAgents() {
  const agents = (state.board && state.board.agents) || [];
  const rows = agents.map((a) => el('tr', { 'data-agent': a.agent_id },
    el('td', {}, a.name),
    el('td', {}, stateBadge(a.state), a.reason ? el('span', { class: 'muted' }, ` ${a.reason}`) : null),
    el('td', { class: 'ticking', 'data-since': a.since || '' }, a.since ? fmt.duration(nowS() - a.since) : '—')));
  $('agent-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 3, class: 'empty' }, t('supervisor.no_agents')))]));
}

const nowS = () => Date.now() / 1000 - state.clockSkew;

function tick() {
  for (const cell of document.querySelectorAll('.ticking[data-since]')) {
    const since = Number(cell.dataset.since);
    if (since) cell.textContent = fmt.duration(nowS() - since);
  }
}

async function refreshBoard() {
  try {
    const board = await api('/api/wallboard');
    state.clockSkew = Date.now() / 1000 - board.generated_at;
    state.board = board;
    renderWallboard(board);
  } catch (error) {
    $('floor-updated').textContent = t('common.error_generic');
  }
}

let boardTimer = null;
function refreshSoon() {
  clearTimeout(boardTimer);
  boardTimer = setTimeout(refreshBoard, 300);
}

// --- live calls ------------------------------------------------------------------------------------
function callLabel(call) {
  const key = `supervisor.call_${call.state}`;
  const text = t(key);
  return text === key ? t('supervisor.call_other') : text;
}

function renderCalls() {
  const calls = [...state.calls.values()].sort((a, b) => a.created_at - b.created_at);
  const items = calls.map((call) => {
    const since = call.answered_at || call.created_at;
    return el('li', {},
      el('button', {
        type: 'button', class: 'call' + (call.call_id === state.followed ? ' selected' : ''),
        'aria-pressed': call.call_id === state.followed ? 'true' : 'false', 'data-call': call.call_id,
        onclick: () => follow(call.call_id),
      },
      el('span', { class: 'caller' }, fmt.phone(call.caller_number) || call.caller_name || call.call_id),
      el('span', { class: 'badge' }, callLabel(call)),
      el('span', { class: 'muted' }, [call.queue_id, call.agent_id].filter(Boolean).join(' · ')),
      el('span', { class: 'ticking call-time', 'data-since': since }, fmt.duration(nowS() - since))));
  });
  $('live-calls').replaceChildren(...(items.length ? items : [el('li', { class: 'empty' }, t('supervisor.no_calls'))]));
}

async function refreshCalls() {
  try {
    const calls = await api('/api/calls/live');
    state.calls = new Map(calls.map((call) => [call.call_id, call]));
    renderCalls();
    if (state.followed && !state.calls.has(state.followed)) renderFollowed();
  } catch (error) { /* the next event or tick tries again */ }
}

let callsTimer = null;
function refreshCallsSoon() {
  clearTimeout(callsTimer);
  callsTimer = setTimeout(refreshCalls, 300);
}

function follow(callId) {
  state.followed = callId;
  state.lines = [];
  state.partials = new Map();
  $('supervise-result').textContent = '';
  renderCalls();
  renderFollowed();
  loadAlertHistory(callId);
}

function renderFollowed() {
  const call = state.calls.get(state.followed);
  for (const button of document.querySelectorAll('.supervise button')) button.disabled = !call;
  $('followed-call').textContent = call
    ? t('supervisor.following', { caller: fmt.phone(call.caller_number) || call.call_id, queue: call.queue_id || '—' })
    : t('supervisor.pick_a_call');
  renderTranscript();
}

function legName(leg) {
  const key = `supervisor.leg_${leg}`;
  const text = t(key);
  return text === key ? String(leg || '') : text;
}

function renderTranscript() {
  if (!state.followed) { $('transcript').replaceChildren(); return; }
  const line = (item, partial) => el('li', { class: `line leg-${item.leg}${partial ? ' partial' : ''}` },
    el('span', { class: 'leg' }, legName(item.leg)), el('span', { class: 'text' }, item.text));
  const items = [...state.lines.map((item) => line(item, false)), ...[...state.partials.values()].map((item) => line(item, true))];
  $('transcript').replaceChildren(...(items.length ? items : [el('li', { class: 'empty' }, t('supervisor.nothing_said'))]));
  const box = $('transcript');
  box.scrollTop = box.scrollHeight;
}

function onTranscript(kind, data) {
  if (data.call_id !== state.followed) return;
  if (kind === 'transcript.partial') state.partials.set(data.leg, data);
  else {
    state.partials.delete(data.leg);
    state.lines.push(data);
    if (state.lines.length > 200) state.lines.shift();
  }
  renderTranscript();
}

async function supervise(mode) {
  const callId = state.followed;
  if (!callId) return;
  const name = t(`supervisor.${mode}`);
  const result = $('supervise-result');
  result.className = '';
  try {
    await api(`/api/calls/${encodeURIComponent(callId)}/supervise/${mode}`, { method: 'POST' });
    result.textContent = t('supervisor.supervise_sent', { mode: name });
    result.className = 'ok-text';
  } catch (error) {
    result.textContent = t('supervisor.supervise_failed', { mode: name, detail: error.detail || error.message });
    result.className = 'error';
  }
}

// --- alerts and SLA notices ------------------------------------------------------------------------
const MAX_FEED = 50;
function pushFeed(list, item, emptyKey) {
  const box = $(list);
  const empty = box.querySelector('.empty');
  if (empty) empty.remove();
  box.prepend(item);
  while (box.children.length > MAX_FEED) box.lastChild.remove();
  if (!box.children.length) box.append(el('li', { class: 'empty' }, t(emptyKey)));
}

const seenAlerts = new Set();
function addAlert(data, at) {
  const key = data.id || `${data.call_id}|${data.rule}|${data.text}|${at}`;
  if (seenAlerts.has(key)) return;
  seenAlerts.add(key);
  const severity = String(data.severity || 'medium');
  const sevText = t(`supervisor.severity_${severity}`);
  pushFeed('alerts', el('li', { class: `alert sev-${severity}` },
    el('div', { class: 'feed-head' },
      el('span', { class: `badge ${severity === 'high' ? 'bad' : 'warn'}` }, sevText.startsWith('supervisor.') ? severity : sevText),
      el('strong', {}, data.rule || data.kind || ''),
      el('span', { class: 'muted' }, fmt.time(at))),
    el('div', {}, data.text || ''),
    data.call_id ? el('button', { type: 'button', class: 'link', onclick: () => follow(data.call_id) }, data.call_id) : null),
  'supervisor.no_alerts');
}

async function loadAlertHistory(callId) {
  try {
    const alerts = await api(`/api/qa/alerts?call_id=${encodeURIComponent(callId)}`);
    for (const alert of alerts) addAlert(alert, alert.created_at || alert.at || Date.now());
  } catch (error) { /* a call without stored alerts */ }
}

function addSla(kind, data, at) {
  const ticketId = data.ticket_id;
  const tag = data.action || data.reason || data.kind || '';
  const tagKey = `supervisor.sla_${tag}`;
  const tagText = t(tagKey) === tagKey ? tag : t(tagKey);
  const target = data.target || (data.details && data.details.target) || '';
  const what = [tagText, data.text || data.subject || '', target].filter(Boolean).join(' · ');
  const bad = /breach|escalat/.test(`${data.action} ${data.kind} ${data.reason}`);
  pushFeed('sla', el('li', { class: 'notice' },
    el('div', { class: 'feed-head' },
      el('span', { class: `badge ${bad ? 'bad' : 'warn'}` }, t('supervisor.ticket', { id: ticketId })),
      el('span', { class: 'muted' }, fmt.time(at))),
    el('div', {}, what)),
  'supervisor.no_sla');
}

function isSla(kind, data) {
  if (kind === 'ticket.sla_notice') return true;
  if (kind === 'ticket.changed') return ['sla_reminder', 'sla_breached', 'escalated'].includes(data.action);
  if (kind === 'ticket.agent_notice') return ['sla_reminder', 'escalation'].includes(data.reason);
  return false;
}

// --- the feed --------------------------------------------------------------------------------------
function onEvent(envelope) {
  const kind = envelope.type || '';
  const data = envelope.data || {};
  const at = envelope.at ? (typeof envelope.at === 'number' ? envelope.at * 1000 : envelope.at) : Date.now();
  if (kind.startsWith('call.')) { refreshSoon(); refreshCallsSoon(); }
  else if (kind.startsWith('agent.')) refreshSoon();
  else if (kind.startsWith('transcript.')) onTranscript(kind, data);
  else if (kind === 'qa.alert') addAlert(data, at);
  else if (isSla(kind, data)) addSla(kind, data, at);
}

function start() {
  for (const button of document.querySelectorAll('.supervise button')) {
    button.addEventListener('click', () => supervise(button.dataset.mode));
  }
  $('alerts').append(el('li', { class: 'empty' }, t('supervisor.no_alerts')));
  $('sla').append(el('li', { class: 'empty' }, t('supervisor.no_sla')));
  renderCalls();
  liveFeed(onEvent, {
    onState: (s) => {
      const badge = $('floor-live');
      badge.textContent = t(s === 'open' ? 'common.live_connected' : 'common.live_reconnecting');
      badge.className = `badge ${s === 'open' ? 'ok' : 'warn'}`;
      if (s === 'open') { refreshSoon(); refreshCallsSoon(); }
    },
  });
  refreshBoard();
  refreshCalls();
  setInterval(refreshBoard, 5000);
  setInterval(refreshCalls, 5000);
  setInterval(tick, 1000);
  import('./softphone_widget.js').catch(() => {});
}

start();
