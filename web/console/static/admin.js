// The admin page: compliance rules (with a "try it" box), routing, IVR flows (YAML beside its
// diagram), ticket rules, the knowledge base, users, groups and the audit log. Each tab loads when first opened; every change
// goes through the API, which validates it and applies it without a restart.
import { api, el, t } from './console.js';
import { drawDiagram } from './admin_diagram.js';
import { showFailure, showOutcome, yamlEditor } from './admin_editor.js';
import { loadArticles, loadGroups, wireArticles, wireGroups } from './admin_desk.js';
import { loadAudit, loadUsers, wireAudit, wireUsers } from './admin_people.js';

const $ = (id) => document.getElementById(id);
const put = (path, yaml) => api(path, { method: 'PUT', body: { yaml } });
const post = (path, body) => api(path, { method: 'POST', body });

// Routing files and IVR flows are written by call control: after a 202 the page watches the file
// until it reads back as saved, and says so, or says it is still waiting.
async function appliedByCallControl(read, saved) {
  for (let i = 0; i < 12; i += 1) {
    if ((await read()) === saved) return t('admin.applied');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return t('admin.queued');
}

// --- compliance ----------------------------------------------------------------------------------------
const compliance = yamlEditor('compliance', {
  load: async () => (await api('/api/admin/compliance-rules')).yaml,
  save: async (yaml) => t('admin.compliance_saved', { count: (await put('/api/admin/compliance-rules', yaml)).rules.rules.length }),
});

function finding(f) {
  const tone = f.action === 'block' ? 'bad' : 'warn';
  return el('li', { class: `finding ${tone}`, 'data-rule': f.rule_id },
    el('strong', {}, f.rule_id), ' ',
    el('span', { class: `badge ${tone}` }, t(`admin.action_${f.action}`)), ' ',
    el('span', { class: 'muted' }, t('admin.finding_detail', { severity: t(`admin.severity_${f.severity}`), score: f.score.toFixed(2) })));
}

async function tryRules() {
  const text = $('try-text').value.trim();
  if (!text) return;
  $('try-run').disabled = true;
  showOutcome($('try-status'), $('try-problems'), '', t('admin.checking'));
  $('try-results').replaceChildren();
  try {
    const findings = await post('/api/admin/compliance-rules/check', {
      yaml: compliance.area.value, text, speaker: $('try-speaker').value, channel: $('try-channel').value,
    });
    $('try-results').replaceChildren(...findings.map(finding));
    showOutcome($('try-status'), $('try-problems'), findings.length ? 'warn' : 'ok',
      findings.length ? t('admin.try_flagged', { count: findings.length }) : t('admin.try_clean'));
  } catch (error) {
    showFailure($('try-status'), $('try-problems'), error);
  } finally {
    $('try-run').disabled = false;
  }
}

// --- routing ---------------------------------------------------------------------------------------------
const routingFile = () => $('routing-file').value;
async function readRouting() {
  const file = await api(`/api/routing/${routingFile()}`);
  $('routing-queues').textContent = file.queues.join(', ');
  return file.yaml;
}
const routing = yamlEditor('routing', {
  load: readRouting,
  validate: async (yaml) => {
    const answer = await post(`/api/routing/${routingFile()}/validate`, { yaml });
    return t('admin.valid_routing', { queues: answer.queues.join(', ') });
  },
  save: async (yaml) => {
    await put(`/api/routing/${routingFile()}`, yaml);
    return appliedByCallControl(readRouting, yaml);
  },
});

// --- IVR flows -----------------------------------------------------------------------------------------
const flowName = () => $('ivr-flow').value;
async function drawFlow(yaml) {
  const answer = await post(`/api/ivr/flows/${encodeURIComponent(flowName())}/validate`, { yaml });
  drawDiagram($('ivr-diagram'), answer.diagram);
  return answer;
}
const readFlow = async () => (await api(`/api/ivr/flows/${encodeURIComponent(flowName())}`)).yaml;
const ivr = yamlEditor('ivr', {
  load: async () => {
    const yaml = await readFlow();
    drawFlow(yaml).catch((error) => showFailure($('ivr-status'), $('ivr-problems'), error));
    return yaml;
  },
  validate: async (yaml) => t('admin.valid_flow', { nodes: (await drawFlow(yaml)).nodes }),
  save: async (yaml) => {
    await put(`/api/ivr/flows/${encodeURIComponent(flowName())}`, yaml);
    await drawFlow(yaml);
    return appliedByCallControl(readFlow, yaml);
  },
});

async function loadFlows() {
  const names = await api('/api/ivr/flows');
  $('ivr-flow').replaceChildren(...names.map((name) => el('option', { value: name }, name)));
  await ivr.reload();
}

// --- ticket rules ------------------------------------------------------------------------------------------
const ticketRules = yamlEditor('ticket-rules', {
  load: async () => {
    const answer = await api('/api/ticket-rules');
    if (answer.problems.length) setTimeout(() => ticketRules.show('bad', t('admin.file_broken'), answer.problems));
    return answer.yaml;
  },
  save: async (yaml) => t('admin.ticket_rules_saved', { count: (await put('/api/ticket-rules', yaml)).rules.rules.length }),
});

// --- tabs ------------------------------------------------------------------------------------------------------
const loaders = {
  compliance: () => compliance.reload(),
  routing: () => routing.reload(),
  ivr: () => loadFlows().catch((error) => showFailure($('ivr-status'), $('ivr-problems'), error)),
  'ticket-rules': () => ticketRules.reload(),
  kb: loadArticles,
  users: loadUsers,
  groups: loadGroups,
  audit: () => loadAudit(),
};
const loaded = new Set();

function open(tab) {
  if (!loaders[tab]) tab = 'compliance';
  for (const button of document.querySelectorAll('[role=tab]')) {
    const chosen = button.dataset.tab === tab;
    button.setAttribute('aria-selected', String(chosen));
    button.tabIndex = chosen ? 0 : -1;
    $(`panel-${button.dataset.tab}`).hidden = !chosen;
  }
  if (!loaded.has(tab)) {
    loaded.add(tab);
    loaders[tab]();
  }
}

for (const button of document.querySelectorAll('[role=tab]')) {
  button.addEventListener('click', () => {
    history.replaceState(null, '', `#${button.dataset.tab}`);
    open(button.dataset.tab);
  });
}
$('try-run').addEventListener('click', tryRules);
$('routing-file').addEventListener('change', () => routing.reload());
$('ivr-flow').addEventListener('change', () => ivr.reload());
wireUsers();
wireGroups();
wireArticles();
wireAudit();
open(location.hash.slice(1));
