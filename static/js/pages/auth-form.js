// What /login/, /register/ and /password-reset/ share: ?next= handling and submitting the form.
import { api, json, safeNextPath } from '../api.js';
import { announce, busy, clearErrors, formData, showErrors, tooManyText } from '../ui.js';

// Where to go once signed in: ?next= when it is a path on this site, else home.
export function nextPath() {
  return safeNextPath(new URLSearchParams(window.location.search).get('next')) || '/';
}

// Carries a safe ?next= over to the link to the other form (login <-> register).
export function keepNextOn(link) {
  const next = safeNextPath(new URLSearchParams(window.location.search).get('next'));
  if (next && link) link.href = `${link.pathname}?next=${encodeURIComponent(next).replace(/%2F/gi, '/')}`;
}

// Posts the form to `path`; on success (status `ok`) calls `done(body)`, which
// by default goes to nextPath(); else shows the errors. `intercept(response,
// body)` may take over an answer that is not a success (login's 401
// mfa_required) by returning true.
export function submitTo(form, path, { ok, done = () => window.location.assign(nextPath()), intercept = () => false }) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    announce('');
    await busy(form, async () => {
      let response;
      try {
        response = await api(path, { method: 'POST', body: formData(form), refresh: false });
      } catch {
        showErrors(form, { detail: 'Could not reach the server. Please try again.' });
        return;
      }
      const body = await json(response);
      if (response.status === ok) {
        done(body);
        return;
      }
      if (intercept(response, body)) return;
      showErrors(form, response.status === 429 ? { detail: tooManyText(response) } : body);
    });
  });
}
