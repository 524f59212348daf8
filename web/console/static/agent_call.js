// The live call: the screen pop, hold and hang-up, both legs' transcript, compliance alerts as they
// fire, assist cards (knowledge-base answers and suggested actions) and the call's ticket and wrap-up.
import { ApiError, api, el, fmt, t } from './console.js';
import { errorText, everySecond, fill, label } from './agent_util.js';

const OVER = ['ended', 'abandoned'];
const DISPOSITIONS = ['resolved', 'follow_up', 'callback', 'escalated', 'wrong_number'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];

export class CallDesk {
  constructor(panel, assist, { onPop, onState, onTicket, kb }) {
    this.onTicket = onTicket;
    this.panel = panel;
    this.empty = panel.querySelector('.no-call');
    this.box = panel.querySelector('.call');
    this.assist = assist;
    this.assistBody = assist.querySelector('.assist-body');
    this.onPop = onPop;
    this.onState = onState;
    this.kb = kb;
    this.call = null;
    this.pending = [];  // transcript and QA events that came before the call's pop was drawn
    everySecond(() => this.tick());
  }

  // The screen pop names the customer once the customer card has loaded them.
  knownAs(callId, name) {
    if (!this.call || this.call.call_id !== callId || !name) return;
    this.call.customer_name = name;
    this.drawHead();
  }

  active() { return this.call !== null && !OVER.includes(this.call.state); }

  async load() {
    try {
      const live = await api('/api/calls/live');
      const mine = live.find((call) => !OVER.includes(call.state));
      if (mine && !this.call) this.pop(mine);
    } catch { /* no phone account: no calls */ }
  }

  async popById(callId) {
    if (this.call && this.call.call_id === callId) return;
    try {
      this.pop(await api(`/api/calls/live/${encodeURIComponent(callId)}`));
    } catch {
      this.pop({ call_id: callId, state: 'offering', caller_number: '', caller_name: '', customer_id: null,
        ivr_path: [], ivr_choice: '' });
    }
  }

  pop(call) {
    const same = this.call && this.call.call_id === call.call_id;
    this.call = { ...(same ? this.call : {}), ...call };
    if (!same) {
      this.ticket = null;
      this.conversationId = null;
      this.draw();
      this.onPop(this.call);
      this.loadConversation();
      const early = this.pending.filter((e) => e.data.call_id === call.call_id);
      this.pending = [];
      early.forEach((e) => this.event(e.type, e.data));
    } else {
      // The event's pop came first (no IVR yet): the fetched call adds the IVR path and choice.
      this.drawHead();
      this.drawIvr();
      this.onState(this.call);
    }
  }

  event(type, data) {
    if (type === 'call.state_changed') return this.stateChanged(data);
    if (type === 'call.ended') return this.ended(data);
    if (type === 'call.offer_missed') return this.stateChanged({ ...data, state: 'abandoned' });
    if (type === 'call.command_failed') return this.note(t('agent.command_failed', { reason: data.reason }), 'error');
    if (!this.call || data.call_id !== this.call.call_id) {
      if (data.call_id) this.pending.push({ type, data });
      if (this.pending.length > 200) this.pending.shift();
      return undefined;
    }
    if (type === 'transcript.partial') return this.partial(data);
    if (type === 'transcript.final') return this.final(data);
    if (type === 'qa.alert') return this.alert(data);
    if (type === 'qa.requirement_met') return this.met(data);
    if (type === 'qa.suggestion') return this.suggestion(data);
    return undefined;
  }

  async stateChanged(data) {
    if (this.call && this.call.call_id === data.call_id) {
      this.call.state = data.state;
      if (data.state === 'connected' && !this.call.answered_at) this.call.answered_at = Date.now() / 1000;
      this.drawHead();
      this.onState(this.call);
      return;
    }
    if (OVER.includes(data.state) || (this.call && this.active())) return;
    // Pop at once with what the event says (the customer's name included), then add the IVR path.
    this.pop({ call_id: data.call_id, state: data.state, caller_number: data.caller_number || '',
      caller_name: '', customer_id: data.customer_id, customer_name: data.customer_name || '',
      ivr_path: [], ivr_choice: '', queue_id: data.queue_id });
    try {
      const live = await api(`/api/calls/live/${encodeURIComponent(data.call_id)}`);
      if (this.call && this.call.call_id === data.call_id) this.pop({ ...live, state: this.call.state });
    } catch { /* the pop keeps what the event said */ }
  }

