// A ticket's progress for its customer: status, the steps done and the replies sent to them. Built
// with textContent only: an update's text is shown as written, never as markup.
import { el, fmt, t } from './console.js';
import { linkToken, showOutcome } from './customer_link.js';

const token = linkToken('track');

function show(progress) {
  document.getElementById('ticket-number').textContent = `#${progress.ticket_id}`;
  document.getElementById('ticket-subject').textContent = progress.subject;
  const status = document.getElementById('ticket-status');
  status.textContent = t(`track.status_${progress.status}`);
  status.dataset.status = progress.status;
  const steps = document.getElementById('ticket-steps');
  steps.hidden = progress.steps_total < 2;
  steps.textContent = t('track.steps_done', { done: progress.steps_done, total: progress.steps_total });
  document.getElementById('tasks-block').hidden = progress.tasks.length === 0;
  document.getElementById('ticket-tasks').replaceChildren(...progress.tasks.map((task) => el('li',
    { class: `task task-${task.status}`, 'data-status': task.status },
    el('span', { class: 'task-title' }, task.title),
    el('span', { class: 'task-status' }, t(`track.task_${task.status}`)))));
  document.getElementById('no-updates').hidden = progress.updates.length > 0;
  document.getElementById('ticket-updates').replaceChildren(...progress.updates.map((update) => el('li',
    { class: 'update' },
    el('p', { class: 'update-meta' }, `${update.author} · ${fmt.dateTime(update.at)}`),
    el('p', { class: 'update-body' }, update.body))));
  document.getElementById('progress').hidden = false;
}

async function load() {
  if (!token) {
    showOutcome('invalid', ['loading']);
    return;
  }
  try {
    const answer = await fetch('/api/public/tickets/progress', {
      credentials: 'omit',
      headers: { Accept: 'application/json', 'X-Progress-Token': token },
    });
    document.getElementById('loading').hidden = true;
    if (answer.ok) show(await answer.json());
    else showOutcome(answer.status === 401 || answer.status === 404 ? 'invalid' : 'failed');
  } catch {
    showOutcome('failed', ['loading']);
  }
}

load();
