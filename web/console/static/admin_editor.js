// A YAML editor on the admin page: load, validate and save one file through its API, showing each
// problem of a refusal (the API's 422 says where and why) as a line of its own.
import { ApiError, el, t } from './console.js';

const $ = (id) => document.getElementById(id);

// The problems of a refusal, one line each: our rule files' {message, problems: ["where: why"]},
// IVR flows' {problems: [{node, reason}]}, FastAPI's [{loc, msg}], or plain text.
export function problemLines(detail) {
  if (detail === null || detail === undefined) return [];
  if (typeof detail === 'string') return [detail];
  if (Array.isArray(detail)) {
    return detail.map((e) => {
      const where = (e.loc || []).filter((part) => part !== 'body').join('.');
      return where ? `${where}: ${e.msg}` : String(e.msg);
    });
  }
  if (Array.isArray(detail.problems) && detail.problems.length) {
    return detail.problems.map((p) => {
      if (typeof p === 'string') return p;
      return p.node ? `${p.node}: ${p.reason}` : String(p.reason);
    });
  }
  return [detail.message ? String(detail.message) : JSON.stringify(detail)];
}

export function showOutcome(status, list, tone, text, lines = []) {
  status.className = `status ${tone}`;
  status.textContent = text;
  if (list) list.replaceChildren(...lines.map((line) => el('li', {}, line)));
}

// What went wrong, said the same way everywhere: a refusal with its problems, or the error.
export function showFailure(status, list, error) {
  if (error instanceof ApiError && (error.status === 422 || error.status === 400)) {
    showOutcome(status, list, 'bad', t('admin.refused'), problemLines(error.detail));
  } else {
    const detail = error instanceof ApiError ? problemLines(error.detail).join('; ') : String(error.message || error);
    showOutcome(status, list, 'bad', t('admin.failed', { detail }));
  }
}

// load() -> text; validate(text) and save(text) -> a message to show (or throw ApiError).
export function yamlEditor(name, { load, validate, save }) {
  const area = $(`${name}-yaml`);
  const status = $(`${name}-status`);
  const problems = $(`${name}-problems`);
  const busy = (flag) => {
    for (const id of [`${name}-validate`, `${name}-save`, `${name}-reload`]) if ($(id)) $(id).disabled = flag;
  };
  async function run(action, working) {
    busy(true);
    showOutcome(status, problems, '', working);
    try {
      const message = await action();
      showOutcome(status, problems, 'ok', message);
    } catch (error) {
      showFailure(status, problems, error);
    } finally {
      busy(false);
    }
  }
  const reload = () => run(async () => {
    area.value = await load();
    return t('admin.loaded');
  }, t('admin.loading'));
  area.addEventListener('input', () => showOutcome(status, problems, 'warn', t('admin.unsaved')));
  if (validate) $(`${name}-validate`).addEventListener('click', () => run(() => validate(area.value), t('admin.checking')));
  $(`${name}-save`).addEventListener('click', () => run(() => save(area.value), t('admin.saving')));
  $(`${name}-reload`).addEventListener('click', reload);
  return { area, reload, show: (tone, text, lines) => showOutcome(status, problems, tone, text, lines) };
}
