// The one fetch wrapper every page uses to talk to the API.
//
// - Cookies only: the access and refresh tokens live in httpOnly cookies and
//   never reach JavaScript: nothing here reads or keeps them.
// - Unsafe requests carry X-CSRFToken from the `csrftoken` cookie, fetched
//   from /api/auth/csrf/ when it is missing.
// - On a 401, ONE refresh (POST /api/auth/refresh/) is shared by every call
//   that failed at once, then each call is retried once; when the refresh
//   fails, or the retry is a 401 again, the page goes to /login/?next=<here>.
// - A GET answered 503 with Retry-After (the database restarting) is sent
//   once more after that wait: a safe method changes nothing, so a retry is harmless.

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
  passwordResetConfirm: '/api/auth/password/reset/confirm/',
  email: '/api/auth/email/',
  emailVerify: '/api/auth/email/verify/',
  emailVerifyResend: '/api/auth/email/verify/resend/',
  reauthenticate: '/api/auth/reauthenticate/',
  account: '/api/auth/account/',
  sessions: '/api/auth/sessions/',
  loginMfa: '/api/auth/login/mfa/',
  passkeys: '/api/auth/passkeys/',
  passkeyRegisterOptions: '/api/auth/passkeys/register/options/',
  passkeyLoginOptions: '/api/auth/passkeys/login/options/',
  passkeyLogin: '/api/auth/passkeys/login/',
  passkeyReauthenticateOptions: '/api/auth/passkeys/reauthenticate/options/',
  totp: '/api/auth/totp/',
  totpConfirm: '/api/auth/totp/confirm/',
  recoveryCodes: '/api/auth/recovery-codes/',
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

async function csrfToken() {
  let token = readCookie(CSRF_COOKIE);
  if (!token) {
    await fetch(paths.csrf, { credentials: 'same-origin' });
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
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return send(path, method, body);
}

// The refresh shared by every call that got a 401 at the same time.
// `generation` counts finished refreshes: a call whose 401 arrives after a
// refresh that started after it was sent only retries, without refreshing
// again, so a burst of calls costs exactly one refresh request.
let refreshInFlight = null;
let generation = 0;
let lastRefreshSucceeded = false;

function refreshOnce() {
  if (!refreshInFlight) {
    refreshInFlight = send(paths.refresh, 'POST')
      .then((response) => response.ok)
      .catch(() => false)
      .then((ok) => {
        lastRefreshSucceeded = ok;
        generation += 1;
        refreshInFlight = null;
        return ok;
      });
  }
  return refreshInFlight;
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

// Calls the API and returns the Response.
//   method, body: the request (body is sent as JSON)
//   refresh: false for calls whose 401 is an answer, not an expired token (login)
//   redirect: false to get a SignedOut error instead of going to the login page
export async function api(path, { method = 'GET', body, refresh = true, redirect = true } = {}) {
  method = method.toUpperCase();
  const sentAt = generation;
  const response = await sendRetryingUnavailable(path, method, body);
  if (response.status !== 401 || !refresh) return response;

  const refreshed = generation !== sentAt ? lastRefreshSucceeded : await refreshOnce();
  if (refreshed) {
    const retried = await sendRetryingUnavailable(path, method, body);
    if (retried.status !== 401) return retried;
  }
  if (redirect) goToLogin();
  throw new SignedOut();
}

// The response body as JSON, or {} when there is none (204) or it is not JSON.
export async function json(response) {
  const text = await response.text();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

let me = null;

// The signed-in user ({id, username, email}) or null; one /api/me/ call per page.
export function currentUser() {
  if (!me) {
    me = api(paths.me, { redirect: false }).then(
      (response) => (response.ok ? json(response) : null),
      (error) => {
        if (error instanceof SignedOut) return null;
        throw error;
      },
    );
  }
  return me;
}

// The signed-in user, or off to the login page (pages that need one).
export async function requireUser() {
  const user = await currentUser();
  if (!user) {
    goToLogin();
    throw new SignedOut();
  }
  return user;
}
