// A minimal browser-phone panel for <section id="softphone"> on the agent and supervisor pages:
// connect/disconnect, who is calling, answer, hang up, hold, mute. Everything else about a call
// (transfers, notes) is the page's; it can reach the phone as `softphoneWidget.phone`.
// <section id="softphone" data-auto-answer> answers every call by itself (supervisors' pages).
import { el, fmt, t } from './console.js';
import { Softphone } from './softphone.js';

export const softphoneWidget = { phone: null };

function mount(section) {
  const status = el('p', { class: 'phone-status', role: 'status', 'aria-live': 'polite' }, t('common.phone.status_off'));
  const connect = el('button', { type: 'button', class: 'phone-connect secondary' }, t('common.phone.connect'));
  const buttons = {
    answer: el('button', { type: 'button', class: 'phone-answer primary' }, t('common.phone.answer')),
    hangup: el('button', { type: 'button', class: 'phone-hangup danger' }, t('common.phone.hangup')),
    hold: el('button', { type: 'button', class: 'phone-hold' }, t('common.phone.hold')),
    resume: el('button', { type: 'button', class: 'phone-resume' }, t('common.phone.resume')),
    mute: el('button', { type: 'button', class: 'phone-mute' }, t('common.phone.mute')),
    unmute: el('button', { type: 'button', class: 'phone-unmute' }, t('common.phone.unmute')),
  };
  const controls = el('div', { class: 'phone-controls' }, Object.values(buttons));
  section.replaceChildren(el('h2', { id: 'softphone-heading' }, t('common.phone.heading')), status, connect, controls);

  function show({ registered, call }) {
    connect.textContent = t(registered ? 'common.phone.disconnect' : 'common.phone.connect');
    connect.disabled = false;
    const live = call && call.state !== 'ended' ? call : null;
    const caller = live ? (live.remote ? fmt.phone(live.remote) : t('common.phone.unknown_caller')) : '';
    if (!live) status.textContent = t(registered ? 'common.phone.status_ready' : 'common.phone.status_off');
    else {
      const line = { ringing: 'common.phone.ringing', active: 'common.phone.active', held: 'common.phone.held' }[live.state];
      status.textContent = t(line, { caller }) + (live.muted ? ' ' + t('common.phone.muted') : '');
    }
    const state = live ? live.state : null;
    buttons.answer.hidden = state !== 'ringing';
    buttons.hangup.hidden = !state;
    buttons.hold.hidden = state !== 'active';
    buttons.resume.hidden = state !== 'held';
    buttons.mute.hidden = !live || state === 'ringing' || live.muted;
    buttons.unmute.hidden = !live || !live.muted;
    section.dataset.state = state || (registered ? 'ready' : 'off');
  }
  show({ registered: false, call: null });

  const act = (name) => async () => {
    try { await softphoneWidget.phone[name](); } catch (error) { status.textContent = String(error.message || error); }
  };
  buttons.answer.addEventListener('click', act('answer'));
  buttons.hangup.addEventListener('click', act('hangup'));
  buttons.hold.addEventListener('click', act('hold'));
  buttons.resume.addEventListener('click', act('unhold'));
  buttons.mute.addEventListener('click', act('mute'));
  buttons.unmute.addEventListener('click', act('unmute'));
  connect.addEventListener('click', async () => {
    if (softphoneWidget.phone) {
      softphoneWidget.phone.disconnect();
      softphoneWidget.phone = null;
      show({ registered: false, call: null });
      return;
    }
    connect.disabled = true;
    status.textContent = t('common.phone.status_connecting');
    try {
      const phone = await Softphone.connect();
      // A supervisor's phone rings only when they listen, whisper or barge: it answers by itself.
      phone.autoAnswer = 'autoAnswer' in section.dataset;
      phone.addEventListener('state', (event) => show(event.detail));
      softphoneWidget.phone = phone;
      show({ registered: phone.registered, call: phone.call });
    } catch (error) {
      connect.disabled = false;
      status.textContent = t('common.phone.status_failed', { reason: error.message || String(error) });
    }
  });
  window.addEventListener('pagehide', () => { if (softphoneWidget.phone) softphoneWidget.phone.disconnect(); });
}

const section = document.getElementById('softphone');
if (section) mount(section);
