// "/": who am I. A neutral placeholder until /api/me/ answers, then either the
// username and "Log out", or "Log in" and "Register" links. Never redirects.
// Follows a sign-in or sign-out in another tab without a reload.
import { api, currentUser, onSessionChange, paths } from '../api.js';
import { announce } from '../ui.js';

const pending = document.getElementById('who-pending');
const signedIn = document.getElementById('who-signed-in');
const signedOut = document.getElementById('who-signed-out');

function show(section) {
  for (const node of [pending, signedIn, signedOut]) node.hidden = node !== section;
}

async function logOut(event) {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    await api(paths.logout, { method: 'POST', refresh: false });
    show(signedOut);
    announce('You are signed out.', 'success');
  } catch {
    announce('Could not reach the server. Please try again.', 'error');
  } finally {
    button.disabled = false;
  }
}

document.getElementById('logout').addEventListener('click', logOut);

if (new URLSearchParams(window.location.search).get('account') === 'deleted') {
  announce('Your account has been deleted. Goodbye.', 'success');
}

function showWhoIsSignedIn() {
  return currentUser().then(
    (user) => {
      if (user) {
        document.getElementById('who-username').textContent = user.username;
        show(signedIn);
      } else {
        show(signedOut);
      }
    },
    () => {
      show(signedOut);
      announce('Could not reach the server. Please reload the page.', 'error');
    },
  );
}

onSessionChange({
  signedIn: () => {
    announce('');
    showWhoIsSignedIn();
  },
  signedOut: () => {
    // Any signed-out page tells the others so; only a page that showed a user has news.
    if (signedIn.hidden) return;
    show(signedOut);
    announce('You signed out in another tab or window.', 'info');
  },
});
showWhoIsSignedIn();
