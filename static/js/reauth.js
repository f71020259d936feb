// Sensitive actions (changing the email, deleting the account, passkeys,
// two-factor) need a recent sign-in. When the API answers 403
// `reauthentication_required`, `sensitive()` asks for the password (or a
// passkey, when the user has one) in the page's dialog
// (templates/pages/reauthenticate_dialog.html), re-authenticates
// (POST /api/auth/reauthenticate/, which re-issues the cookies) and sends the
// action once more: the user never loses what they typed. When the 403 lists
// `methods` (turning two-factor off, new recovery codes: a second factor is
// needed), the dialog asks for a code instead of the password, and offers a
// passkey only when "passkey" is among them. An account with a linked sign-in
// provider gets `methods` too (its ways in: "password", "passkey", "provider"):
// the password field only when it has one, and "Confirm with <provider>"
// (reauth-providers.js), which leaves the page for the provider and comes back.
import { api, currentUser, discard, json, paths } from './api.js';
import { reauthenticateWithPasskey } from './passkeys.js';
import { announceConfirmed, offerProviders } from './reauth-providers.js';
import { busy, clearErrors, showErrors, tooManyText } from './ui.js';
import { describeWebAuthnError, webauthnSupported } from './webauthn.js';

const REQUIRED = 'reauthentication_required';
const WRONG_PASSWORD = 'invalid_credentials';
const WRONG_CODE = 'invalid_code';
const CODES = ['totp', 'recovery_code'];

// The methods a 403 asks for ([] when any will do), or null when it asks for none.
async function reauthenticationAsked(response) {
  if (response.status !== 403) return null;
  // Read a copy: the caller may still read the answer itself.
  const body = await json(response.clone());
  return body.code === REQUIRED ? body.methods || [] : null;
}

// How many passkeys the user has, once the page knows better than /api/me/ did at load.
let knownPasskeys = null;

export function knowPasskeys(count) {
  knownPasskeys = count;
}

async function offerPasskey(form, methods) {
  let offered = methods.includes('passkey');
  if (!methods.length) {
    const user = await currentUser().catch(() => null);
    offered = (knownPasskeys ?? user?.mfa?.passkeys ?? 0) > 0;
  }
  form.querySelector('[data-part="passkey"]').hidden = !(offered && webauthnSupported());
}

// A code (TOTP or recovery) when the methods asked for include one, else the password;
// null when they name neither (an account without a password: a passkey or a provider only).
function askFor(form, methods) {
  let field = methods.some((method) => CODES.includes(method)) ? 'code' : 'password';
  if (field === 'password' && methods.length && !methods.includes('password')) field = null;
  for (const part of form.querySelectorAll('[data-part="password"], [data-part="code"]')) {
    part.hidden = part.dataset.part !== field;
  }
  form.querySelector('[data-part="no-field"]').hidden = field !== null;
  form.querySelector('[data-action="confirm"]').hidden = field === null;
  return field;
}

// Shows the dialog; resolves true once the user re-authenticated, false if they cancel.
// `methods`: what the 403 asked for ([]: the password, or a passkey).
export async function reauthenticate(methods = []) {
  const dialog = document.getElementById('reauth-dialog');
  const form = document.getElementById('reauth-form');
  await offerPasskey(form, methods);
  await offerProviders(form, methods);
  const field = askFor(form, methods);
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
        const request = { method: 'POST', body: { [field]: form.elements.namedItem(field).value } };
        // A 401 here is usually the answer (a wrong password or code), not an expired token.
        let response = await api(paths.reauthenticate, { ...request, refresh: false });
        let body = await json(response);
        if (response.status === 401 && body.code !== WRONG_PASSWORD && body.code !== WRONG_CODE) {
          response = await api(paths.reauthenticate, request);
          body = await json(response);
        }
        if (response.ok) {
          finish(true);
          return;
        }
        if (response.status === 401) showErrors(form, { [field]: [body.detail || 'That is not right.'] });
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
    if (field) form.elements.namedItem(field).focus();
    else form.querySelector('.alternative:not([hidden]) button')?.focus();
  });
}

// api() for a sensitive action: re-authenticates when asked to, then retries once.
// Returns the final Response (the 403 itself when the user cancels).
export async function sensitive(path, options = {}) {
  const response = await api(path, options);
  const methods = await reauthenticationAsked(response);
  if (methods === null) return response;
  if (!(await reauthenticate(methods))) return response;
  await discard(response);
  return api(path, options);
}

announceConfirmed();
