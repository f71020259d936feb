// /account/'s sign-in providers: the linked identities (GET /api/auth/identities/),
// "Unlink" (DELETE, needs a recent sign-in; refused while it is the only way in),
// and "Link <name>" per configured provider not linked yet: POST
// /api/auth/providers/<id>/link/ (recent sign-in) answers the provider's URL, and
// the browser goes there; the provider sends it back to /account/ with
// ?provider_linked=<id> or ?provider_error=<code>.
import { SignedOut, api, json, paths, requireUser } from '../api.js';
import { sensitive } from '../reauth.js';
import { announceAt } from '../ui.js';
import { providerErrorText } from './login-providers.js';

const section = document.getElementById('providers-section');
const list = document.getElementById('identity-list');
const empty = document.getElementById('identities-empty');
const linkButtons = document.getElementById('provider-link-buttons');
const messages = document.getElementById('providers-messages');

function renderIdentity(identity) {
  const item = document.createElement('li');
  item.className = 'passkey';
  const head = document.createElement('div');
  head.className = 'passkey-head';
  const name = document.createElement('h3');
  name.textContent = identity.email ? `${identity.provider_name} (${identity.email})` : identity.provider_name;
  const unlink = document.createElement('button');
  unlink.type = 'button';
  unlink.className = 'button button-danger';
  unlink.textContent = 'Unlink';
  unlink.addEventListener('click', async () => {
    unlink.disabled = true;
    try {
      const response = await sensitive(`${paths.identities}${identity.id}/`, { method: 'DELETE' });
      const body = await json(response);
      if (response.status === 204) {
        item.remove();
        announceAt(messages, `${identity.provider_name} unlinked.`, 'success');
        await load();
      } else if (body.code !== 'reauthentication_required') {
        announceAt(messages, body.detail || 'Could not unlink it.', 'error');
      }
    } finally {
      unlink.disabled = false;
    }
  });
  head.append(name, unlink);
  item.append(head);
  return item;
}

async function link(provider) {
  const response = await sensitive(`/api/auth/providers/${encodeURIComponent(provider.id)}/link/`, { method: 'POST' });
  const body = await json(response);
  if (response.ok) {
    window.location.assign(body.authorize_url);
  } else if (body.code !== 'reauthentication_required') {
    announceAt(messages, body.detail || 'Could not start linking.', 'error');
  }
}

async function load() {
  const [providersResponse, identitiesResponse] = await Promise.all([api(paths.providers), api(paths.identities)]);
  const providers = providersResponse.ok ? await json(providersResponse) : [];
  const identities = identitiesResponse.ok ? await json(identitiesResponse) : [];
  if (providers.length === 0 && identities.length === 0) return;
  section.hidden = false;
  list.replaceChildren(...identities.map(renderIdentity));
  empty.hidden = identities.length > 0;
  const linked = new Set(identities.map((identity) => identity.provider));
  linkButtons.replaceChildren(
    ...providers
      .filter((provider) => !linked.has(provider.id))
      .map((provider) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'button button-secondary';
        button.textContent = `Link ${provider.name}`;
        button.addEventListener('click', () => link(provider));
        return button;
      }),
  );
}

async function start() {
  await requireUser();
  await load();
  const query = new URLSearchParams(window.location.search);
  if (query.get('provider_linked')) announceAt(messages, 'Linked: it can sign you in from now on.', 'success');
  if (query.get('provider_error')) announceAt(messages, providerErrorText(query.get('provider_error')), 'error');
}

start().catch((error) => {
  if (!(error instanceof SignedOut)) throw error;
});