  ended(data) {
    if (!this.call || this.call.call_id !== data.call_id) return;
    if (!OVER.includes(this.call.state)) this.call.state = 'ended';
    this.call.disposition_auto = data.disposition;
    this.drawHead();
    this.onState(this.call);
  }

  // --- drawing
  draw() {
    this.empty.hidden = true;
    this.box.hidden = false;
    this.box.dataset.callId = this.call.call_id;  // which call the panel shows (tests and benches read it)
    this.head = el('div', { class: 'call-head' });
    this.ivr = el('div', { class: 'ivr' });
    this.lines = el('ol', { class: 'transcript', 'aria-label': t('agent.transcript'), 'aria-live': 'off' },
      el('li', { class: 'empty transcript-empty' }, t('agent.transcript_empty')));
    this.partials = {};
    this.alerts = el('ul', { class: 'alerts', 'aria-live': 'assertive' });
    this.alertsEmpty = el('p', { class: 'empty' }, t('agent.alerts_empty'));
    this.message = el('p', { class: 'form-note', role: 'status' });
    this.ticketBox = el('div', { class: 'ticket-form' });
    fill(this.box,
      this.head,
      this.ivr,
      el('div', { class: 'call-grid' },
        el('div', { class: 'call-main' },
          el('h3', {}, t('agent.transcript')), this.lines),
        el('div', { class: 'call-side' },
          el('section', { class: 'call-alerts', 'aria-label': t('agent.alerts') },
            el('h3', {}, t('agent.alerts')), this.alertsEmpty, this.alerts),
          el('section', { 'aria-label': t('agent.ticket_heading') },
            el('h3', {}, t('agent.ticket_heading')), this.ticketBox),
          this.message)));
    this.drawHead();
    this.drawIvr();
    this.drawTicket();
    this.assist.hidden = false;
    fill(this.assistBody, el('p', { class: 'empty' }, t('agent.assist_empty')));
  }

  drawHead() {
    if (!this.head) return;
    const call = this.call;
    const who = call.customer_name || call.caller_name || (call.caller_number ? fmt.phone(call.caller_number) : t('agent.customer_unknown'));
    const canHold = call.state === 'connected';
    const canResume = call.state === 'on_hold';
    const canHang = !OVER.includes(call.state) && call.state !== 'wrap_up';
    this.duration = el('span', { class: 'muted call-duration' });
    fill(this.head,
      el('div', {},
        el('div', { class: 'call-who' }, who),
        el('div', { class: 'call-phone' },
          (call.customer_name || call.caller_name) && call.caller_number ? `${fmt.phone(call.caller_number)} · ` : '',
          call.queue_id ? t('agent.queue', { queue: call.queue_id }) : '')),
      el('span', { class: `badge call-state ${OVER.includes(call.state) ? 'bad' : 'ok'}` },
        label('call', call.state)),
      this.duration,
      el('div', { class: 'call-controls' },
        canHold ? el('button', { type: 'button', class: 'small secondary', onclick: () => this.act('hold') }, t('agent.hold')) : null,
        canResume ? el('button', { type: 'button', class: 'small', onclick: () => this.act('resume') }, t('agent.unhold')) : null,
        canHang ? el('button', { type: 'button', class: 'small danger', onclick: () => this.act('hang-up') }, t('agent.hang_up')) : null),
      this.transferControls(call));
    this.tick();
  }

