// Users (list, add, change role, disable) and the audit log (newest first, filtered) on the admin page.
import { api, boot, el, fmt, t } from './console.js';
import { showFailure, showOutcome } from './admin_editor.js';

const $ = (id) => document.getElementById(id);
const ROLES = ['agent', 'supervisor', 'qa_manager', 'admin'];

function userRow(user) {
  const self = boot.user && boot.user.id === user.id; // an admin does not lock themselves out here
  const role = el('select', { 'aria-label': t('admin.role_of', { name: user.username }), disabled: self },
    ROLES.map((r) => el('option', { value: r, selected: r === user.role }, t(`common.role_${r}`))));
  role.addEventListener('change', () => changeUser(user, { role: role.value }));
  const active = el('button', { type: 'button', class: user.is_active ? 'secondary' : '', disabled: self },
    user.is_active ? t('admin.disable') : t('admin.enable'));
  active.addEventListener('click', () => changeUser(user, { is_active: !user.is_active }));
  return el('tr', { 'data-user': user.username },
    el('td', {}, user.username), el('td', {}, user.display_name), el('td', {}, role),
    el('td', {}, el('span', { class: `badge ${user.is_active ? 'ok' : 'bad'}` },
      user.is_active ? t('admin.active_yes') : t('admin.active_no')), ' ', active));
}

async function changeUser(user, change) {
  try {
    await api(`/api/admin/users/${user.id}`, { method: 'PATCH', body: change });
    await loadUsers();
    showOutcome($('user-status'), null, 'ok', t('admin.user_changed', { name: user.username }));
  } catch (error) {
    showFailure($('user-status'), null, error);
    await loadUsers();
  }
}

export async function loadUsers() {
  try {
    const users = await api('/api/admin/users');
    $('user-rows').replaceChildren(...users.map(userRow));
  } catch (error) {
    showFailure($('user-status'), null, error);
  }
}

export function wireUsers() {
  $('user-create').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = Object.fromEntries(['username', 'display_name', 'role', 'password'].map((k) => [k, form.get(k)]));
    try {
      const made = await api('/api/admin/users', { method: 'POST', body });
      const sip = made.sip && made.sip.password ? ` ${t('admin.sip_once', { password: made.sip.password })}` : '';
      event.target.reset();
      await loadUsers();
      showOutcome($('user-status'), null, 'ok', t('admin.user_created', { name: made.username }) + sip);
    } catch (error) {
      showFailure($('user-status'), null, error);
    }
  });
}

// --- audit log ---------------------------------------------------------------------------------------
let olderThan = null;

function auditRow(entry) {
  return el('tr', { 'data-audit': entry.id },
    el('td', {}, fmt.dateTime(entry.at)), el('td', {}, entry.actor, entry.role ? el('span', { class: 'muted' }, ` ${entry.role}`) : null),
    el('td', { class: 'mono' }, entry.action), el('td', { class: 'mono' }, entry.target),
    el('td', {}, entry.status === null ? '—' : String(entry.status)));
}

export async function loadAudit(more = false) {
  const form = new FormData($('audit-filter'));
  const query = new URLSearchParams();
  for (const key of ['actor', 'action', 'target', 'kind']) {
    const value = String(form.get(key) || '').trim();
    if (value) query.set(key, value);
  }
  query.set('limit', '50');
  if (more && olderThan) query.set('before_id', String(olderThan));
  try {
    const page = await api(`/api/audit?${query}`);
    const rows = page.entries.map(auditRow);
    if (more) $('audit-rows').append(...rows);
    else $('audit-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5, class: 'empty' }, t('admin.audit_none')))]));
    olderThan = page.next_before_id;
    $('audit-more').hidden = !olderThan;
    showOutcome($('audit-status'), null, '', '');
  } catch (error) {
    showFailure($('audit-status'), null, error);
  }
}

export function wireAudit() {
  $('audit-filter').addEventListener('submit', (event) => { event.preventDefault(); loadAudit(); });
  $('audit-more').addEventListener('click', () => loadAudit(true));
}
