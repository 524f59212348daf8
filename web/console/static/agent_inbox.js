// The unified inbox: web chat, e-mail, SMS and messaging threads, the open thread and its reply box.
// A reply is checked by the compliance rules on the server: a "block" rule refuses it (422, the rule
// named), a "warn" rule holds it (409) until the agent explicitly sends it anyway.
import { ApiError, api, el, fmt, t } from './console.js';
import { errorText, fill, label, when } from './agent_util.js';

const REFRESH_LIST_MS = 15000;
const REFRESH_THREAD_MS = 4000;

export class Inbox {
  constructor(listRoot, threadRoot, { onOpen, onCustomer }) {
    this.onCustomer = onCustomer;
    this.list = listRoot.querySelector('.inbox-list');
    this.channel = listRoot.querySelector('.inbox-channel');
    this.thread = threadRoot;
    this.onOpen = onOpen;
    this.threads = [];
    this.openId = null;
    this.lastId = 0;
    this.channel.addEventListener('change', () => this.load());
    setInterval(() => this.load(), REFRESH_LIST_MS);
    setInterval(() => this.more(), REFRESH_THREAD_MS);
  }

  async load() {
    const channel = this.channel.value ? `?channel=${encodeURIComponent(this.channel.value)}` : '';
    try {
      this.threads = await api(`/api/inbox${channel}`);
      this.drawList();
    } catch (error) {
      fill(this.list, el('li', { class: 'error' }, errorText(error)));
    }
  }

  drawList() {
    if (!this.threads.length) {
      fill(this.list, el('li', { class: 'empty' }, t('agent.inbox_empty')));
      return;
    }
    fill(this.list, this.threads.map((thread) => el('li', {},
      el('button', { type: 'button', class: 'inbox-item', 'data-id': thread.id,
        'aria-current': thread.id === this.openId ? 'true' : null, onclick: () => this.open(thread.id) },
        el('span', { class: 'inbox-top' },
          el('span', { class: 'channel' }, label('channel', thread.channel)),
          el('span', { class: 'inbox-name' }, thread.customer_name || thread.subject || `#${thread.id}`),
          thread.unread && thread.id !== this.openId ? el('span', { class: 'unread' }, t('agent.unread', { count: fmt.number(thread.unread) })) : null,
          el('span', { class: 'inbox-time' }, when(thread.last_message_at))),
        el('span', { class: 'inbox-preview' }, thread.preview)))));
  }

  async open(conversationId) {
    if (this.fetching) await this.fetching;  // an older thread's fetch ends before this one starts
    this.openId = conversationId;
    this.lastId = 0;
    let thread = this.threads.find((x) => x.id === conversationId);
    if (!thread) {
      await this.load();
      thread = this.threads.find((x) => x.id === conversationId)
        || { id: conversationId, channel: '', subject: '', customer_name: '', customer_id: null };
    }
    this.current = thread;
    this.drawList();
    this.messages = el('ol', { class: 'messages', 'aria-label': t('agent.conversation'), 'aria-live': 'polite' });
    this.drawThread(thread);
    this.onOpen(thread);
    await this.more();
  }

