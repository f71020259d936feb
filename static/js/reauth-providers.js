// Confirming it is you at a sign-in provider you linked (reauth.js's dialog).
// When a 403 `reauthentication_required` names "provider" among its
// `methods`, the dialog shows "Confirm with <name>" per linked provider
// (GET /api/auth/identities/). A click starts the trip
// (POST /api/auth/providers/<id>/reauthenticate/ with `next` = this page's path) and
// goes to the provider, which asks the user to sign in again; its callback
// comes back here with ?reauthenticated=1 (announced below: the user repeats
// the action) or to /account/ with ?provider_error=<code>.
import { api, json, paths } from './api.js';
import { announce, busy, showErrors, tooManyText } from './ui.js';

const CONFIRMED = 'reauthenticated';

async function start(form, provider) {
  await busy(form, async () => {
    const path = `/api/auth/providers/${encodeURIComponent(provider.id)}/reauthenticate/`;
    // Back to this page's path: not its query, whose marks (?provider_error=...) told of what is over.
    const response = await api(path, { method: 'POST', body: { next: window.location.pathname } });
    const body = await json(response);
    if (response.ok) window.location.assign(body.authorize_url);
    else if (response.status === 429) showErrors(form, { detail: tooManyText(response) });
    else showErrors(form, { detail: body.detail || 'Could not reach the sign-in provider. Please try again.' });
  });
}

// Fills the dialog's providers part: one button per provider the user linked, when `methods` names "provider".
export async function offerProviders(form, methods) {
  const section = form.querySelector('[data-part="providers"]');
  const buttons = section.querySelector('[data-part="provider-buttons"]');
  buttons.replaceChildren();
  section.hidden = true;
  if (!methods.includes('provider')) return;
  const response = await api(paths.identities);
  const identities = response.ok ? await json(response) : [];
  const providers = new Map(identities.map((identity) => [identity.provider, identity.provider_name]));
  // "or …" after the password field, as the passkey's offer reads; the only way offered otherwise.
  section.querySelector('p').textContent = methods.includes('password')
    ? 'or confirm at a sign-in provider you linked:'
    : 'Confirm at a sign-in provider you linked:';
  for (const [id, name] of providers) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button button-secondary';
    button.textContent = `Confirm with ${name}`;
    button.addEventListener('click', () => start(form, { id, name }));
    buttons.append(button);
  }
  section.hidden = providers.size === 0;
}

// Back from the provider, confirmed: say so, and take the mark off the address (a reload says nothing again).
export function announceConfirmed() {
  const url = new URL(window.location.href);
  if (url.searchParams.get(CONFIRMED) !== '1') return;
  announce('Confirmed. You can go on.', 'success');
  url.searchParams.delete(CONFIRMED);
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
}
