// /verify-email/?token=...: follows a verification link (POST /api/auth/email/verify/)
// as soon as the page opens.
import { api, json, paths } from '../api.js';
import { part } from '../ui.js';

const token = new URLSearchParams(window.location.search).get('token') || '';

function show(id, reason) {
  document.getElementById('verify-pending').hidden = true;
  const section = document.getElementById(id);
  if (reason) part(section, 'reason').textContent = reason;
  section.hidden = false;
}

async function verify() {
  if (!token) {
    show('verify-failed', 'This page needs the link from your email.');
    return;
  }
  let response;
  try {
    response = await api(paths.emailVerify, { method: 'POST', body: { token }, refresh: false });
  } catch {
    show('verify-failed', 'Could not reach the server. Please reload the page.');
    return;
  }
  const body = await json(response);
  if (response.status === 204) show('verify-done');
  else if (response.status === 200 && body.code === 'already_verified') show('verify-already');
  else if (body.token) show('verify-failed', [].concat(body.token).join(' '));
  else show('verify-failed', body.detail || 'Something went wrong. Please reload the page.');
}

verify();
