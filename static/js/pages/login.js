// /login/: signs in through POST /api/auth/login/ and goes back to ?next=.
// Already signed in (a live session, perhaps only a refresh cookie) with a
// ?next=, it goes straight there: the browsable API's "Log in" link relies on it.
// A sign-in in another tab meanwhile makes this form moot: it goes to ?next= too.
import { currentUser, onSessionChange, paths } from '../api.js';
import { announce } from '../ui.js';
import { keepNextOn, nextPath, submitTo } from './auth-form.js';

const form = document.getElementById('login-form');
submitTo(form, paths.login, { ok: 200 });
keepNextOn(document.getElementById('register-link'));
onSessionChange({ signedIn: () => window.location.replace(nextPath()) });

currentUser().then((user) => {
  if (!user) return;
  if (new URLSearchParams(window.location.search).has('next')) {
    window.location.replace(nextPath());
  } else {
    announce(`You are already signed in as ${user.username}.`, 'info');
  }
}, () => {});
