// One call's review: the transcript aligned with the recording (a line's button seeks the player to
// where the line is in the recording and plays it), the alerts with their evidence, the scorecard
// with overrides (PUT /api/qa/scorecards/{id}/review) and coaching notes.
import { api, boot, el, fmt, t } from './console.js';

const $ = (id) => document.getElementById(id);
const callId = $('call-id').dataset.call;
const phrase = (new URLSearchParams(location.search).get('q') || '').trim().toLowerCase();
const player = $('player');
const STATUSES = ['passed', 'failed', 'n/a'];
const CALIBRATES = ['qa_manager', 'admin'].includes(boot.user && boot.user.role);
let card = null;

function label(prefix, value, fallback) {
  const key = `${prefix}${value}`;
  const text = t(key);
  return text === key ? (fallback ?? value) : text;
}

// --- playing --------------------------------------------------------------------------------------
function play(at, button) {
  player.currentTime = at;
  player.play().catch(() => {}); // a click is a user gesture; a failure leaves the player where it is
  for (const other of document.querySelectorAll('button.line.playing')) other.classList.remove('playing');
  if (button) button.classList.add('playing');
}

function facts(review) {
  const record = review.record;
  const rows = [[t('qa_review.call_id'), review.call_id]];
  if (record) {
    rows.push([t('qa_review.agent'), record.agent_id || '—'], [t('qa_review.queue'), record.queue_id || '—'],
      [t('qa_review.when'), fmt.dateTime(record.offered_at)], [t('qa_review.talk'), fmt.duration(record.talk_s)],
      [t('qa_review.disposition'), record.disposition], [t('qa_review.caller'), fmt.phone(record.caller_number)]);
  }
  $('facts').replaceChildren(...rows.flatMap(([name, value]) => [el('dt', {}, name), el('dd', {}, value)]));
  if (review.has_recording) {
    player.src = `/api/calls/records/${encodeURIComponent(review.call_id)}/recording`;
    player.hidden = false;
  } else {
    $('no-recording').hidden = false;
  }
}

function lines(review) {
  const items = review.lines.map((line) => {
    const side = line.leg.startsWith('agent') ? 'agent' : 'caller';
    const at = line.recording_at;
    const playable = review.has_recording && at !== null;
    const matches = phrase && line.text.toLowerCase().includes(phrase);
    const button = el('button', {
      type: 'button', class: `line side-${side}${matches ? ' match' : ''}`, 'data-line': line.id,
      'data-at': playable ? at : null, disabled: !playable,
      title: playable ? t('qa_review.play_from', { time: fmt.duration(at) }) : t('qa_review.not_recorded'),
    },
    el('span', { class: 'at' }, playable ? fmt.duration(at) : '—'),
    el('span', { class: 'who' }, side === 'agent' ? t('qa_review.agent_said', { name: line.speaker || line.leg }) : t('qa_review.caller_said')),
    el('span', { class: 'text' }, line.text));
    button.addEventListener('click', () => play(at, button));
    return el('li', {}, button);
  });
  $('lines').replaceChildren(...(items.length ? items : [el('li', { class: 'empty' }, t('qa_review.no_transcript'))]));
  const first = document.querySelector('button.line.match');
  if (first) first.scrollIntoView({ block: 'center' });
}

function alerts(review) {
  const items = review.alerts.map((alert) => el('li', { class: `severity-${alert.severity}`, 'data-rule': alert.rule_id },
    el('div', {},
      el('span', { class: 'badge bad' }, alert.rule_id), ' ',
      el('span', {}, label('qa_review.kind_', alert.kind)), ' · ',
      el('span', { class: 'muted' }, label('qa_review.severity_', alert.severity))),
    alert.evidence ? el('blockquote', {}, alert.evidence) : null,
    alert.recording_at !== null && review.has_recording
      ? el('button', { type: 'button', class: 'secondary', onclick: () => play(alert.recording_at, null) },
        t('qa_review.play_evidence', { time: fmt.duration(alert.recording_at) }))
      : null));
  $('alerts').replaceChildren(...(items.length ? items : [el('li', { class: 'empty' }, t('qa_review.no_alerts'))]));
}

// --- scorecard ------------------------------------------------------------------------------------
function renderCard() {
  $('review').hidden = false;
  $('note').hidden = false;
  $('total').textContent = fmt.number(card.total, { maximumFractionDigits: 1 });
  $('auto-total').textContent = t('qa_review.auto_total', { total: fmt.number(card.auto_total, { maximumFractionDigits: 1 }) })
    + (card.reviewed ? ` · ${t('qa_review.reviewed')}` : '');
  $('items').replaceChildren(...card.items.map((item) => {
    const select = el('select', { name: `status-${item.key}`, 'aria-label': t('qa_review.result') },
      STATUSES.map((s) => el('option', { value: s, selected: s === item.status }, label('qa_review.status_', s))));
    const reason = el('input', { name: `reason-${item.key}`, maxlength: 2000, value: item.override_reason || '',
      'aria-label': t('qa_review.reason') });
    const row = el('tr', { 'data-item': item.key },
      el('td', {}, label('qa_review.item_', item.key, item.label),
        el('div', { class: 'muted' }, t('qa_review.auto_was', { status: label('qa_review.status_', item.auto_status) }))),
      el('td', {}, select), el('td', {}, reason));
    select.addEventListener('change', () => row.querySelector('td:nth-child(2)').classList.toggle('changed', select.value !== item.auto_status));
    return row;
  }));
  const form = $('review');
  form.elements.total.value = card.override_total ?? '';
  form.elements.total_reason.value = card.override_reason || '';
  $('notes').replaceChildren(...(card.notes.length ? card.notes.map((n) => el('li', {},
    el('div', { class: 'muted' }, `${n.author_name} · ${fmt.dateTime(n.created_at)}`), el('div', {}, n.text)))
    : [el('li', { class: 'empty' }, t('qa_review.no_notes'))]));
}

