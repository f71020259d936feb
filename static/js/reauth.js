// Sensitive actions (changing the email, deleting the account, passkeys,
// two-factor) need a recent sign-in. When the API answers 403
// `reauthentication_required`, `sensitive()` asks for the password (or a
// passkey, when the user has one) in the page's dialog
// (templates/pages/reauthenticate_dialog.html), re-authenticates
// (POST /api/auth/reauthenticate/, which re-issues the cookies) and sends the
// action once more: the user never loses what they typed.
import { api, currentUser, discard, json, paths } from './api.js';
import { reauthenticateWithPasskey } from './passkeys.js';
import { busy, clearErrors, showErrors, tooManyText } from './ui.js';
import { describeWebAuthnError, webauthnSupported } from './webauthn.js';

const REQUIRED = 'reauthentication_required';
const WRONG_PASSWORD = 'invalid_credentials';

async function needsReauthentication(response) {
  if (response.status !== 403) return false;
  // Read a copy: the caller may still read the answer itself.
  const body = await json(response.clone());
  return body.code === REQUIRED;
}

// How many passkeys the user has, once the page knows better than /api/me/ did at load.
let knownPasskeys = null;

export function knowPasskeys(count) {
  knownPasskeys = count;
}

async function offerPasskey(form) {
  const user = await currentUser().catch(() => null);
  const count = knownPasskeys ?? user?.mfa?.passkeys ?? 0;
  form.querySelector('[data-part="passkey"]').hidden = !(count > 0 && webauthnSupported());
}

// Shows the dialog; resolves true once the user re-authenticated, false if they cancel.
export async function reauthenticate() {
  const dialog = document.getElementById('reauth-dialog');
  const form = document.getElementById('reauth-form');
  await offerPasskey(form);
  return new Promise((resolve) => {
    const finish = (done) => {
      form.removeEventListener('submit', onSubmit);
      passkey.removeEventListener('click', onPasskey);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      form.reset();
      clearErrors(form);
      if (dialog.open) dialog.close();
      resolve(done);
    };
    const onSubmit = async (event) => {
      event.preventDefault();
      await busy(form, async () => {
        const request = { method: 'POST', body: { password: form.elements.namedItem('password').value } };
        // A 401 here is usually the answer (a wrong password), not an expired token.
        let response = await api(paths.reauthenticate, { ...request, refresh: false });
        let body = await json(response);
        if (response.status === 401 && body.code !== WRONG_PASSWORD) {
          response = await api(paths.reauthenticate, request);
          body = await json(response);
        }
        if (response.ok) {
          finish(true);
          return;
        }
        if (response.status === 401) showErrors(form, { password: [body.detail || 'That password is not right.'] });
        else if (response.status === 429) showErrors(form, { detail: tooManyText(response) });
        else showErrors(form, body);
      });
    };
    const onPasskey = async () => {
      clearErrors(form);
      await busy(form, async () => {
        try {
          await reauthenticateWithPasskey();
          finish(true);
        } catch (error) {
          showErrors(form, { detail: error.body?.detail || describeWebAuthnError(error) });
        }
      });
    };
    const onCancel = (event) => {
      event.preventDefault();
      finish(false);
    };
    const cancel = form.querySelector('[data-action="cancel"]');
    const passkey = form.querySelector('[data-action="passkey"]');
    form.addEventListener('submit', onSubmit);
    passkey.addEventListener('click', onPasskey);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    form.elements.namedItem('password').focus();
  });
}

// api() for a sensitive action: re-authenticates when asked to, then retries once.
// Returns the final Response (the 403 itself when the user cancels).
export async function sensitive(path, options = {}) {
  const response = await api(path, options);
  if (!(await needsReauthentication(response))) return response;
  if (!(await reauthenticate())) return response;
  await discard(response);
  return api(path, options);
}
