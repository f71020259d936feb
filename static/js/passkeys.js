// Passkey ceremonies against the API: each asks the server for options, lets
// the browser and authenticator answer them (webauthn.js), and posts the answer.
// `send` is how requests go out: api() by default, reauth.js's sensitive() for
// the actions that need a recent sign-in.
import { api, json, paths } from './api.js';
import { createCredential, getAssertion } from './webauthn.js';

// Thrown when the server refused a step; `response` and `body` say why.
export class PasskeyRefused extends Error {
  constructor(response, body) {
    super(body.detail || 'The server refused the passkey.');
    this.name = 'PasskeyRefused';
    this.response = response;
    this.body = body;
  }
}

async function options(path, send, init = {}) {
  const response = await send(path, { method: 'POST', ...init });
  const body = await json(response);
  if (!response.ok) throw new PasskeyRefused(response, body);
  return body;
}

// Signs in with any passkey this device holds for the site; the login response.
// `mediation` and `signal` go to navigator.credentials.get() (the login page's autofill).
export async function signInWithPasskey({ remember = true, mediation, signal } = {}) {
  const requestOptions = await options(paths.passkeyLoginOptions, api, { refresh: false });
  const assertion = await getAssertion(requestOptions, { mediation, signal });
  return api(paths.passkeyLogin, { method: 'POST', body: { ...assertion, remember }, refresh: false });
}

// Creates an account whose one way in is a new passkey (no password); the sign-up response.
// A refusal of the first step (a taken username, a malformed address) throws PasskeyRefused.
export async function signUpWithPasskey({ username, email }) {
  const creation = await options(paths.passkeySignUpOptions, api, { refresh: false, body: { username, email } });
  const credential = await createCredential(creation);
  return api(paths.passkeySignUp, { method: 'POST', body: { credential }, refresh: false });
}

// Answers the held sign-in (the httpOnly mfa_ticket cookie) with one of the user's passkeys; the response.
export async function secondFactorWithPasskey() {
  const assertion = await getAssertion(await options(paths.loginMfaPasskeyOptions, api, { refresh: false }));
  return api(paths.loginMfaPasskey, { method: 'POST', body: assertion, refresh: false });
}

// Registers a new passkey named `name` (empty: the server names it after the device); the passkey.
export async function addPasskey(name, send = api) {
  const credential = await createCredential(await options(paths.passkeyRegisterOptions, send));
  const response = await send(paths.passkeys, { method: 'POST', body: { name, credential } });
  const body = await json(response);
  if (response.status !== 201) throw new PasskeyRefused(response, body);
  return body;
}

// Proves again who the signed-in user is with one of their passkeys (a fresh sign-in for sensitive actions).
export async function reauthenticateWithPasskey() {
  const assertion = await getAssertion(await options(paths.passkeyReauthenticateOptions, api));
  const response = await api(paths.reauthenticate, { method: 'POST', body: { assertion }, refresh: false });
  const body = await json(response);
  if (!response.ok) throw new PasskeyRefused(response, body);
  return body;
}
