// "Email me a code" on /login/ (only there when EMAIL_SIGN_IN=1): POST
// /api/auth/login/code/ with an address (the same answer for every address,
// with an httpOnly cookie that binds the code to this browser), then POST
// /api/auth/login/code/confirm/ with the code from the mail. A user with
// two-factor on is asked for it next, as after a password.
import { api, json, paths } from '../api.js';
import { announce, busy, clearErrors, showErrors, tooManyText } from '../ui.js';
import { nextPath, submitTo } from './auth-form.js';
import { askForSecondFactor } from './login-second-factor.js';

const requestForm = document.getElementById('code-request-form');
const confirmForm = document.getElementById('code-confirm-form');
const codeInput = confirmForm.elements.namedItem('code');

function askAgain() {
  confirmForm.hidden = true;
  requestForm.hidden = false;
  codeInput.value = '';
  clearErrors(confirmForm);
  requestForm.elements.namedItem('email').focus();
}

submitTo(requestForm, paths.loginCode, {
  ok: 202,
  done: (body) => {
    requestForm.hidden = true;
    confirmForm.hidden = false;
    document.getElementById('code-sent').textContent = `${body.detail} Check your inbox (and your spam folder).`;
    codeInput.focus();
  },
});

confirmForm.querySelector('[data-action="again"]').addEventListener('click', askAgain);

confirmForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(confirmForm);
  announce('');
  await busy(confirmForm, async () => {
    const remember = document.getElementById('login-remember')?.checked ?? true;
    let response;
    try {
      response = await api(paths.loginCodeConfirm, {
        method: 'POST',
        body: { code: codeInput.value, remember },
        refresh: false,
      });
    } catch {
      showErrors(confirmForm, { detail: 'Could not reach the server. Please try again.' });
      return;
    }
    if (response.ok) {
      window.location.assign(nextPath());
      return;
    }
    const body = await json(response);
    if (response.status === 401 && body.code === 'mfa_required') {
      document.getElementById('email-code-sign-in').hidden = true;
      askForSecondFactor(document.getElementById('login-form'), body.methods);
    } else if (response.status === 401) {
      showErrors(confirmForm, { code: [body.detail || 'That code is not right.'] });
    } else if (response.status === 429) {
      showErrors(confirmForm, { detail: tooManyText(response) });
    } else {
      showErrors(confirmForm, body);
    }
  });
});
