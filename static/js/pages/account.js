// /account/: the username, the email address and its verification, changing it, the password,
// and deleting the account; passkeys and two-factor are account-mfa.js's.
// Sensitive actions go through reauth.js, which asks for the password (or a
// passkey) again when the sign-in is not recent.
import './account-mfa.js';
import './account-providers.js';
import { SignedOut, api, json, paths, requireUser } from '../api.js';
import { sensitive } from '../reauth.js';
import { announceAt, busy, clearErrors, formData, showErrors, tooManyText } from '../ui.js';

function renderUsername(user) {
  document.getElementById('username-current').textContent = user.username;
  document.getElementById('username-new').value = user.username;
}

function renderEmail(user) {
  document.getElementById('email-address').textContent = user.email || 'No email address yet.';
  const status = document.getElementById('email-status');
  status.hidden = !user.email;
  status.textContent = user.email_verified ? 'Verified' : 'Not verified';
  document.getElementById('email-resend-actions').hidden = !user.email || user.email_verified;
}

function tooMany(response) {
  return tooManyText(response, 'requests');
}

document.getElementById('email-resend').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    const response = await api(paths.emailVerifyResend, { method: 'POST' });
    const body = await json(response);
    if (response.status === 202) announceAt(button, `${body.detail} Check your inbox.`, 'success');
    else announceAt(button, response.status === 429 ? tooMany(response) : body.detail || 'Could not send it.', 'error');
  } finally {
    button.disabled = false;
  }
});

const emailForm = document.getElementById('email-form');
emailForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(emailForm);
  await busy(emailForm, async () => {
    const response = await sensitive(paths.email, { method: 'POST', body: formData(emailForm) });
    const body = await json(response);
    if (response.status === 202) {
      emailForm.reset();
      announceAt(emailForm, `${body.detail} Check the new address's inbox.`, 'success');
    } else if (response.status === 429) {
      showErrors(emailForm, { detail: tooMany(response) });
    } else {
      showErrors(emailForm, body);
    }
  });
});

const usernameForm = document.getElementById('username-form');
usernameForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(usernameForm);
  await busy(usernameForm, async () => {
    const response = await sensitive(paths.account, { method: 'PATCH', body: formData(usernameForm) });
    const body = await json(response);
    if (response.status === 200) {
      renderUsername(body);
      announceAt(usernameForm, `Your username is now ${body.username}. Use it the next time you sign in.`, 'success');
    } else {
      showErrors(usernameForm, response.status === 429 ? { detail: tooMany(response) } : body);
    }
  });
});

const passwordForm = document.getElementById('password-form');
passwordForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  await busy(passwordForm, async () => {
    const response = await api(paths.password, { method: 'POST', body: formData(passwordForm) });
    if (response.status === 204) {
      await json(response);
      passwordForm.reset();
      clearErrors(passwordForm);
      announceAt(passwordForm, 'Password changed. Every other device has been signed out.', 'success');
      return;
    }
    showErrors(passwordForm, response.status === 429 ? { detail: tooMany(response) } : await json(response));
  });
});

const deleteButton = document.getElementById('delete-account');
deleteButton.addEventListener('click', async () => {
  // A second click on the same button confirms: no browser dialog to miss.
  if (deleteButton.dataset.confirming !== 'true') {
    deleteButton.dataset.confirming = 'true';
    deleteButton.textContent = 'Yes, delete my account for good';
    announceAt(deleteButton, 'Click the button again to delete your account, your posts and every session.', 'info');
    return;
  }
  deleteButton.disabled = true;
  try {
    const response = await sensitive(paths.account, { method: 'DELETE' });
    if (response.status === 204) {
      await json(response);
      window.location.assign('/?account=deleted');
      return;
    }
    announceAt(deleteButton, (await json(response)).detail || 'Could not delete the account.', 'error');
  } finally {
    deleteButton.disabled = false;
  }
});

try {
  const user = await requireUser();
  renderUsername(user);
  renderEmail(user);
  document.getElementById('account-pending').hidden = true;
  document.getElementById('account-ready').hidden = false;
} catch (error) {
  if (!(error instanceof SignedOut)) throw error;
}
