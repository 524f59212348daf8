// The agent desk: status, the live call (pop, transcript, QA, ticket), the inbox and the knowledge base.
// Everything is drawn with el() (text nodes only) and kept current by the live feed, never a reload.
import { boot, liveFeed, t } from './console.js';
import { AgentStatus } from './agent_state.js';
import { CallDesk } from './agent_call.js';
import { CustomerCard, KnowledgeBase } from './agent_customer.js';
import { Inbox } from './agent_inbox.js';

const $ = (selector) => document.querySelector(selector);

const tabs = {
  call: { tab: $('#tab-call'), panel: $('#call-panel') },
  conversation: { tab: $('#tab-conversation'), panel: $('#thread') },
};
function showTab(name) {
  for (const [key, { tab, panel }] of Object.entries(tabs)) {
    tab.setAttribute('aria-selected', String(key === name));
    tab.tabIndex = key === name ? 0 : -1;
    panel.hidden = key !== name;
  }
}
for (const [name, { tab }] of Object.entries(tabs)) {
  tab.addEventListener('click', () => showTab(name));
  tab.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const next = name === 'call' ? 'conversation' : 'call';
    showTab(next);
    tabs[next].tab.focus();
  });
}
showTab('conversation');

const customer = new CustomerCard($('#customer'), { openConversation: (id) => inbox.open(id) });
const kb = new KnowledgeBase($('#kb'));
const inbox = new Inbox($('#inbox'), $('#thread'), {
  onOpen: (thread) => {
    showTab('conversation');
    if (!calls.active()) customer.show(thread.customer_id);
  },
  onCustomer: (customerId) => customer.show(customerId),
});
const calls = new CallDesk($('#call-panel'), $('#assist'), {
  onPop: (call) => {
    showTab('call');
    tabs.call.tab.classList.toggle('ringing', ['offering', 'ringing', 'queued'].includes(call.state));
    customer.show(call.customer_id, call).then((view) => {
      if (view) calls.knownAs(call.call_id, view.customer.display_name);
    });
  },
  onTicket: (call) => customer.show(call.customer_id, call),
  onState: (call) => {
    tabs.call.tab.classList.toggle('ringing', ['offering', 'ringing', 'queued'].includes(call.state));
  },
  kb,
});
const status = new AgentStatus($('#agent-state'), { onCall: (callId) => calls.popById(callId) });

const liveDot = $('#agent-state .live-dot');
liveFeed((envelope) => {
  const { type, data } = envelope;
  if (type === 'subscribed') document.body.dataset.feed = 'subscribed';  // events from now on arrive
  if (type.startsWith('agent.')) status.event(type, data);
  if (type === 'call.command_failed') status.commandFailed(data);
  if (type.startsWith('call.') || type.startsWith('transcript.') || type.startsWith('qa.')) calls.event(type, data);
}, {
  onState: (state) => {
    liveDot.className = `live-dot ${state}`;
    liveDot.textContent = state === 'open' ? t('agent.live_connected') : t('agent.live_reconnecting');
    document.body.dataset.live = state;
    if (state !== 'open') delete document.body.dataset.feed;
  },
});

status.load();
calls.load();
inbox.load();

// The browser softphone (another module) draws itself into #softphone; without it, desk phones.
const phone = $('#softphone');
import('./softphone_widget.js')
  .then((module) => {
    const mount = module.mountSoftphone || module.mount || module.default;
    if (typeof mount === 'function') mount(phone, { boot });
  })
  .catch(() => { phone.querySelector('.softphone-missing').hidden = false; });
