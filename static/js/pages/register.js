// /register/: creates an account through POST /api/auth/register/ (which signs it in).
// A sign-in in another tab meanwhile goes to ?next=, as the login page does.
// With an address, the page stays to say a verification mail is on its way
// (and, where the site prints mail instead of sending it, where to find it).
// "Sign up with a passkey" takes the same username and address and makes an
// account with a passkey and no password (POST /api/auth/passkeys/signup/options/, then /signup/).
import { json, onSessionChange, paths } from '../api.js';
import { signUpWithPasskey } from '../passkeys.js';
import { announce, busy, clearErrors, part, showErrors, tooManyText } from '../ui.js';
import { describeWebAuthnError, webauthnSupported } from '../webauthn.js';
import { keepNextOn, nextPath, submitTo } from './auth-form.js';

function welcome({ user }) {
  if (!user.email) {
    window.location.assign(nextPath());
    return;
  }
  const done = document.getElementById('register-done');
  part(done, 'username').textContent = user.username;
  part(done, 'email').textContent = user.email;
  document.getElementById('register-mail').hidden = false;
  document.getElementById('register-continue').href = nextPath();
  document.getElementById('register-form').hidden = true;
  done.hidden = false;
  document.getElementById('register-continue').focus();
}

const form = document.getElementById('register-form');
submitTo(form, paths.register, { ok: 201, done: welcome });

async function passkeySignUp() {
  clearErrors(form);
  announce('');
  const field = (name) => form.elements.namedItem(name).value;
  let response;
  try {
    response = await signUpWithPasskey({ username: field('username'), email: field('email') });
  } catch (error) {
    if (error.name !== 'PasskeyRefused') {
      showErrors(form, { detail: describeWebAuthnError(error) });
    } else {
      showErrors(form, error.response.status === 429 ? { detail: tooManyText(error.response) } : error.body);
    }
    return;
  }
  const body = await json(response);
  if (response.status === 201) {
    welcome(body);
    return;
  }
  showErrors(form, response.status === 429 ? { detail: tooManyText(response) } : body);
}

if (webauthnSupported()) {
  document.getElementById('passkey-sign-up').hidden = false;
  document.getElementById('passkey-sign-up-button').addEventListener('click', () => busy(form, passkeySignUp));
}
keepNextOn(document.getElementById('login-link'));
onSessionChange({ signedIn: () => window.location.replace(nextPath()) });