  drawThread(thread) {
    const body = el('textarea', { name: 'reply', maxlength: '20000', placeholder: t('agent.reply_placeholder'), required: true });
    const finding = el('div', { class: 'finding-box', role: 'alert' });
    const send = el('button', { type: 'submit' }, t('agent.send'));
    const form = el('form', { class: 'reply-form' },
      el('label', { class: 'sr-only', for: 'reply-body' }, t('agent.reply')),
      finding,
      body,
      el('div', { class: 'reply-actions' }, send));
    body.id = 'reply-body';
    body.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) form.requestSubmit();
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.reply(body, finding, send, false);
    });
    this.replyBox = body;
    fill(this.thread,
      el('div', { class: 'thread-head' },
        el('strong', {}, thread.customer_name || `#${thread.id}`),
        thread.channel ? el('span', { class: 'channel' }, label('channel', thread.channel)) : null,
        thread.subject && thread.subject.toLowerCase() !== label('channel', thread.channel).toLowerCase()
          && thread.subject.toLowerCase() !== 'web chat' ? el('span', { class: 'muted' }, thread.subject) : null,
        thread.customer_id ? el('button', { type: 'button', class: 'small secondary push open-customer',
          onclick: () => this.onCustomer(thread.customer_id) }, t('agent.customer_open')) : null),
      this.messages,
      form);
  }

  // One fetch at a time (the timer and a sent reply both ask), and never a message twice.
  more() {
    if (!this.fetching) this.fetching = this.fetchMore().finally(() => { this.fetching = null; });
    return this.fetching;
  }

  async fetchMore() {
    if (this.openId === null || !this.messages) return;
    const id = this.openId;
    try {
      const fresh = (await api(`/api/conversations/${id}/messages?after_id=${this.lastId}`))
        .filter((m) => m.id > this.lastId);
      if (id !== this.openId || !fresh.length) return;
      for (const message of fresh) this.messages.append(messageItem(message));
      this.lastId = fresh[fresh.length - 1].id;
      this.messages.scrollTop = this.messages.scrollHeight;
      const inbound = fresh.filter((m) => m.direction === 'inbound' && !m.read_at);
      if (inbound.length) {
        api(`/api/conversations/${id}/read`, { method: 'POST', body: { up_to_message_id: inbound[inbound.length - 1].id } })
          .catch(() => {});
      }
    } catch (error) {
      if (this.lastId === 0) this.messages.append(el('li', { class: 'error' }, errorText(error)));
    }
  }

  async reply(body, finding, send, acknowledged) {
    const text = body.value.trim();
    if (!text) return;
    send.disabled = true;
    send.textContent = t('agent.sending');
    try {
      await api(`/api/conversations/${this.openId}/replies`, { method: 'POST',
        body: acknowledged ? { body: text, acknowledge_alerts: true } : { body: text } });
      body.value = '';
      fill(finding);
      await this.more();
      this.load();
    } catch (error) {
      this.refusal(error, body, finding, send);
      if (error instanceof ApiError && error.status === 502) await this.more();
    } finally {
      send.disabled = false;
      send.textContent = t('agent.send');
    }
  }

  refusal(error, body, finding, send) {
    const detail = error instanceof ApiError ? error.detail : null;
    const rules = detail && Array.isArray(detail.rules) ? detail.rules.join(', ') : '';
    const evidence = detail && Array.isArray(detail.findings)
      ? detail.findings.map((f) => el('div', { class: 'muted' }, `${f.rule_id} (${label('severity', f.severity)})`)) : [];
    if (error instanceof ApiError && error.status === 422 && rules) {
      fill(finding, el('div', { class: 'finding block', 'data-rules': rules },
        el('strong', {}, t('agent.reply_blocked', { rules })), evidence));
    } else if (error instanceof ApiError && error.status === 409 && rules) {
      const anyway = el('button', { type: 'button', class: 'small danger',
        onclick: () => this.reply(body, finding, send, true) }, t('agent.send_anyway'));
      const cancel = el('button', { type: 'button', class: 'small secondary',
        onclick: () => { fill(finding); body.focus(); } }, t('agent.cancel'));
      fill(finding, el('div', { class: 'finding warn', 'data-rules': rules },
        el('strong', {}, t('agent.reply_warned', { rules })), evidence,
        el('div', { class: 'actions' }, anyway, cancel)));
      anyway.focus();
    } else if (error instanceof ApiError && error.status === 502) {
      fill(finding, el('div', { class: 'finding block' }, t('agent.reply_failed')));
    } else {
      fill(finding, el('div', { class: 'finding block' }, t('agent.error', { message: errorText(error) })));
    }
  }
}

function messageItem(message) {
  const direction = message.direction === 'outbound' ? 'outbound' : message.direction === 'internal' ? 'internal' : 'inbound';
  return el('li', { class: `msg ${direction}`, 'data-id': message.id },
    el('span', { class: 'msg-meta' },
      `${message.author_name || label('author', message.author_kind)} · ${when(message.sent_at)}`,
      message.delivery === 'failed' ? ` · ${t('agent.delivery_failed')}` : ''),
    message.body);
}