  // Blind transfer to a queue, or a warm one to an agent (consult first, then complete or cancel).
  transferControls(call) {
    if (call.state === 'transferring') {
      return el('div', { class: 'call-controls transfer' },
        el('span', { class: 'muted' }, t('agent.transfer_consulting', { agent: call.consult_agent_id || '' })),
        el('button', { type: 'button', class: 'small', onclick: () => this.act('transfer/warm/complete') }, t('agent.transfer_complete')),
        el('button', { type: 'button', class: 'small secondary', onclick: () => this.act('transfer/warm/cancel') }, t('agent.transfer_cancel')));
    }
    if (!['connected', 'on_hold'].includes(call.state)) return null;
    const mode = el('select', { 'aria-label': t('agent.transfer_mode') },
      el('option', { value: 'blind' }, t('agent.transfer_blind')),
      el('option', { value: 'warm' }, t('agent.transfer_warm')));
    const target = el('input', { required: true, maxlength: 64, pattern: '[A-Za-z0-9_.\\-]+', 'aria-label': t('agent.transfer_target'),
      placeholder: t('agent.transfer_target_queue') });
    mode.addEventListener('change', () => {
      target.placeholder = t(mode.value === 'blind' ? 'agent.transfer_target_queue' : 'agent.transfer_target_agent');
    });
    const form = el('form', { class: 'call-controls transfer' }, mode, target,
      el('button', { type: 'submit', class: 'small secondary' }, t('agent.transfer')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = mode.value === 'blind' ? { queue_id: target.value.trim() } : { target_agent_id: target.value.trim() };
      try {
        await api(`/api/calls/${encodeURIComponent(call.call_id)}/transfer/${mode.value}`, { method: 'POST', body });
        this.note(t('agent.command_sent'));
      } catch (error) {
        this.note(t('agent.command_failed', { reason: errorText(error) }), 'error');
      }
    });
    return form;
  }

  tick() {
    if (!this.duration || !this.call || !this.call.answered_at || OVER.includes(this.call.state)) return;
    this.duration.textContent = t('agent.call_duration', { time: fmt.duration(Date.now() / 1000 - this.call.answered_at) });
  }

  drawIvr() {
    const { ivr_path: path = [], ivr_choice: choice = '' } = this.call;
    if (!path.length && !choice) {
      fill(this.ivr, el('span', { class: 'muted' }, t('agent.ivr_none')));
      return;
    }
    fill(this.ivr,
      el('strong', {}, `${t('agent.ivr_path')}: `),
      el('ol', {}, path.map((step) => el('li', {}, step))),
      choice ? el('div', {}, el('strong', {}, `${t('agent.ivr_said')}: `), el('q', { class: 'ivr-said' }, choice)) : null);
  }

  note(text, kind = 'muted') {
    if (!this.message) return;
    this.message.className = `form-note ${kind}`;
    this.message.textContent = text;
  }

  async act(action) {
    try {
      await api(`/api/calls/${encodeURIComponent(this.call.call_id)}/${action}`, { method: 'POST' });
      this.note(t('agent.command_sent'));
    } catch (error) {
      this.note(t('agent.command_failed', { reason: errorText(error) }), 'error');
    }
  }

  // --- transcript: a partial per leg, replaced by its final
  lineFor(leg, text, partial) {
    return el('li', { class: `line ${leg === 'agent' ? 'agent' : 'caller'}${partial ? ' partial' : ''}`, 'data-leg': leg },
      el('span', { class: 'speaker' }, label('leg', leg)), el('span', { class: 'text' }, text));
  }

  clearEmpty() {
    const empty = this.lines.querySelector('.transcript-empty');
    if (empty) empty.remove();
  }

  scrollDown() {
    this.lines.scrollTop = this.lines.scrollHeight;
  }

  partial(data) {
    this.clearEmpty();
    const existing = this.partials[data.leg];
    const line = this.lineFor(data.leg, data.text, true);
    if (existing) existing.replaceWith(line);
    else this.lines.append(line);
    this.partials[data.leg] = line;
    this.scrollDown();
  }

  final(data) {
    this.clearEmpty();
    const line = this.lineFor(data.leg, data.text, false);
    line.dataset.start = String(data.start);
    const existing = this.partials[data.leg];
    delete this.partials[data.leg];
    if (existing) existing.replaceWith(line);
    else {
      // In the order said: a final can arrive after a later one of the other leg.
      const later = [...this.lines.querySelectorAll('li[data-start]')].find((li) => Number(li.dataset.start) > data.start);
      if (later) later.before(line); else this.lines.append(line);
    }
    this.scrollDown();
  }

