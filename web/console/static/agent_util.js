// Small helpers shared by the agent desk's modules.
import { ApiError, boot, fmt, t } from './console.js';

// A message's time: hours and minutes today, the date and time before.
export function when(value) {
  const date = new Date(value);
  if (date.toDateString() === new Date().toDateString()) {
    return date.toLocaleTimeString(boot.locale || 'en-US', { hour: '2-digit', minute: '2-digit' });
  }
  return fmt.dateTime(value);
}

// The server's words for an error (its detail message), else the generic one.
export function errorText(error) {
  if (error instanceof ApiError) {
    if (error.status === 404) return t('agent.not_found');
    const detail = error.detail;
    if (detail && typeof detail === 'object' && detail.message) return String(detail.message);
    if (Array.isArray(detail)) return detail.map((d) => d.msg || JSON.stringify(d)).join('; ');
    return String(detail);
  }
  return String(error && error.message ? error.message : error);
}

export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// Translated label for a value, or the value itself when the catalogue has no such key.
export function label(prefix, value) {
  const key = `agent.${prefix}_${value}`;
  const text = t(key);
  return text === key ? String(value) : text;
}

// One timer for every "for 02:13" on the page.
const tickers = new Set();
setInterval(() => tickers.forEach((tick) => tick()), 1000);
export function everySecond(tick) {
  tickers.add(tick);
  tick();
  return () => tickers.delete(tick);
}

// Wait for a queued call-control command; resolves to its outcome (or 'pending' after ~6 s).
export async function commandOutcome(api, commandId) {
  for (let i = 0; i < 12; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const found = await api(`/api/commands/${commandId}`).catch(() => null);
    if (found && found.outcome !== 'pending') return found;
  }
  return { outcome: 'pending' };
}
