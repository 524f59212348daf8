// The desk's shared knowledge (articles) and its groups (a lead, members) on the admin page.
import { api, el, t } from './console.js';
import { showFailure, showOutcome } from './admin_editor.js';

const $ = (id) => document.getElementById(id);
const userName = (user) => `${user.display_name} (${user.username})`;

// --- groups ------------------------------------------------------------------------------------------------
function memberItem(group, userId, names) {
  const remove = el('button', { type: 'button', class: 'secondary small', 'aria-label': t('admin.group_remove', { name: names.get(userId) || userId }) }, '×');
  remove.addEventListener('click', () => changeMembers(group, () => api(`/api/desk/groups/${group.id}/members/${userId}`, { method: 'DELETE' }),
    t('admin.group_removed', { name: names.get(userId) || userId, group: group.name })));
  return el('li', { 'data-member': userId }, names.get(userId) || String(userId), ' ', remove);
}

function groupRow(group, members, users, names) {
  const inGroup = new Set(members.map((m) => m.user_id));
  const pick = el('select', { 'aria-label': t('admin.group_add_to', { group: group.name }) },
    users.filter((u) => u.is_active && !inGroup.has(u.id)).map((u) => el('option', { value: u.id }, userName(u))));
  const add = el('button', { type: 'button', class: 'secondary', disabled: !pick.options.length }, t('admin.group_add'));
  add.addEventListener('click', () => changeMembers(group,
    () => api(`/api/desk/groups/${group.id}/members`, { method: 'POST', body: { user_id: Number(pick.value) } }),
    t('admin.group_added', { name: pick.selectedOptions[0].textContent, group: group.name })));
  return el('tr', { 'data-group': group.name },
    el('td', {}, el('strong', {}, group.name), group.description ? el('div', { class: 'muted' }, group.description) : null),
    el('td', {}, group.lead_id ? names.get(group.lead_id) || String(group.lead_id) : '—'),
    el('td', {}, el('ul', { class: 'members' }, members.map((m) => memberItem(group, m.user_id, names))),
      el('div', { class: 'add-member' }, pick, add)));
}

async function changeMembers(group, call, message) {
  try {
    await call();
    await loadGroups();
    showOutcome($('group-status'), null, 'ok', message); // said once the table shows it
  } catch (error) {
    showFailure($('group-status'), null, error);
    await loadGroups();
  }
}

export async function loadGroups() {
  try {
    const [groups, users] = await Promise.all([api('/api/desk/groups'), api('/api/admin/users')]);
    const names = new Map(users.map((u) => [u.id, userName(u)]));
    const lead = document.querySelector('#group-create [name=lead_id]');
    lead.replaceChildren(el('option', { value: '' }, t('admin.group_no_lead')),
      ...users.filter((u) => u.is_active).map((u) => el('option', { value: u.id }, userName(u))));
    const members = await Promise.all(groups.map((g) => api(`/api/desk/groups/${g.id}/members`)));
    $('group-rows').replaceChildren(...groups.map((g, i) => groupRow(g, members[i], users, names)));
  } catch (error) {
    showFailure($('group-status'), null, error);
  }
}

export function wireGroups() {
  $('group-create').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = { name: String(form.get('name')), description: String(form.get('description') || '') };
    if (form.get('lead_id')) body.lead_id = Number(form.get('lead_id'));
    try {
      const made = await api('/api/desk/groups', { method: 'POST', body });
      event.target.reset();
      await loadGroups();
      showOutcome($('group-status'), null, 'ok', t('admin.group_created', { group: made.name }));
    } catch (error) {
      showFailure($('group-status'), null, error);
    }
  });
}

// --- knowledge base ---------------------------------------------------------------------------------------
let editing = null; // the article in the form (its version guards against overwriting someone's edit)

function edit(article) {
  editing = article;
  const form = $('kb-form');
  for (const name of ['title', 'body', 'language', 'status']) form.elements[name].value = article ? article[name] : '';
  form.elements.tags.value = article ? article.tags.join(', ') : '';
  if (!article) {
    form.elements.language.value = 'en';
    form.elements.status.value = 'draft';
  }
  $('kb-form-heading').textContent = article ? t('admin.kb_editing', { title: article.title }) : t('admin.kb_new');
  showOutcome($('kb-status'), null, '', '');
}

function articleRow(article) {
  const open = el('button', { type: 'button', class: 'link' }, article.title);
  open.addEventListener('click', () => edit(article));
  const tone = { published: 'ok', draft: 'warn', archived: '' }[article.status] || '';
  return el('tr', { 'data-article': article.id }, el('td', {}, open), el('td', {}, article.language),
    el('td', {}, el('span', { class: `badge ${tone}` }, t(`admin.kb_status_${article.status}`))), el('td', {}, String(article.version)));
}

export async function loadArticles() {
  try {
    const articles = await api('/api/kb/articles?limit=200');
    $('kb-rows').replaceChildren(...(articles.length ? articles.map(articleRow) : [el('tr', {}, el('td', { colspan: 4, class: 'empty' }, t('admin.kb_none')))]));
  } catch (error) {
    showFailure($('kb-status'), null, error);
  }
}

export function wireArticles() {
  $('kb-new').addEventListener('click', () => edit(null));
  $('kb-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = {
      title: String(form.get('title')), body: String(form.get('body')), language: String(form.get('language')),
      status: String(form.get('status')),
      tags: String(form.get('tags') || '').split(',').map((tag) => tag.trim()).filter(Boolean),
    };
    try {
      const saved = editing
        ? await api(`/api/kb/articles/${editing.id}`, { method: 'PATCH', body: { ...body, base_version: editing.version } })
        : await api('/api/kb/articles', { method: 'POST', body });
      edit(saved);
      await loadArticles();
      showOutcome($('kb-status'), null, 'ok', t('admin.kb_saved', { version: saved.version }));
    } catch (error) {
      showFailure($('kb-status'), null, error);
    }
  });
}