  // --- compliance
  alert(data) {
    this.alertsEmpty.hidden = true;
    const text = data.kind === 'missing_disclosure'
      ? t('agent.alert_missing', { rule: data.rule })
      : t('agent.alert_forbidden', { rule: data.rule, leg: label('leg', data.leg) });
    this.alerts.prepend(el('li', { class: data.kind, 'data-rule': data.rule },
      el('strong', {}, text), ' ', el('span', { class: 'badge bad' }, label('severity', data.severity)),
      data.text ? el('span', { class: 'evidence' }, `“${data.text}”`) : null));
  }

  met(data) {
    this.alertsEmpty.hidden = true;
    for (const old of this.alerts.querySelectorAll(`li.missing_disclosure[data-rule="${CSS.escape(data.rule)}"]`)) old.remove();
    this.alerts.append(el('li', { class: 'met', 'data-rule': data.rule }, el('strong', {}, t('agent.requirement_met', { rule: data.rule }))));
  }

  // --- assist
  suggestion(data) {
    const cards = (data.suggestions || []).map((s) => el('div', { class: 'assist-card' },
      el('strong', {}, s.title || ''),
      el('p', {}, s.snippet || ''),
      el('div', { class: 'row' },
        el('span', { class: 'source' }, s.source ? String(s.source) : t('agent.source', { id: s.article })),
        s.article ? el('button', { type: 'button', class: 'small secondary push', onclick: () => this.kb.openArticle(s.article) }, t('agent.open_article')) : null)));
    const actions = (data.actions || []).map((a) => el('button', { type: 'button', class: 'small', 'data-action': a.action,
      onclick: (event) => this.runAction(a, event.currentTarget) }, actionLabel(a)));
    fill(this.assistBody,
      data.for_text ? el('p', { class: 'muted' }, t('agent.assist_for', { text: data.for_text })) : null,
      cards,
      actions.length ? el('h3', {}, t('agent.suggested_actions')) : null,
      actions.length ? el('div', { class: 'assist-actions' }, actions) : null,
      this.orderBox = el('div', { class: 'order-box' }));
  }

  async runAction(action, button) {
    const [verb, arg] = action.action.split(':');
    try {
      if (verb === 'order.lookup') return this.orderLookup();
      if (verb === 'ticket.escalate' && this.ticket) {
        this.ticket = await api(`/api/tickets/${this.ticket.id}`, { method: 'PATCH', body: { priority: 'urgent' } });
      } else {
        const tags = [arg || action.intent].filter(Boolean).map((tag) => tag.replace(/[^a-z0-9_-]/g, '_'));
        await this.saveTicket({ subject: actionLabel(action), tags, priority: verb === 'ticket.escalate' ? 'high' : 'normal' });
      }
      button.disabled = true;
      this.drawTicket();
      this.note(t('agent.action_done', { what: actionLabel(action) }), 'ok');
    } catch (error) {
      this.note(errorText(error), 'error');
    }
    return undefined;
  }

