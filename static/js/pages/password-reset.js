// /password-reset/: asks for a reset link (POST /api/auth/password/reset/).
// The answer is the same for every address, so the page says the same too.
import { api, json, paths } from '../api.js';
import { announce, busy, clearErrors, formData, showErrors } from '../ui.js';

const form = document.getElementById('reset-form');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  announce('');
  await busy(form, async () => {
    let response;
    try {
      response = await api(paths.passwordReset, { method: 'POST', body: formData(form), refresh: false });
    } catch {
      showErrors(form, { detail: 'Could not reach the server. Please try again.' });
      return;
    }
    const body = await json(response);
    if (response.status === 202) {
      form.reset();
      announce(`${body.detail} Check your inbox (and your spam folder).`, 'success');
    } else if (response.status === 429) {
      const wait = response.headers.get('Retry-After');
      showErrors(form, { detail: `Too many requests. ${wait ? `Try again in ${wait} seconds.` : 'Try again later.'}` });
    } else {
      showErrors(form, body);
    }
  });
});
