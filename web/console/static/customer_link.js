// Shared by the customer's pages (survey, progress): the link's token and the outcome panel.
import { t } from './console.js';

// The token of the customer's link: from the fragment (#token=, as we send it) or a query, kept for
// this tab only (a reload or the language switch still works) and taken out of the address bar, so
// it is not in a screenshot, a bookmark or the history.
export function linkToken(page) {
  const key = `voxdesk_${page}_token`;
  const given = new URLSearchParams(location.hash.slice(1)).get('token')
    || new URLSearchParams(location.search).get('token');
  if (given) {
    sessionStorage.setItem(key, given);
    const query = new URLSearchParams(location.search);
    query.delete('token');
    const rest = query.toString();
    history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : ''));
  }
  return given || sessionStorage.getItem(key);
}

// Replace the page's content by one clear outcome (thanks, already answered, a link that no longer
// works); text only, from the catalogue.
export function showOutcome(kind, hide = []) {
  for (const id of hide) document.getElementById(id).hidden = true;
  const page = JSON.parse(document.body.dataset.boot || '{}').page;
  document.getElementById('outcome-title').textContent = t(`${page}.${kind}_title`);
  document.getElementById('outcome-text').textContent = t(`${page}.${kind}_text`);
  const box = document.getElementById('outcome');
  box.dataset.outcome = kind;
  box.hidden = false;
}

// Another link opened in the same tab changes only the fragment (no new page): start over with it.
window.addEventListener('hashchange', () => {
  if (new URLSearchParams(location.hash.slice(1)).has('token')) location.reload();
});
