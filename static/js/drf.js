// The browsable API's "Log out": revokes this session through the auth API
// (with X-CSRFToken, from api.js) and reloads the page, now signed out.
import { api, paths } from './api.js';

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
