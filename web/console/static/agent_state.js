// My status: available, paused with a reason, wrap-up counting after a call; changes arrive live.
import { ApiError, api, el, fmt, t } from './console.js';
import { commandOutcome, errorText, everySecond, fill, label } from './agent_util.js';

const REASONS = ['lunch', 'training', 'meeting', 'other'];

export class AgentStatus {
  constructor(root, { onCall }) {
    this.root = root;
    this.now = root.querySelector('.state-now');
    this.controls = root.querySelector('.state-controls');
    this.message = root.querySelector('.state-message');
    this.onCall = onCall;
    this.state = null;
    everySecond(() => this.tick());
  }

  async load() {
    try {
      this.set(await api('/api/agents/me'));
    } catch (error) {
      const noAccount = error instanceof ApiError && [404, 409, 422].includes(error.status);
      fill(this.now, el('span', { class: 'muted' }, noAccount ? t('agent.no_sip') : errorText(error)));
    }
  }

  set(state) {
    this.state = state;
    this.root.dataset.status = state.status;
    const since = el('span', { class: 'muted state-since' });
    this.since = since;
    fill(this.now,
      el('span', { class: `state-pill ${state.status}` }, label('state', state.status)),
      since,
      state.status === 'paused' && state.pause_reason
        ? el('span', { class: 'muted' }, t('agent.state_reason', { reason: label('reason', state.pause_reason) }))
        : null);
    this.tick();
    // Redrawn only when the status changes: a repeat keeps the chosen reason and the keyboard focus.
    if (this.controlsFor !== state.status) this.drawControls();
    this.controlsFor = state.status;
    if (state.call_id && ['offered', 'on_call', 'wrap_up'].includes(state.status)) this.onCall(state.call_id);
  }

  tick() {
    if (!this.state || !this.since) return;
    if (!this.state.status_since || this.state.status === 'logged_out') {
      this.since.textContent = '';
      return;
    }
    const seconds = Date.now() / 1000 - this.state.status_since;
    const time = fmt.duration(seconds);
    this.since.textContent = t('agent.state_for', { time });
    this.since.dataset.seconds = String(Math.round(seconds));
  }

  drawControls() {
    const status = this.state.status;
    const parts = [];
    const button = (text, action, extra = {}) => el('button', { type: 'button', class: 'small', ...extra,
      onclick: () => this.command(action) }, text);
    if (status === 'logged_out') parts.push(button(t('agent.login'), 'login'));
    if (['paused', 'wrap_up'].includes(status)) parts.push(button(t('agent.resume'), 'resume'));
    if (['available', 'wrap_up'].includes(status)) {
      const select = el('select', { name: 'reason' },
        REASONS.map((reason) => el('option', { value: reason }, label('reason', reason))));
      this.reason = select;
      parts.push(el('label', {}, t('agent.pause_reason'), select));
      parts.push(button(t('agent.pause'), 'pause', { class: 'small secondary' }));
    }
    if (['available', 'paused', 'wrap_up'].includes(status)) {
      parts.push(button(t('agent.logout'), 'logout', { class: 'small secondary' }));
    }
    fill(this.controls, parts);
  }

  async command(action) {
    const body = action === 'pause' ? { reason: this.reason.value } : undefined;
    this.message.className = 'state-message muted';
    this.message.textContent = t('agent.command_sent');
    try {
      const accepted = await api(`/api/agents/me/${action}`, { method: 'POST', body });
      const outcome = await commandOutcome(api, accepted.command_id);
      if (outcome.outcome === 'refused') this.refused(outcome.reason);
      else if (outcome.outcome === 'applied') this.message.textContent = '';
    } catch (error) {
      this.refused(errorText(error));
    }
  }

  refused(reason) {
    this.message.className = 'state-message error';
    this.message.textContent = t('agent.command_failed', { reason });
  }

  event(type, data) {
    if (type !== 'agent.state_changed') return;
    if (this.state && data.agent_id !== this.state.agent_id) return;
    this.message.textContent = '';
    this.set({
      ...(this.state || {}),
      agent_id: data.agent_id,
      status: data.status,
      pause_reason: data.pause_reason,
      call_id: data.call_id,
      status_since: data.at ? Date.parse(data.at) / 1000 : Date.now() / 1000,
    });
  }

  commandFailed(data) {
    if (!data.call_id) this.refused(data.reason);
  }
}
