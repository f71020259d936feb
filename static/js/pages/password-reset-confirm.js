// /password-reset/confirm/?token=...: checks the link as the page opens
// (POST /api/auth/password/reset/check/, which changes nothing), so a dead one
// says so before anyone types a password; then sets the new password with it
// (POST /api/auth/password/reset/confirm/). That signs every device out, this
// one included, so the page then offers to log in.
import { api, json, paths } from '../api.js';
import { busy, clearErrors, formData, part, showErrors, tooManyText } from '../ui.js';

const form = document.getElementById('confirm-form');
const token = new URLSearchParams(window.location.search).get('token') || '';

function deadLink(reason) {
  form.hidden = true;
  document.getElementById('confirm-checking').hidden = true;
  const section = document.getElementById('confirm-dead-link');
  if (reason) part(section, 'reason').textContent = reason;
  section.hidden = false;
}

function showForm() {
  document.getElementById('confirm-checking').hidden = true;
  form.hidden = false;
  form.elements.namedItem('new_password').focus();
}

async function check() {
  if (!token) {
    deadLink('This page needs the link from your email.');
    return;
  }
  let response;
  try {
    response = await api(paths.passwordResetCheck, { method: 'POST', body: { token }, refresh: false });
  } catch {
    showForm(); // the confirmation will tell
    return;
  }
  const body = await json(response);
  if (response.status === 400 && body.token) deadLink([].concat(body.token).join(' '));
  else showForm();
}

check();

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
    else if (response.status === 429) showErrors(form, { detail: tooManyText(response) });
    else showErrors(form, body);
  });
});
