// The second step of /login/ for an account with two-factor on: after the
// password, POST /api/auth/login/ answered 401 `mfa_required` and set the
// httpOnly `mfa_ticket` cookie; this form sends a code from the authenticator
// app, or a recovery code, to POST /api/auth/login/mfa/.
import { api, json, paths } from '../api.js';
import { announce, busy, clearErrors, showErrors, tooManyText } from '../ui.js';
import { nextPath } from './auth-form.js';

const form = document.getElementById('second-factor-form');
const input = form.elements.namedItem('code');
const label = form.querySelector('[data-part="label"]');
const hint = document.getElementById('second-factor-hint');
const toggle = form.querySelector('[data-action="recovery"]');
let recovery = false;

function useRecoveryCode(on) {
  recovery = on;
  label.textContent = on ? 'Recovery code' : 'Authentication code';
  hint.textContent = on
    ? 'Enter one of the recovery codes you saved when you turned on two-factor. Each works once.'
    : 'Enter the 6-digit code from your authenticator app.';
  input.inputMode = on ? 'text' : 'numeric';
  input.autocomplete = on ? 'off' : 'one-time-code';
  toggle.textContent = on ? 'Use the authenticator app' : 'Use a recovery code';
  input.value = '';
  clearErrors(form);
  input.focus();
}

// Replaces the password form with the code form.
export function askForSecondFactor(passwordForm) {
  passwordForm.hidden = true;
  form.hidden = false;
  useRecoveryCode(false);
  announce('');
}

toggle.addEventListener('click', () => useRecoveryCode(!recovery));
// "Start again" reloads this page, ?next= included.
form.querySelector('[data-action="restart"]').href = window.location.pathname + window.location.search;

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  await busy(form, async () => {
    let response;
    try {
      response = await api(paths.loginMfa, { method: 'POST', body: { code: input.value }, refresh: false });
    } catch {
      showErrors(form, { detail: 'Could not reach the server. Please try again.' });
      return;
    }
    if (response.ok) {
      window.location.assign(nextPath());
      return;
    }
    const body = await json(response);
    if (response.status === 401 && body.code === 'mfa_ticket_invalid') {
      // Too late or too many wrong codes: the password step starts over.
      announce(body.detail, 'error');
      form.hidden = true;
      const passwordForm = document.getElementById('login-form');
      passwordForm.hidden = false;
      passwordForm.elements.namedItem('password').value = '';
      passwordForm.elements.namedItem('password').focus();
    } else if (response.status === 401) {
      showErrors(form, { code: [body.detail || 'That code is not right.'] });
    } else if (response.status === 429) {
      showErrors(form, { detail: tooManyText(response) });
    } else {
      showErrors(form, body);
    }
  });
});
