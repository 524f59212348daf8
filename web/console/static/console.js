// Shared by every console page: the boot data, strings, the JSON API with the session cookie and
// CSRF header, the live feed, and locale-aware formatting. Pages import what they need.
export const boot = JSON.parse(document.body.dataset.boot || '{}');

export function t(key, params = {}) {
  const text = (boot.strings && boot.strings[key]) || key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)voxdesk_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : '';
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
  }
}

// fetch() against our API: JSON in and out, the CSRF header on changes, a signed-out user sent to
// the sign-in page, errors thrown as ApiError with the server's detail.
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') init.headers['X-CSRF-Token'] = csrfToken();
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const answer = await fetch(path, init);
  if (answer.status === 401 && !['login', 'logout'].includes(boot.page)) {
    location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
    throw new ApiError(401, 'signed out');
  }
  const text = await answer.text();
  const data = text ? JSON.parse(text) : null;
  if (!answer.ok) throw new ApiError(answer.status, data && data.detail !== undefined ? data.detail : text);
  return data;
}

// The live feed (/ws/calls): reconnects with ?since= so nothing said in between is lost, and drops
// events it has seen (a replay may repeat some).
export function liveFeed(onEvent, { onState = () => {} } = {}) {
  let lastAt = null;
  let delay = 500;
  const seen = new Set();
  function open() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const since = lastAt ? `?since=${lastAt}` : '';
    const socket = new WebSocket(`${scheme}://${location.host}/ws/calls${since}`);
    socket.onopen = () => { delay = 500; onState('open'); };
    socket.onmessage = (message) => {
      const envelope = JSON.parse(message.data);
      const data = envelope.data || {};
      const id = data.id;
      if (id) {
        if (seen.has(id)) return;
        seen.add(id);
        if (seen.size > 5000) seen.clear();
      }
      // events carry data.at as ISO time; the server's ?since= wants epoch milliseconds
      const at = data.at ? Date.parse(data.at) : NaN;
      if (!Number.isNaN(at)) lastAt = at;
      onEvent(envelope);
    };
    socket.onclose = () => {
      onState('closed');
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  open();
}

const locale = boot.locale || 'en-US';
export const fmt = {
  time: (value) => new Date(value).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
  dateTime: (value) => new Date(value).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }),
  number: (value, options = {}) => new Intl.NumberFormat(locale, options).format(value),
  percent: (value) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(value),
  duration: (seconds) => {
    const s = Math.max(0, Math.round(seconds));
    const mm = String(Math.floor(s / 60)).padStart(2, '0');
    return `${mm}:${String(s % 60).padStart(2, '0')}`;
  },
  // +8613800138000 -> +86 138 0013 8000; +14155550100 -> +1 415-555-0100; anything else as given
  phone: (value) => {
    const v = String(value || '');
    let m = v.match(/^\+86(1\d{2})(\d{4})(\d{4})$/);
    if (m) return `+86 ${m[1]} ${m[2]} ${m[3]}`;
    m = v.match(/^\+1(\d{3})(\d{3})(\d{4})$/);
    if (m) return `+1 ${m[1]}-${m[2]}-${m[3]}`;
    return v;
  },
};

// Build DOM from text only: never innerHTML with data (a chat message with <script> stays text).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
