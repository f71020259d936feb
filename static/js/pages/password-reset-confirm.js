// /password-reset/confirm/?token=...: sets the new password with the link's token
// (POST /api/auth/password/reset/confirm/). It signs every device out, this one
// included, so the page then offers to log in.
import { api, json, paths } from '../api.js';
import { busy, clearErrors, formData, part, showErrors } from '../ui.js';

const form = document.getElementById('confirm-form');
const token = new URLSearchParams(window.location.search).get('token') || '';

function deadLink(reason) {
  form.hidden = true;
  const section = document.getElementById('confirm-dead-link');
  if (reason) part(section, 'reason').textContent = reason;
  section.hidden = false;
}

if (!token) deadLink('This page needs the link from your email.');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  await busy(form, async () => {
    let response;
    try {
      response = await api(paths.passwordResetConfirm, {
        method: 'POST',
        body: { ...formData(form), token },
        refresh: false,
      });
    } catch {
      showErrors(form, { detail: 'Could not reach the server. Please try again.' });
      return;
    }
    if (response.status === 204) {
      await json(response);
      form.hidden = true;
      document.getElementById('confirm-done').hidden = false;
      return;
    }
    const body = await json(response);
    if (body.token) deadLink([].concat(body.token).join(' '));
    else if (response.status === 429) showErrors(form, { detail: 'Too many attempts. Try again later.' });
    else showErrors(form, body);
  });
});
