// The one fetch wrapper every page uses to talk to the API.
//
// - Cookies only: the access and refresh tokens live in httpOnly cookies and
//   never reach JavaScript: nothing here reads or keeps them.
// - Unsafe requests carry X-CSRFToken from the `csrftoken` cookie, fetched
//   from /api/auth/csrf/ when it is missing.
// - On a 401, ONE refresh (POST /api/auth/refresh/) for the whole browser:
//   every call of this tab that failed at once shares it, and the other tabs
//   wait for it and reuse it (session-sync.js); each call is then retried
//   once; when the refresh fails, or the retry is a 401 again, the page goes
//   to /login/?next=<here>. A device-bound session (DBSC) answers the refresh
//   with key_proof_required: the browser renews its cookie itself, so the
//   cookies are tried once more instead (renewedByTheBrowser).
// - Signing in or out, here or in another tab, reaches every open page of the
//   site at once (onSessionChange), without a reload.
// - A GET answered 503 with Retry-After (the database restarting) is sent
//   once more after that wait: a safe method changes nothing, so a retry is harmless.
// - Every body nobody will read (a 401 before its retry, the refresh, a 503
//   before its retry) is read to the end and dropped: Chromium keeps a request
//   open until its unread response is garbage-collected, so the page never
//   goes network-idle and an HTTP/1.1 connection (six per host) stays taken.
import { onChangeElsewhere, renewSession, tellOtherTabs } from './session-sync.js';

const CSRF_COOKIE = 'csrftoken';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export const paths = {
  csrf: '/api/auth/csrf/',
  register: '/api/auth/register/',
  login: '/api/auth/login/',
  refresh: '/api/auth/refresh/',
  logout: '/api/auth/logout/',
  logoutAll: '/api/auth/logout-all/',
  password: '/api/auth/password/',
  passwordReset: '/api/auth/password/reset/',
  passwordResetCheck: '/api/auth/password/reset/check/',
  passwordResetConfirm: '/api/auth/password/reset/confirm/',
  email: '/api/auth/email/',
  emailVerify: '/api/auth/email/verify/',
  emailVerifyResend: '/api/auth/email/verify/resend/',
  reauthenticate: '/api/auth/reauthenticate/',
  account: '/api/auth/account/',
  sessions: '/api/auth/sessions/',
  loginMfa: '/api/auth/login/mfa/',
  loginMfaPasskeyOptions: '/api/auth/login/mfa/passkey/options/',
  loginMfaPasskey: '/api/auth/login/mfa/passkey/',
  loginCode: '/api/auth/login/code/',
  loginCodeConfirm: '/api/auth/login/code/confirm/',
  passkeys: '/api/auth/passkeys/',
  passkeyRegisterOptions: '/api/auth/passkeys/register/options/',
  passkeyLoginOptions: '/api/auth/passkeys/login/options/',
  passkeyLogin: '/api/auth/passkeys/login/',
  passkeyReauthenticateOptions: '/api/auth/passkeys/reauthenticate/options/',
  passkeySignUpOptions: '/api/auth/passkeys/signup/options/',
  passkeySignUp: '/api/auth/passkeys/signup/',
  totp: '/api/auth/totp/',
  totpConfirm: '/api/auth/totp/confirm/',
  recoveryCodes: '/api/auth/recovery-codes/',
  providers: '/api/auth/providers/',
  identities: '/api/auth/identities/',
  me: '/api/me/',
  posts: '/api/posts/',
};

export function readCookie(name) {
  for (const part of document.cookie.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return null;
}

// Reads a body nobody needs to its end, which frees the request and its connection.
export async function discard(response) {
  if (!response.body || response.bodyUsed) return;
  try {
    await response.arrayBuffer();
  } catch {
    // A body that breaks off has nothing left to free.
  }
}

async function csrfToken() {
  let token = readCookie(CSRF_COOKIE);
  if (!token) {
    await discard(await fetch(paths.csrf, { credentials: 'same-origin' }));
    token = readCookie(CSRF_COOKIE);
  }
  return token;
}

async function send(path, method, body) {
  const headers = { Accept: 'application/json' };
  if (!SAFE_METHODS.has(method)) headers['X-CSRFToken'] = await csrfToken();
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return fetch(path, init);
}

const MAX_RETRY_AFTER_SECONDS = 5;

async function sendRetryingUnavailable(path, method, body) {
  const response = await send(path, method, body);
  if (response.status !== 503 || !SAFE_METHODS.has(method)) return response;
  const seconds = Number(response.headers.get('Retry-After'));
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_RETRY_AFTER_SECONDS) return response;
  await discard(response);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return send(path, method, body);
}

// The refresh request, as session-sync.js expects it. `at` is when the cookie
// jar took the state the answer describes: new cookies on arrival; a 401
// judged the cookies the request left with.
async function postRefresh() {
  const sentAt = Date.now();
  let response;
  try {
    response = await send(paths.refresh, 'POST');
  } catch {
    return { signedIn: false, definite: false, at: sentAt };
  }
  const at = response.ok ? Date.now() : sentAt;
  const body = await json(response);
  if (body.code === 'key_proof_required') return renewedByTheBrowser();
  return {
    signedIn: response.ok,
    definite: response.ok || response.status === 401,
    at,
    accessExpires: body.access_expires,
  };
}

