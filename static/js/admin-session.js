// The admin's pages: an open admin tab keeps its session's access cookie fresh.
//
// The access cookie lives ACCESS_TOKEN_LIFETIME (5 minutes) and the refresh
// cookie only reaches /api/auth/, so no admin request can renew the session.
// This script does, through the site's one shared refresh (api.js,
// session-sync.js): a minute before the access token expires, and when the
// tab comes back into view after that (browsers slow hidden tabs' timers
// down). A form posted after a long pause then still carries a valid cookie
// instead of bouncing through the sign-in page. A session that is gone
// (revoked, signed out in another tab) goes to the sign-in page, and back here
// after signing in. "Log out" signs out through the API, which tells the other tabs.
import { api, goToLogin, onSessionChange, paths, renewNow } from './api.js';
import { changedSince, onChangeElsewhere } from './session-sync.js';

const RETRY_MS = 15_000;
const meta = (name) => document.querySelector(`meta[name="jwtsite-${name}"]`)?.content;
const lifetimeMs = (Number(meta('access-lifetime')) || 300) * 1000;
// A minute ahead with the default 5 minutes; a third of the lifetime when it is shorter.
const MARGIN_MS = Math.min(60_000, lifetimeMs / 3);
let expiresAt = Number(meta('access-expires')) * 1000 || Date.now();
let timer = null;

function renewIn(delayMs) {
  clearTimeout(timer);
  timer = setTimeout(renew, Math.max(0, delayMs));
}

function expiresFrom(change) {
  const expires = Date.parse(change?.accessExpires);
  return Number.isFinite(expires) ? expires : Date.now() + lifetimeMs;
}

async function renew() {
  const startedAt = Date.now();
  if (await renewNow()) {
    expiresAt = expiresFrom(changedSince(startedAt - 1));
    renewIn(expiresAt - MARGIN_MS - Date.now());
  } else if (changedSince(startedAt - 1)?.type === 'signed-out') {
    goToLogin();
  } else {
    renewIn(RETRY_MS); // unreachable server: try again, and keep what is on the page
  }
}

function renewIfDue() {
  if (document.visibilityState === 'visible' && Date.now() > expiresAt - MARGIN_MS) renew();
}

onChangeElsewhere((change) => {
  if (change.type === 'refreshed' || change.type === 'signed-in') {
    expiresAt = expiresFrom(change);
    renewIn(expiresAt - MARGIN_MS - Date.now());
  }
});
// Someone else may have signed in in another tab: show this page as they see it.
onSessionChange({ signedIn: () => window.location.reload(), signedOut: goToLogin });
document.addEventListener('visibilitychange', renewIfDue);
window.addEventListener('focus', renewIfDue);
renewIn(expiresAt - MARGIN_MS - Date.now());

const logoutForm = document.getElementById('logout-form');
logoutForm?.addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const response = await api(paths.logout, { method: 'POST', refresh: false });
    if (response.ok) {
      window.location.assign('/login/?next=/admin/');
      return;
    }
  } catch {
    // The form's own POST (below) signs out on the server instead.
  }
  logoutForm.submit();
});
