// The customer beside the call or conversation (identities, history, tickets, orders, devices) and the
// knowledge-base search.
import { api, el, fmt, t } from './console.js';
import { errorText, fill, label } from './agent_util.js';

const TEXT_CHANNELS = ['webchat', 'email', 'sms', 'wechat'];

function identityText(identity) {
  return identity.kind === 'phone' ? fmt.phone(identity.value) : identity.value;
}

function section(title, items, draw) {
  return [el('h3', {}, title),
    items.length ? el('ul', { class: 'kv' }, items.map((item) => el('li', {}, draw(item))))
      : el('p', { class: 'empty' }, t('agent.none'))];
}

export class CustomerCard {
  constructor(root, { openConversation }) {
    this.root = root;
    this.body = root.querySelector('.customer-body');
    this.openConversation = openConversation;
    this.shown = null;
  }

  async show(customerId, call = null) {
    const id = Number.parseInt(customerId, 10);
    if (!Number.isFinite(id) || id < 1) {
      this.shown = null;
      delete this.root.dataset.customerId;
      fill(this.body,
        el('div', { class: 'customer-name' }, call && call.caller_name ? call.caller_name : t('agent.customer_unknown')),
        call && call.caller_number ? el('div', { class: 'muted' }, fmt.phone(call.caller_number)) : null);
      return null;
    }
    this.shown = id;
    try {
      const view = await api(`/api/customers/${id}`);
      if (this.shown === id) this.draw(view);
      return view;
    } catch (error) {
      fill(this.body, el('p', { class: 'error' }, errorText(error)));
      return null;
    }
  }

  draw(view) {
    const { customer } = view;
    const name = customer.display_name
      || (view.identities.find((i) => i.kind === 'phone') ? identityText(view.identities.find((i) => i.kind === 'phone')) : '')
      || t('agent.customer_unknown');
    this.root.dataset.customerId = String(customer.id);
    fill(this.body,
      el('div', { class: 'customer-name' }, name),
      el('div', { class: 'muted' }, t('agent.segment', { segment: label('tier', customer.segment) })),
      section(t('agent.identities'), view.identities, (i) => [
        el('span', { class: 'sub' }, `${label('identity', i.kind)} `), identityText(i)]),
      section(t('agent.history'), [...view.conversations, ...view.calls].sort((a, b) => (a.last_message_at < b.last_message_at ? 1 : -1)).slice(0, 8),
        (c) => [
          el('span', { class: 'channel' }, label('channel', c.channel)), ' ',
          TEXT_CHANNELS.includes(c.channel)
            ? el('button', { type: 'button', class: 'linkish', onclick: () => this.openConversation(c.id) },
              c.subject && c.subject.toLowerCase() !== 'web chat' ? c.subject : `#${c.id}`)
            : el('span', {}, c.call ? (c.call.ivr_choice || fmt.phone(c.call.caller_number) || c.subject) : c.subject),
          el('span', { class: 'sub' }, ` · ${fmt.dateTime(c.last_message_at)}`)]),
      section(t('agent.tickets'), view.tickets, (tk) => [
        el('strong', {}, `#${tk.id} `), tk.subject || '', el('span', { class: 'sub' }, ` · ${label('status', tk.status || '')}`)]),
      section(t('agent.orders'), view.orders, (o) => [
        el('strong', {}, `${o.order_number} `), o.status,
        el('span', { class: 'sub' }, ` · ${o.carrier} ${o.tracking_number}`)]),
      section(t('agent.devices'), view.devices, (d) => d));
  }
}

export class KnowledgeBase {
  constructor(root) {
    this.root = root;
    this.form = root.querySelector('.kb-form');
    this.results = root.querySelector('.kb-results');
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.search(this.form.elements.q.value.trim());
    });
  }

  async search(q) {
    if (!q) return;
    try {
      const page = await api(`/api/kb/search?q=${encodeURIComponent(q)}&limit=8`);
      fill(this.results, page.items.length
        ? el('ul', {}, page.items.map((hit) => el('li', {},
          el('button', { type: 'button', class: 'linkish', onclick: () => this.openArticle(hit.id) }, hit.title),
          el('div', { class: 'snippet' }, hit.snippet))))
        : el('p', { class: 'empty' }, t('agent.kb_empty')));
    } catch (error) {
      fill(this.results, el('p', { class: 'error' }, errorText(error)));
    }
  }

  async openArticle(id) {
    try {
      const article = await api(`/api/kb/articles/${encodeURIComponent(id)}`);
      const close = el('button', { type: 'button', class: 'small secondary', onclick: () => fill(this.results) }, t('agent.kb_close'));
      fill(this.results, el('article', { class: 'kb-article' },
        el('div', { class: 'row' }, el('h3', {}, article.title), close),
        el('div', { class: 'article-body' }, article.body),
        el('p', { class: 'muted' }, t('agent.source', { id: article.id }))));
      close.focus();
    } catch (error) {
      fill(this.results, el('p', { class: 'error' }, errorText(error)));
    }
  }
}