function reviewBody(form) {
  const items = {};
  for (const item of card.items) {
    const status = form.elements[`status-${item.key}`].value;
    const reason = form.elements[`reason-${item.key}`].value.trim();
    if (status !== item.auto_status || reason) {
      if (!reason) throw new Error(t('qa_review.reason_needed', { item: label('qa_review.item_', item.key, item.label) }));
      items[item.key] = { status, reason };
    }
  }
  const body = { items, reviewed: true };
  const total = form.elements.total.value.trim();
  if (total !== '') {
    body.total = Number(total);
    body.reason = form.elements.total_reason.value.trim();
    if (!body.reason) throw new Error(t('qa_review.total_reason_needed'));
  }
  return body;
}

$('review').addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = $('review-result');
  try {
    const body = reviewBody(event.target);
    card = await api(`/api/qa/scorecards/${card.id}/review`, { method: 'PUT', body });
    renderCard();
    result.textContent = t('qa_review.saved');
    result.className = 'ok';
  } catch (error) {
    result.textContent = error.status ? t('common.error_generic') : error.message;
    result.className = 'error';
  }
});

$('note').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = event.target.elements.text.value.trim();
  if (!text) return;
  try {
    await api(`/api/qa/scorecards/${card.id}/notes`, { method: 'POST', body: { text } });
    card = await api(`/api/qa/scorecards/${card.id}`);
    event.target.reset();
    renderCard();
    $('note-result').textContent = t('qa_review.note_added');
  } catch (error) {
    $('note-result').textContent = t('common.error_generic');
  }
});

// --- calibration: each QA reviewer's own sheet; the others' show once one's own is in ------------------
function statusSelect(name, chosen) {
  return el('select', { name, 'aria-label': t('qa_review.result') },
    STATUSES.map((s) => el('option', { value: s, selected: s === chosen }, label('qa_review.status_', s))));
}

function renderCalibration(data) {
  $('calibration-card').hidden = false;
  const status = [t('qa_review.calibration_count', { count: fmt.number(data.reviewers) })];
  if (CALIBRATES && !data.mine && data.reviewers) status.push(t('qa_review.calibration_blind'));
  $('calibration-status').textContent = status.join(' ');
  $('agreement').textContent = data.agreement === null
    ? (data.entries.length ? t('qa_review.agreement_pending') : '')
    : t('qa_review.agreement', { percent: fmt.percent(data.agreement) });
  $('calibration-head').replaceChildren(...(data.entries.length ? [el('th', { scope: 'col' }, t('qa_review.item')),
    ...data.entries.map((e) => el('th', { scope: 'col' }, e.reviewer_name,
      el('div', { class: 'muted' }, t('qa_review.reviewer_total', { total: fmt.number(e.total, { maximumFractionDigits: 1 }) }))))] : []));
  $('calibration-rows').replaceChildren(...(data.entries.length ? card.items.map((item) => el('tr', { 'data-item': item.key },
    el('td', {}, label('qa_review.item_', item.key, item.label)),
    ...data.entries.map((e) => el('td', { class: data.disagreed.includes(item.key) ? 'disagreed' : '' },
      label('qa_review.status_', e.items[item.key]))))) : []));
  if (!CALIBRATES) return;
  $('calibration').hidden = false;
  const own = data.mine ? data.mine.items : {};
  $('calibration-items').replaceChildren(...card.items.map((item) => el('tr', {},
    el('td', {}, label('qa_review.item_', item.key, item.label)),
    el('td', {}, statusSelect(`calibrate-${item.key}`, own[item.key] || item.auto_status)))));
}

async function loadCalibration() {
  try {
    renderCalibration(await api(`/api/qa/scorecards/${card.id}/calibration`));
  } catch (error) {
    $('calibration-status').textContent = t('common.error_generic');
  }
}

$('calibration').addEventListener('submit', async (event) => {
  event.preventDefault();
  const items = Object.fromEntries(card.items.map((item) => [item.key, event.target.elements[`calibrate-${item.key}`].value]));
  try {
    renderCalibration(await api(`/api/qa/scorecards/${card.id}/calibration`, { method: 'PUT', body: { items } }));
    $('calibration-result').textContent = t('qa_review.calibration_saved');
  } catch (error) {
    $('calibration-result').textContent = t('common.error_generic');
  }
});

async function load() {
  try {
    const review = await api(`/api/qa/calls/${encodeURIComponent(callId)}/review`);
    facts(review);
    lines(review);
    alerts(review);
    card = review.scorecard;
    if (card) {
      renderCard();
      loadCalibration();
    } else {
      $('no-scorecard').hidden = false;
    }
    $('review-status').textContent = '';
    $('review-status').hidden = true;
  } catch (error) {
    $('review-status').textContent = error.status === 404 ? t('qa_review.not_found') : t('common.error_generic');
  }
}

load();
