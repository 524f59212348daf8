import { api, ApiError, t } from './console.js';

const form = document.getElementById('login-form');
const error = document.getElementById('login-error');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.hidden = true;
  const data = new FormData(form);
  try {
    await api('/api/auth/token', { method: 'POST', body: { username: data.get('username'), password: data.get('password') } });
    location.href = form.dataset.next || '/';
  } catch (problem) {
    const status = problem instanceof ApiError ? problem.status : 0;
    error.textContent = status === 401 ? t('login.wrong') : status === 429 ? t('login.locked') : t('common.error_generic');
    error.hidden = false;
  }
});
