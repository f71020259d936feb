// The second step of /login/ for an account with two-factor on: after the
// password, POST /api/auth/login/ answered 401 `mfa_required` and set the
// httpOnly `mfa_ticket` cookie; this form sends a code from the authenticator
// app, or a recovery code, to POST /api/auth/login/mfa/, or answers with one
// of the account's passkeys ("Use a passkey", when the answer's methods name
// one). While it shows, the other ways in (providers, email codes) are hidden:
// this sign-in is half done and only its second factor finishes it.
import { api, json, paths } from '../api.js';
import { secondFactorWithPasskey } from '../passkeys.js';
import { announce, busy, clearErrors, showErrors, tooManyText } from '../ui.js';
import { describeWebAuthnError, webauthnSupported } from '../webauthn.js';
import { nextPath } from './auth-form.js';
import { startAutofill, stopAutofill } from './login-passkey.js';

const form = document.getElementById('second-factor-form');
const input = form.elements.namedItem('code');
const label = form.querySelector('[data-part="label"]');
const hint = document.getElementById('second-factor-hint');
const toggle = form.querySelector('[data-action="recovery"]');
const passkeyButton = form.querySelector('[data-action="passkey"]');
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

// Replaces the password form with the code form. `methods`: the answer's, or ?methods= after a provider's trip.
export function askForSecondFactor(passwordForm, methods) {
  stopAutofill(); // one credential request at a time: the passkey button here needs the browser
  passwordForm.hidden = true;
  document.body.classList.add('second-factor-step');
  form.hidden = false;
  passkeyButton.hidden = !webauthnSupported() || (Array.isArray(methods) && !methods.includes('passkey'));
  useRecoveryCode(false);
  announce('');
}

// The held sign-in is dead: back to the password form, with every way in shown again.
function startOver(detail) {
  announce(detail, 'error');
  form.hidden = true;
  document.body.classList.remove('second-factor-step');
  const passwordForm = document.getElementById('login-form');
  passwordForm.hidden = false;
  passwordForm.elements.namedItem('password').value = '';
  passwordForm.elements.namedItem('password').focus();
  startAutofill();
}

async function answered(response) {
  if (response.ok) {
    window.location.assign(nextPath());
    return;
  }
  const body = await json(response);
  if (response.status === 401 && body.code === 'mfa_ticket_invalid') {
    startOver(body.detail); // too late or too many wrong answers: the password step starts over
  } else if (response.status === 401) {
    showErrors(form, { code: [body.detail || 'That code is not right.'] });
  } else if (response.status === 429) {
    showErrors(form, { detail: tooManyText(response) });
  } else {
    showErrors(form, body);
  }
}

passkeyButton.addEventListener('click', async () => {
  clearErrors(form);
  await busy(form, async () => {
    let response;
    try {
      response = await secondFactorWithPasskey();
    } catch (error) {
      if (error.name !== 'PasskeyRefused') {
        showErrors(form, { detail: describeWebAuthnError(error) });
      } else if (error.body.code === 'mfa_ticket_invalid') {
        startOver(error.body.detail);
      } else {
        showErrors(form, { detail: error.response.status === 429 ? tooManyText(error.response) : error.body.detail });
      }
      return;
    }
    await answered(response);
  });
});

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
    await answered(response);
  });
});
