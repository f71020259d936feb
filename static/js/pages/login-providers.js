// /login/'s external providers: a "Sign in with <name>" button per configured
// OpenID Connect provider (GET /api/auth/providers/). Each is a link to the
// provider's login_url: a navigation, not a fetch, since the trip goes
// through the provider's pages and comes back to the callback, which lands on
// ?next= signed in, or back here with ?provider_error=<code> (shown in words
// below; the code never carries free text) or ?second_factor=1 (the account
// has two-factor on: the code form, which finishes the held sign-in).
import { api, json, paths } from '../api.js';
import { showErrors } from '../ui.js';
import { nextPath } from './auth-form.js';

export const PROVIDER_ERRORS = {
  provider_unknown: 'That sign-in provider is not configured here.',
  provider_unavailable: 'The sign-in provider could not be reached. Please try again later, or sign in another way.',
  provider_state_invalid: 'That sign-in was not started in this browser, has expired or was already used. Please start again.',
  provider_code_rejected: 'The sign-in provider did not confirm that sign-in. Please start again.',
  id_token_invalid: 'The sign-in provider’s answer could not be verified, so you were not signed in. Please start again.',
  provider_denied: 'The sign-in was cancelled at the provider.',
  provider_account_exists:
    'An account here already uses this email address. Sign in to it the usual way, then link the provider from your account page.',
  provider_identity_taken: 'That account at the provider is already linked to another account here.',
  account_inactive: 'This account is deactivated.',
  throttled: 'Too many sign-in attempts from this network. Please wait a minute and try again.',
  email_unverified: 'Verify your email address first: we have sent you a new link.',
  // Confirming it is you at a linked provider (back on /account/).
  provider_not_linked: 'No account at that sign-in provider is linked to yours.',
  provider_identity_mismatch:
    'You signed in at the provider as someone else, so nothing was confirmed. Use the account you linked here.',
  provider_sign_in_not_fresh: 'The sign-in provider did not ask you to sign in again, so nothing was confirmed. Please try again.',
  provider_session_changed: 'You signed out or in again here meanwhile, so nothing was confirmed. Please start again.',
};

export function providerErrorText(code) {
  return PROVIDER_ERRORS[code] || 'Signing in with the provider did not work. Please try again.';
}

export async function showProviders() {
  const section = document.getElementById('provider-sign-in');
  const list = document.getElementById('provider-buttons');
  let providers = [];
  try {
    const response = await api(paths.providers, { refresh: false, redirect: false });
    if (response.ok) providers = await json(response);
  } catch {
    return;
  }
  if (!Array.isArray(providers) || providers.length === 0) return;
  const next = nextPath();
  for (const provider of providers) {
    // A link, not a GET form: the site's CSP (form-action 'self') would stop a form's
    // redirect to the provider. It reads and acts as a button (Space too).
    const link = document.createElement('a');
    link.className = 'button button-secondary';
    link.setAttribute('role', 'button');
    link.href = next === '/' ? provider.login_url : `${provider.login_url}?next=${encodeURIComponent(next)}`;
    link.textContent = `Sign in with ${provider.name}`;
    link.addEventListener('keydown', (event) => {
      if (event.key === ' ') {
        event.preventDefault();
        link.click();
      }
    });
    list.append(link);
  }
  section.hidden = false;
}

export function showProviderError(loginForm) {
  const code = new URLSearchParams(window.location.search).get('provider_error');
  if (code) showErrors(loginForm, { detail: providerErrorText(code) });
}
