// The browsable API's "Log out": revokes this session through the auth API
// (with X-CSRFToken, from api.js) and reloads the page, now signed out.
// The page is rendered by the server for whoever was signed in: a sign-in or
// sign-out in another tab loads it again (a GET, even after a form's POST).
import { api, onSessionChange, paths } from './api.js';

const showAgain = () => window.location.replace(window.location.pathname + window.location.search);
// A signed-out page tells the others so: news only to a page that shows a user.
const showsUser = Boolean(document.getElementById('api-user'));
onSessionChange({ signedIn: showAgain, signedOut: () => showsUser && showAgain() });

const button = document.getElementById('api-logout');
if (button) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api(paths.logout, { method: 'POST', refresh: false });
    } finally {
      window.location.reload();
    }
  });
}

// The auth endpoints take JSON or a urlencoded form, never multipart (415):
// DRF's HTML form tab is multipart by default, and has no file field there.
if (/^\/api\/(auth|token)\//.test(window.location.pathname)) {
  for (const form of document.querySelectorAll('form[enctype="multipart/form-data"]')) {
    form.enctype = 'application/x-www-form-urlencoded';
  }
}
