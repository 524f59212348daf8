import { api, t } from './console.js';

const status = document.getElementById('logout-status');
api('/api/auth/logout', { method: 'POST' })
  .catch(() => null) // already signed out: the cookies are gone either way
  .finally(() => { status.textContent = t('logout.done'); });