  orderLookup() {
    const input = el('input', { name: 'order', maxlength: '64', required: true });
    const result = el('p', { class: 'form-note', role: 'status' });
    const form = el('form', { class: 'row' },
      el('label', { class: 'grow' }, t('agent.order_number'), input),
      el('button', { type: 'submit', class: 'small' }, t('agent.order_find')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const order = await api(`/api/orders/${encodeURIComponent(input.value.trim())}`);
        result.textContent = t('agent.order_line', { number: order.order_number, status: order.status,
          carrier: order.carrier, tracking: order.tracking_number,
          eta: order.estimated_delivery ? fmt.dateTime(order.estimated_delivery).split(',')[0] : '—' });
      } catch (error) {
        result.textContent = error instanceof ApiError && error.status === 404
          ? t('agent.order_not_found', { number: input.value.trim() }) : errorText(error);
      }
    });
    fill(this.orderBox, form, result);
    input.focus();
  }

  // --- the call's ticket and disposition
  async loadConversation() {
    const callId = this.call.call_id;
    try {
      const summary = await api(`/api/calls/${encodeURIComponent(callId)}/conversation`);
      if (!this.call || this.call.call_id !== callId) return;
      this.conversationId = summary.id;
      if (summary.call) {
        this.call.ivr_path = this.call.ivr_path && this.call.ivr_path.length ? this.call.ivr_path : summary.call.ivr_path;
        this.call.ivr_choice = this.call.ivr_choice || summary.call.ivr_choice || '';
        this.drawIvr();
      }
      if (summary.ticket_ids.length) this.ticket = await api(`/api/tickets/${summary.ticket_ids[0]}`);
      this.drawTicket();
    } catch { /* the call's conversation is written when call control records it */ }
  }

  async saveTicket(changes) {
    if (this.ticket) {
      this.ticket = await api(`/api/tickets/${this.ticket.id}`, { method: 'PATCH', body: changes });
      return this.ticket;
    }
    const customerId = Number.parseInt(this.call.customer_id, 10);
    const body = {
      subject: changes.subject || t('agent.call_incoming'),
      description: changes.description || '',
      priority: changes.priority || 'normal',
      channel: 'voice',
      tags: changes.tags || [],
      customer_id: Number.isFinite(customerId) && customerId > 0 ? customerId : null,
      conversation_id: this.conversationId,
    };
    this.ticket = await api('/api/tickets', { method: 'POST', body });
    this.onTicket(this.call);
    return this.ticket;
  }

  drawTicket() {
    const ticket = this.ticket;
    const number = this.call.caller_number ? fmt.phone(this.call.caller_number) : t('agent.customer_unknown');
    const subject = el('input', { name: 'subject', maxlength: '300', required: true,
      value: ticket ? ticket.subject : `${t('agent.call_incoming')}: ${number}` });
    const notes = el('textarea', { name: 'description', maxlength: '20000' });
    notes.value = ticket ? ticket.description : '';
    const priority = el('select', { name: 'priority' },
      PRIORITIES.map((p) => el('option', { value: p, selected: (ticket ? ticket.priority : 'normal') === p }, label('priority', p))));
    const form = el('form', {},
      ticket ? el('p', { class: 'muted ticket-current' }, t('agent.ticket_current', { id: ticket.id, status: label('status', ticket.status) })) : null,
      el('label', {}, t('agent.ticket_subject'), subject),
      el('label', {}, t('agent.ticket_description'), notes),
      el('label', {}, t('agent.ticket_priority'), priority),
      el('button', { type: 'submit', class: 'small' }, ticket ? t('agent.ticket_update') : t('agent.ticket_create')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const saved = await this.saveTicket({ subject: subject.value, description: notes.value, priority: priority.value });
        this.drawTicket();
        this.note(t('agent.ticket_saved', { id: saved.id }), 'ok');
      } catch (error) {
        this.note(errorText(error), 'error');
      }
    });
    const code = el('select', { name: 'disposition' }, DISPOSITIONS.map((d) => el('option', { value: d }, label('disposition', d))));
    code.id = 'call-disposition';
    const disposition = el('form', { class: 'disposition-form' },
      el('label', { for: 'call-disposition' }, t('agent.disposition')),
      el('div', { class: 'row' }, code,
        el('button', { type: 'submit', class: 'small secondary' }, t('agent.disposition_save'))));
    disposition.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const done = await api(`/api/calls/${encodeURIComponent(this.call.call_id)}/disposition`,
          { method: 'PUT', body: { disposition: code.value } });
        if (done.ticket_id) this.ticket = await api(`/api/tickets/${done.ticket_id}`);
        this.drawTicket();
        this.note(t('agent.disposition_saved'), 'ok');
      } catch (error) {
        this.note(error instanceof ApiError && error.status === 404 ? t('agent.disposition_later') : errorText(error), 'error');
      }
    });
    fill(this.ticketBox, form, disposition);
  }
}

function actionLabel(action) {
  const known = {
    'ticket.create:refund': 'action_ticket_refund',
    'ticket.create:billing': 'action_ticket_billing',
    'order.lookup': 'action_order_lookup',
    'ticket.escalate': 'action_escalate',
  }[action.action];
  return known ? t(`agent.${known}`) : t('agent.action_other', { label: action.label || action.intent });
}
