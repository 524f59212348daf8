// The analytics page: key figures, charts (Apache ECharts, served from vendor/), the per-reason and
// agent tables, and a drill-down list of the records behind any figure, bar or heatmap cell.
import { api, el, fmt, t } from './console.js';

const $ = (id) => document.getElementById(id);
const charts = {};
const state = { from: '', to: '' };

function isoDay(date) { return date.toISOString().slice(0, 10); }

function initialRange() {
  const params = new URLSearchParams(location.search);
  const to = params.get('to') || isoDay(new Date());
  const from = params.get('from') || isoDay(new Date(Date.parse(to) - 29 * 86400000));
  return { from, to };
}

const percent = (value) => (value === null || value === undefined ? '—' : fmt.percent(value));
const seconds = (value) => (value === null || value === undefined ? '—' : fmt.duration(value));
const score = (value) => (value === null || value === undefined ? '—' : fmt.number(value, { maximumFractionDigits: 2 }));
const channelName = (channel) => { const key = `analytics.channel_${channel}`; const text = t(key); return text === key ? channel : text; };

function query(extra = {}) {
  return new URLSearchParams({ from: state.from, to: state.to, ...extra }).toString();
}

function tile(label, value, metric, key = '') {
  return el('button', { type: 'button', class: 'kpi', 'data-metric': metric, 'data-key': key,
    onclick: () => drill(metric, key) },
  el('span', { class: 'kpi-value' }, value), el('span', { class: 'kpi-label' }, label));
}

function renderKpis(data) {
  const calls = data.calls;
  $('kpis').replaceChildren(
    tile(t('analytics.service_level', { seconds: fmt.number(calls.service_level_threshold_s) }), percent(calls.service_level), 'service_level_missed'),
    tile(t('analytics.asa'), seconds(calls.asa_s), 'answered'),
    tile(t('analytics.aht_long'), seconds(calls.aht_s), 'answered'),
    tile(t('analytics.abandonment'), percent(calls.abandonment_rate), 'abandoned'),
    tile(t('analytics.ivr_abandonment'), percent(calls.ivr_abandonment_rate), 'abandoned_in_ivr'),
    tile(t('analytics.fcr_short'), percent(data.fcr_rate), 'fcr_missed'),
    tile(t('analytics.csat_long'), score(data.csat.average), 'csat'),
    tile(t('analytics.contacts_total'), fmt.number(data.contacts), 'contacts'),
    tile(t('analytics.callbacks'), fmt.number(calls.callbacks), 'callbacks'),
    tile(t('analytics.transfers'), fmt.number(calls.transfers), 'transfers'),
    tile(t('analytics.faq_deflection'), percent(calls.faq.deflection_rate), 'faq_deflected'),
    tile(t('analytics.faq_accuracy'), percent(calls.faq.accuracy), 'faq_asked'));
}

function chart(id) {
  if (!charts[id]) {
    charts[id] = window.echarts.init($(id), null, { renderer: 'svg' });
    window.addEventListener('resize', () => charts[id].resize());
  }
  return charts[id];
}

function renderReasons(reasons) {
  const names = reasons.map((r) => r.reason).reverse();
  const reasonChart = chart('chart-reasons');
  reasonChart.setOption({
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: names },
    series: [{ type: 'bar', name: t('analytics.contacts'), data: reasons.map((r) => r.contacts).reverse(), itemStyle: { color: '#2f6fde' } }],
  }, true);
  reasonChart.off('click');
  reasonChart.on('click', (event) => drill('reason', event.name));
}

function renderChannels(share) {
  const channelChart = chart('chart-channels');
  channelChart.setOption({
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { bottom: 0 },
    series: [{ type: 'pie', radius: ['35%', '65%'], top: -20,
      data: share.map((c) => ({ name: channelName(c.channel), value: c.contacts, channel: c.channel })) }],
  }, true);
  channelChart.off('click');
  channelChart.on('click', (event) => drill('channel', event.data.channel));
}

function renderTickets(rows) {
  const ticketChart = chart('chart-tickets');
  ticketChart.setOption({
    grid: { left: 8, right: 8, top: 30, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: { type: 'category', data: rows.map((r) => channelName(r.channel)) },
    yAxis: [{ type: 'value', name: '' }, { type: 'value', max: 100, name: '' }],
    series: [
      { type: 'bar', name: t('analytics.response_time'), data: rows.map((r) => (r.avg_first_response_s === null ? 0 : Math.round(r.avg_first_response_s / 6) / 10)), itemStyle: { color: '#7a5af8' } },
      { type: 'bar', name: t('analytics.resolution_rate'), yAxisIndex: 1, data: rows.map((r) => (r.resolution_rate === null ? 0 : Math.round(r.resolution_rate * 100))), itemStyle: { color: '#1f9d55' } },
    ],
  }, true);
  ticketChart.off('click');
  ticketChart.on('click', (event) => drill('tickets_channel', rows[event.dataIndex].channel));
}

function renderHeatmap(grid) {
  const days = t('analytics.weekdays').split(',');
  const cells = [];
  let top = 0;
  grid.forEach((row, day) => row.forEach((count, hour) => { cells.push([hour, day, count]); top = Math.max(top, count); }));
  const heatChart = chart('chart-heatmap');
  heatChart.setOption({
    grid: { left: 8, right: 8, top: 8, bottom: 56, containLabel: true },
    tooltip: { position: 'top' },
    xAxis: { type: 'category', data: [...Array(24).keys()].map(String), splitArea: { show: true } },
    yAxis: { type: 'category', data: days, inverse: true, splitArea: { show: true } },
    visualMap: { min: 0, max: Math.max(1, top), calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120,
      inRange: { color: ['#f3f6fc', '#9db8ef', '#2f6fde', '#173a80'] } },
    series: [{ type: 'heatmap', data: cells, label: { show: false } }],
  }, true);
  heatChart.off('click');
  heatChart.on('click', (event) => drill('heatmap', `${event.data[1] + 1}-${event.data[0]}`));
}

function renderReasonTable(reasons) {
  const rows = reasons.map((r) => el('tr', {},
    el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => drill('reason', r.reason) }, r.reason)),
    el('td', { class: 'num' }, fmt.number(r.contacts)), el('td', { class: 'num' }, percent(r.fcr_rate)),
    el('td', { class: 'num' }, score(r.csat_average)), el('td', { class: 'num' }, percent(r.resolution_rate))));
  $('reason-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5, class: 'empty' }, t('analytics.no_data')))]));
}

