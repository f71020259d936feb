// Passkeys on /login/: the "Sign in with a passkey" button, and the passkey
// autofill (WebAuthn conditional mediation): where the browser can, the
// Username field (autocomplete="username webauthn") offers this site's
// passkeys among its suggestions, from a navigator.credentials.get() with
// mediation "conditional" that waits in the background. Picking one signs in
// through POST /api/auth/passkeys/login/, exactly as the button does.
//
// A browser allows one credential request at a time, so the waiting request is
// aborted when the button is clicked or the password form is sent, and started
// again when that did not sign in. Its challenge lives 2 minutes: the request is
// renewed before it dies, so a passkey picked later still has a live one.
import { json } from '../api.js';
import { signInWithPasskey } from '../passkeys.js';
import { announce, showErrors } from '../ui.js';
import { conditionalMediationAvailable, describeWebAuthnError, webauthnSupported } from '../webauthn.js';

const RENEW_AFTER_MS = 100_000;
const MAX_REFUSALS_IN_A_ROW = 3;
const form = document.getElementById('login-form');
const button = document.getElementById('passkey-login');
let autofill = null; // { controller, timer } of the waiting conditional request
let autofillOn = false;
let refusedInARow = 0;
let onSignedIn = () => {};

function remember() {
  return form.elements.namedItem('remember').checked;
}

// Shows why a passkey sign-in did not work. 'signed-in'; 'refused' (the server
// said no: the person may pick again); 'failed' (the browser's request failed).
async function settle(attempt) {
  try {
    const response = await attempt;
    if (response.ok) {
      onSignedIn();
      return 'signed-in';
    }
    showErrors(form, await json(response), 'That passkey did not sign you in.');
    return 'refused';
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    showErrors(form, { detail: error.body?.detail || describeWebAuthnError(error) });
    return error.body ? 'refused' : 'failed';
  }
}

export function stopAutofill() {
  if (!autofill) return;
  clearTimeout(autofill.timer);
  autofill.controller.abort(new DOMException('Another sign-in took over', 'AbortError'));
  autofill = null;
}

export function startAutofill() {
  if (!autofillOn || autofill || form.hidden) return;
  const controller = new AbortController();
  const timer = setTimeout(() => {
    stopAutofill();
    startAutofill();
  }, RENEW_AFTER_MS);
  autofill = { controller, timer };
  const attempt = signInWithPasskey({ remember: remember(), mediation: 'conditional', signal: controller.signal });
  settle(attempt).then(
    (outcome) => {
      if (autofill?.controller !== controller) return;
      autofill = null;
      clearTimeout(timer);
      // Another passkey may still be picked; a few refusals in a row and it waits for the button or a reload.
      refusedInARow = outcome === 'refused' ? refusedInARow + 1 : 0;
      if (outcome === 'refused' && refusedInARow < MAX_REFUSALS_IN_A_ROW) startAutofill();
    },
    () => {}, // aborted: whoever aborted it goes on
  );
}

// Sets up the button and, where the browser offers it, the autofill; `signedIn` is called on success.
export async function setUpPasskeys({ signedIn }) {
  onSignedIn = signedIn;
  if (!webauthnSupported()) return;
  document.getElementById('passkey-sign-in').hidden = false;
  button.addEventListener('click', async () => {
    stopAutofill();
    button.disabled = true;
    announce('');
    try {
      if ((await settle(signInWithPasskey({ remember: remember() }))) !== 'signed-in') startAutofill();
    } catch {
      startAutofill();
    } finally {
      button.disabled = false;
    }
  });
  // The password form takes over while it is sent; a refusal gives the autofill back.
  form.addEventListener('submit', stopAutofill, { capture: true });
  autofillOn = await conditionalMediationAvailable();
  startAutofill();
}
