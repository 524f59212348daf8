// The QA manager's search: a phrase in call transcripts and text messages with filters, one page at
// a time; a call's line links to its review page (with the phrase, which the page marks).
import { api, el, fmt, t } from './console.js';

const $ = (id) => document.getElementById(id);
const PAGE = 25;
const state = { params: null, offset: 0 };

function paramsOf(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    const text = String(value).trim();
    if (!text) continue;
    // dates are whole days in the user's time zone: "to" includes its day
    if (name === 'from') params.set('from', new Date(`${text}T00:00:00`).toISOString());
    else if (name === 'to') params.set('to', new Date(new Date(`${text}T00:00:00`).getTime() + 86400000).toISOString());
    else params.set(name, text);
  }
  return params;
}

function clock(seconds) {
  return seconds === null || seconds === undefined ? '' : fmt.duration(seconds);
}

function lineCell(hit) {
  const at = hit.recording_at ?? hit.start;
  const where = hit.call_id
    ? el('a', { href: `/qa/calls/${encodeURIComponent(hit.call_id)}?q=${encodeURIComponent(state.params.get('q'))}`, class: 'hit-link' },
      t('qa.open_call', { call: hit.call_id }))
    : el('span', { class: 'muted' }, t('qa.thread', { id: hit.conversation_id }));
  return el('td', { class: 'hit' },
    el('div', {}, el('span', { class: 'speaker' }, hit.speaker), at !== null && at !== undefined ? el('span', { class: 'at' }, clock(at)) : null),
    el('q', { class: 'hit-text' }, hit.text),
    el('div', {}, where));
}

function row(hit) {
  return el('tr', { 'data-message': hit.message_id, 'data-call': hit.call_id || '' },
    el('td', {}, fmt.dateTime(hit.sent_at)),
    el('td', {}, t(`qa.channel_${hit.channel}`)),
    el('td', {}, hit.agent || '—'),
    el('td', {}, hit.queue || '—'),
    lineCell(hit),
    el('td', { class: 'score' }, hit.score === null ? '—' : fmt.number(hit.score, { maximumFractionDigits: 1 })),
    el('td', {}, hit.rule_hits.length ? hit.rule_hits.map((r) => el('span', { class: 'badge bad' }, r)) : '—'));
}

async function run() {
  const params = new URLSearchParams(state.params);
  params.set('limit', String(PAGE));
  params.set('offset', String(state.offset));
  $('search-status').textContent = t('qa.searching');
  try {
    const page = await api(`/api/qa/search?${params}`);
    const rows = page.items.map(row);
    $('results').replaceChildren(...rows);
    $('search-status').textContent = rows.length
      ? t('qa.showing', { first: fmt.number(state.offset + 1), last: fmt.number(state.offset + rows.length) })
      : t('qa.no_results');
    $('export').href = `/api/qa/search.csv?${state.params}`;
    $('export').hidden = !rows.length;
    $('prev').disabled = state.offset === 0;
    $('next').disabled = !page.has_more;
  } catch (error) {
    $('results').replaceChildren();
    $('search-status').textContent = error.status === 422 ? t('qa.bad_search') : t('common.error_generic');
  }
}

$('search').addEventListener('submit', (event) => {
  event.preventDefault();
  state.params = paramsOf(event.target);
  state.offset = 0;
  run();
});
$('prev').addEventListener('click', () => { state.offset = Math.max(0, state.offset - PAGE); run(); });
$('next').addEventListener('click', () => { state.offset += PAGE; run(); });