function renderAgents(agents) {
  const rows = agents.map((a) => el('tr', {},
    el('td', { class: 'num' }, a.rank),
    el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => drill('agent', a.agent_id) }, a.name)),
    el('td', { class: 'num' }, fmt.number(a.answered)), el('td', { class: 'num' }, seconds(a.aht_s)),
    el('td', { class: 'num' }, score(a.qa_average)), el('td', { class: 'num' }, score(a.csat_average))));
  $('agent-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 6, class: 'empty' }, t('analytics.no_data')))]));
}

function renderTogether(pairs) {
  const rows = pairs.map((p) => el('tr', {}, el('td', {}, p.reasons.join(' + ')), el('td', { class: 'num' }, fmt.number(p.customers))));
  $('together-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 2, class: 'empty' }, t('analytics.no_data')))]));
}

function renderStages(templates) {
  const rows = templates.flatMap((tpl) => tpl.stages.map((stage) => el('tr', {},
    el('td', {}, `${tpl.name} (${fmt.number(tpl.tickets)})`), el('td', {}, `${stage.step + 1}. ${stage.title}`),
    el('td', { class: 'num' }, fmt.number(stage.reached)), el('td', { class: 'num' }, fmt.number(stage.completed)),
    el('td', { class: 'num' }, percent(stage.conversion)))));
  $('stage-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5, class: 'empty' }, t('analytics.no_data')))]));
}

function renderTraining(needs) {
  const rows = needs.map((n) => el('tr', { 'data-need': n.need, 'data-agent': n.agent_id },
    el('td', {}, n.name),
    el('td', {}, n.need === 'compliance' ? t('analytics.need_compliance', { count: n.count }) : n.label),
    el('td', { class: 'num' }, n.pass_rate === null ? '—' : `${percent(n.pass_rate)} (${n.passed}/${n.applicable})`),
    el('td', {}, el('button', { type: 'button', class: 'link calls', onclick: () => drill(n.drill.metric, n.drill.key) },
      t('analytics.show_calls', { count: n.count })))));
  $('training-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 4, class: 'empty' }, t('analytics.no_needs')))]));
}

function cellText(value) {
  if (value === null || value === undefined) return '—';
  return String(value);
}

async function drill(metric, key = '') {
  const section = $('drill');
  section.hidden = false;
  const label = t(`analytics.metric_${metric}`, { key: metric === 'channel' || metric === 'tickets_channel' ? channelName(key) : key });
  $('drill-what').textContent = label.startsWith('analytics.') ? metric : label;
  $('drill-csv').href = `/api/analytics/drill?${query({ metric, key, format: 'csv' })}`;
  try {
    const answer = await api(`/api/analytics/drill?${query({ metric, key })}`);
    const columns = answer.rows.length ? Object.keys(answer.rows[0]) : [];
    $('drill-head').replaceChildren(el('tr', {}, ...columns.map((c) => el('th', { scope: 'col' }, c))));
    const rows = answer.rows.map((row) => el('tr', {}, ...columns.map((c) => el('td', {}, cellText(row[c])))));
    $('drill-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { class: 'empty' }, t('analytics.no_rows')))]));
    section.scrollIntoView({ block: 'nearest' });
  } catch (error) {
    $('drill-rows').replaceChildren(el('tr', {}, el('td', { class: 'empty' }, error.message || t('common.error_generic'))));
  }
}

async function load() {
  $('status').textContent = t('analytics.loading');
  $('export-xlsx').href = `/api/analytics/export?${query({ format: 'xlsx' })}`;
  $('export-csv').href = `/api/analytics/export?${query({ format: 'csv', table: 'reasons' })}`;
  try {
    const data = await api(`/api/analytics?${query()}`);
    renderKpis(data);
    renderReasons(data.top_reasons);
    renderChannels(data.channel_share);
    renderTickets(data.tickets_by_channel);
    renderHeatmap(data.heatmap.contacts);
    renderReasonTable(data.top_reasons);
    renderAgents(data.agents);
    renderTogether(data.reasons_together);
    renderStages((await api(`/api/analytics/templates?${query()}`)).templates);
    renderTraining((await api(`/api/analytics/training?${query()}`)).needs);
    $('status').textContent = `${t('analytics.updated', { from: data.from, to: data.to })} · ${t('analytics.click_to_drill')}`;
    document.body.dataset.loaded = 'true';
  } catch (error) {
    $('status').textContent = (error && error.message) || t('common.error_generic');
  }
}

function start() {
  Object.assign(state, initialRange());
  const form = $('range');
  form.elements.from.value = state.from;
  form.elements.to.value = state.to;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    state.from = form.elements.from.value;
    state.to = form.elements.to.value;
    history.replaceState(null, '', `?${query()}`);
    $('drill').hidden = true;
    load();
  });
  load();
}

start();