// A session bound to this device's key (DBSC: docs/dbsc.md) is renewed by the
// browser itself, with a proof of the key, before any request that would go
// without the access cookie; the refresh cookie alone renews nothing. So the
// cookies are asked once more: signed in if they work now, signed out if not.
async function renewedByTheBrowser() {
  const signedIn = await probeSession();
  return { signedIn, definite: true, at: Date.now() };
}

// Whether the cookies now authenticate, after another tab's refresh whose message is late.
async function probeSession() {
  try {
    const response = await send(paths.me, 'GET');
    await discard(response);
    return response.ok;
  } catch {
    return false;
  }
}

// Renews the session now, before the access cookie expires (the admin's pages):
// the one refresh of the browser, shared with every other tab. Resolves true
// while still signed in; the new expiry is in session-sync's changedSince().
export function renewNow() {
  return renewSession(Date.now(), { refresh: postRefresh, probe: probeSession });
}

// A path on this site to come back to: only "/something", never "//host" or
// "/\host" (browsers read both as another host), and nothing that resolves to
// another origin once the browser has stripped tabs and newlines from it.
export function safeNextPath(candidate) {
  if (typeof candidate !== 'string' || !candidate.startsWith('/')) return null;
  if (candidate.startsWith('//') || candidate.startsWith('/\\')) return null;
  if (/[\u0000-\u001f\u007f\\]/.test(candidate)) return null;
  let url;
  try {
    url = new URL(candidate, window.location.origin);
  } catch {
    return null;
  }
  if (url.origin !== window.location.origin) return null;
  return url.pathname + url.search + url.hash;
}

export function loginUrl(next = window.location.pathname + window.location.search) {
  // Slashes may stay as they are in a query string: /login/?next=/posts/
  return `/login/?next=${encodeURIComponent(next).replace(/%2F/gi, '/')}`;
}

export function goToLogin() {
  window.location.assign(loginUrl());
}

export class SignedOut extends Error {
  constructor() {
    super('Signed out');
    this.name = 'SignedOut';
  }
}

// What a successful answer from these endpoints does to the session that
// every tab of the browser shares: the other tabs are told (session-sync.js).
const SESSION_CHANGES = new Map([
  [`POST ${paths.login}`, 'signed-in'],
  [`POST ${paths.register}`, 'signed-in'],
  [`POST ${paths.passkeySignUp}`, 'signed-in'],
  [`POST ${paths.logout}`, 'signed-out'],
  [`POST ${paths.logoutAll}`, 'signed-out'],
  // The same session with cookies issued anew.
  [`POST ${paths.password}`, 'refreshed'],
  [`POST ${paths.reauthenticate}`, 'refreshed'],
  // Every session of the user is gone, this browser's included.
  [`POST ${paths.passwordResetConfirm}`, 'signed-out'],
  [`DELETE ${paths.account}`, 'signed-out'],
]);

function tellSessionChange(path, method, response) {
  const change = response.ok && SESSION_CHANGES.get(`${method} ${path}`);
  if (!change) return;
  if (change !== 'refreshed') me = null;
  tellOtherTabs(change);
}

// Calls the API and returns the Response.
//   method, body: the request (body is sent as JSON)
//   refresh: false for calls whose 401 is an answer, not an expired token (login)
//   redirect: false to get a SignedOut error instead of going to the login page
export async function api(path, { method = 'GET', body, refresh = true, redirect = true } = {}) {
  method = method.toUpperCase();
  const sentAt = Date.now();
  let response = await sendRetryingUnavailable(path, method, body);
  if (response.status === 401 && refresh) {
    await discard(response);
    const renewed = await renewSession(sentAt, { refresh: postRefresh, probe: probeSession });
    response = renewed ? await sendRetryingUnavailable(path, method, body) : null;
    if (!response || response.status === 401) {
      if (response) await discard(response);
      if (redirect) goToLogin();
      throw new SignedOut();
    }
  }
  tellSessionChange(path, method, response);
  return response;
}

// The response body as JSON, or {} when there is none (204) or it is not JSON.
export async function json(response) {
  if (!response.body || response.bodyUsed) return {};
  const text = await response.text();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

let me = null;

// The signed-in user ({id, username, email}) or null; one /api/me/ call per
// page, again after the session changed.
export function currentUser() {
  if (!me) {
    me = api(paths.me, { redirect: false }).then(
      async (response) => {
        if (response.ok) return json(response);
        await discard(response);
        return null;
      },
      (error) => {
        if (error instanceof SignedOut) return null;
        throw error;
      },
    );
  }
  return me;
}

// The signed-in user, or off to the login page (pages that need one). From
// then on a sign-out in another tab sends this page to the login page too.
export async function requireUser() {
  const user = await currentUser();
  if (!user) {
    goToLogin();
    throw new SignedOut();
  }
  onSessionChange({ signedOut: goToLogin });
  return user;
}

// A change in another tab makes the user this page knows of stale.
onChangeElsewhere((change) => {
  if (change.type === 'signed-in') me = null;
  if (change.type === 'signed-out') me = Promise.resolve(null);
});

// Follows sign-ins and sign-outs made in other tabs of this browser:
// `signedIn()` (currentUser() then asks who it is now) or `signedOut()`.
// Returns a function that stops following.
export function onSessionChange({ signedIn = () => {}, signedOut = () => {} }) {
  return onChangeElsewhere((change) => {
    if (change.type === 'signed-in') signedIn();
    if (change.type === 'signed-out') signedOut();
  });
}
