// /sessions/: the user's live devices (this one marked "This device"),
// "Revoke" on every other one, and "Log out everywhere". Each device is named
// by the API (`device`, read from its user agent on the server). A sign-out in
// another tab goes to the login page; a sign-in in another tab (a new session
// for this browser) lists the devices again.
import { SignedOut, api, discard, goToLogin, json, loginUrl, onSessionChange, paths } from '../api.js';
import { announce, fromTemplate, part, timeElement } from '../ui.js';

const list = document.getElementById('session-list');

function updateCount() {
  const count = list.children.length;
  document.getElementById('session-count').textContent = `${count} device${count === 1 ? '' : 's'}`;
}

function renderSession(session) {
  const item = fromTemplate('session-template');
  item.dataset.sessionId = session.id;
  const label = session.device;
  part(item, 'device').textContent = label;
  part(item, 'user-agent').textContent = session.user_agent || '(none sent)';
  part(item, 'ip').textContent = session.ip_address || 'unknown';
  part(item, 'last-used').append(timeElement(session.last_used_at));
  part(item, 'created').append(timeElement(session.created_at));
  // Bound (DBSC or DPoP): renewing it needs a key that never leaves the device.
  if (session.bound) part(item, 'bound').hidden = false;
  else part(item, 'bound').remove();
  if (session.current) {
    item.classList.add('session-current');
    part(item, 'current').hidden = false;
    part(item, 'controls').remove();
  } else {
    part(item, 'current').remove();
    const button = item.querySelector('[data-action="revoke"]');
    button.addEventListener('click', () => revoke(item, session, label, button));
  }
  return item;
}

async function revoke(item, session, label, button) {
  button.disabled = true;
  try {
    const response = await api(`${paths.sessions}${session.id}/`, { method: 'DELETE' });
    if (response.status === 204 || response.status === 404) {
      await discard(response);
      item.remove();
      updateCount();
      announce(`Signed out ${label}.`, 'success');
      // Keep keyboard focus in the list rather than losing it with the removed button.
      (list.querySelector('[data-action="revoke"]') || document.getElementById('logout-all')).focus();
    } else {
      announce((await json(response)).detail || 'Could not revoke that device.', 'error');
    }
  } finally {
    button.disabled = false;
  }
}

async function loadSessions() {
  const response = await api(paths.sessions);
  if (!response.ok) {
    await discard(response);
    announce('Could not load your devices. Please reload the page.', 'error');
    return false;
  }
  list.replaceChildren(...(await json(response)).map(renderSession));
  updateCount();
  return true;
}

document.getElementById('logout-all').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    const response = await api(paths.logoutAll, { method: 'POST' });
    if (response.status === 204) {
      window.location.assign(loginUrl('/sessions/'));
      return;
    }
    announce((await json(response)).detail || 'Could not sign out everywhere.', 'error');
  } finally {
    button.disabled = false;
  }
});

try {
  if (await loadSessions()) {
    document.getElementById('sessions-pending').hidden = true;
    document.getElementById('sessions-ready').hidden = false;
  }
  onSessionChange({ signedIn: loadSessions, signedOut: goToLogin });
} catch (error) {
  if (!(error instanceof SignedOut)) throw error;
}
