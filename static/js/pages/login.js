// /login/: signs in through POST /api/auth/login/ (then the second factor
// when the account has two-factor on) or with a passkey (the button or the
// Username field's autofill: login-passkey.js), and goes back to
// ?next=. Already signed in (a live session, perhaps only a refresh cookie)
// with a ?next=, it goes straight there: the browsable API's "Log in" link relies on it.
// A sign-in in another tab meanwhile makes this form moot: it goes to ?next= too.
import { currentUser, onSessionChange, paths } from '../api.js';
import { announce } from '../ui.js';
import { keepNextOn, nextPath, submitTo } from './auth-form.js';
import { setUpPasskeys, startAutofill } from './login-passkey.js';
import { askForSecondFactor } from './login-second-factor.js';
import { showProviderError, showProviders } from './login-providers.js';

// Goes to ?next= once, whichever gets there first: this form, a passkey, a sign-in
// in another tab, or the check at load finding a session (which may answer just
// after this form signed in: two navigations at once would abort one another).
let leaving = false;
function leave(how = 'assign') {
  if (leaving) return;
  leaving = true;
  window.location[how](nextPath());
}

const form = document.getElementById('login-form');
submitTo(form, paths.login, {
  ok: 200,
  done: () => leave(),
  intercept: (response, body) => {
    if (response.status !== 401 || body.code !== 'mfa_required') {
      startAutofill(); // the password did not sign in: the passkey autofill is back
      return false;
    }
    askForSecondFactor(form, body.methods);
    return true;
  },
});
keepNextOn(document.getElementById('register-link'));
showProviderError(form);
// Back from a provider with two-factor on: the held sign-in (its httpOnly cookie) waits for the code;
// ?methods= names the account's second factors, as the password step's answer does.
const query = new URLSearchParams(window.location.search);
if (query.get('second_factor') === '1') {
  askForSecondFactor(form, query.has('methods') ? query.get('methods').split(',') : undefined);
} else {
  showProviders();
}
onSessionChange({ signedIn: () => leave('replace') });

setUpPasskeys({ signedIn: () => leave() });

currentUser().then((user) => {
  if (!user) return;
  if (new URLSearchParams(window.location.search).has('next')) {
    leave('replace');
  } else {
    announce(`You are already signed in as ${user.username}.`, 'info');
  }
}, () => {});
