// The CSAT survey: a score from 1 to 5 and a comment, posted once with the link's token.
import { t } from './console.js';
import { linkToken, showOutcome } from './customer_link.js';

const OUTCOME_OF_STATUS = { 401: 'invalid', 409: 'answered' };
const token = linkToken('csat');
const survey = document.getElementById('survey');
const form = document.getElementById('survey-form');
const error = document.getElementById('survey-error');
const submit = document.getElementById('survey-submit');

if (!token) {
  showOutcome('invalid', ['survey']);
} else {
  survey.hidden = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    const data = new FormData(form);
    const body = { token, score: Number(data.get('score')), comment: String(data.get('comment') || '') };
    submit.disabled = true;
    try {
      const answer = await fetch('/api/csat/answers', {
        method: 'POST',
        credentials: 'omit',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
      });
      if (answer.ok) {
        sessionStorage.removeItem('voxdesk_csat_token');
        showOutcome('thanks', ['survey']);
      } else if (answer.status in OUTCOME_OF_STATUS) {
        showOutcome(OUTCOME_OF_STATUS[answer.status], ['survey']);
      } else {
        error.textContent = answer.status === 422 ? t('csat.pick_score') : t('common.error_generic');
        error.hidden = false;
      }
    } catch {
      error.textContent = t('csat.offline');
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
}
