// /register/: creates an account through POST /api/auth/register/ (which signs it in).
// A sign-in in another tab meanwhile goes to ?next=, as the login page does.
// With an address, the page stays to say a verification mail is on its way
// (and, where the site prints mail instead of sending it, where to find it).
import { onSessionChange, paths } from '../api.js';
import { part } from '../ui.js';
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

submitTo(document.getElementById('register-form'), paths.register, { ok: 201, done: welcome });
keepNextOn(document.getElementById('login-link'));
onSessionChange({ signedIn: () => window.location.replace(nextPath()) });
