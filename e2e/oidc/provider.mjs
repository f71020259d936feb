// A real OpenID provider for jwtsite's e2e tests: the certified `oidc-provider`
// package on loopback, with its development interactions (a sign-in form
// where the "login" you type is the account, any password, then a consent
// page). Configured from the environment by e2e/oidc_provider.py:
//   OIDC_PORT      the port on 127.0.0.1 (the issuer is http://127.0.0.1:<port>)
//   OIDC_CLIENTS   JSON list of {client_id, client_secret, redirect_uris}
//   OIDC_ACCOUNTS  JSON object: login -> claims (email, email_verified, preferred_username...)
// It prints "listening <issuer>" once it accepts connections.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]').map((client) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  ...client,
}));
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const provider = new Provider(issuer, {
  clients,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['preferred_username', 'name'],
  },
  async findAccount(ctx, id) {
    const known = accounts[id] || { email: `${id}@example.com`, email_verified: true, preferred_username: id };
    return { accountId: id, async claims() { return { sub: id, ...known }; } };
  },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ['jwtsite-e2e-only-cookie-key'] },
});
provider.on('server_error', (ctx, error) => console.error('server_error', error));
provider.listen(port, '127.0.0.1', () => console.log(`listening ${issuer}`));
