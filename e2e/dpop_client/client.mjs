// A DPoP client built on panva's `dpop` package (RFC 9449 proofs), against a live jwtsite.
//
// It signs in with a DPoP proof, calls /api/me/ with the bound token, refreshes, and then
// tries what a thief holding a copy of the tokens (but not the private key) would try.
// Every answer is printed as one JSON report on stdout; e2e/test_dpop.py judges it.
// Environment: SITE_URL (the auth server: /api/token/), RESOURCE_URL (where /api/me/ is called:
// the same server, a verifying-only one or the Node example), USERNAME, PASSWORD, ALG (ES256),
// STALE_WAIT_MS (how long to hold a proof before sending it, past the server's DPOP_IAT_WINDOW).

import * as DPoP from 'dpop';

const site = process.env.SITE_URL;
const resource = process.env.RESOURCE_URL || site;
const alg = process.env.ALG || 'ES256';
const staleWaitMs = Number(process.env.STALE_WAIT_MS || 0);
const nonces = new Map(); // the server's latest DPoP-Nonce, as a client keeps it

async function answer(base, response) {
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = { raw: text.slice(0, 200) };
  }
  if (response.headers.get('dpop-nonce')) nonces.set(base, response.headers.get('dpop-nonce'));
  return {
    status: response.status,
    code: body?.code ?? null,
    token_type: body?.token_type ?? null,
    www_authenticate: response.headers.get('www-authenticate'),
    dpop_nonce: response.headers.get('dpop-nonce'),
    body,
  };
}

async function send(path, { method = 'GET', json, authorization, proof }) {
  const base = baseOf(path);
  const headers = { Accept: 'application/json' };
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  if (authorization) headers.Authorization = authorization;
  if (proof) headers.DPoP = proof;
  const response = await fetch(base + path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  return answer(base, response);
}

// The request as a well-behaved client sends it: a fresh proof, and one retry with the
// server's nonce when it answers use_dpop_nonce (RFC 9449 section 8).
function baseOf(path) {
  return path.startsWith('/api/token/') ? site : resource;
}

async function dpopRequest(key, path, { method = 'GET', json, accessToken } = {}) {
  for (let attempt = 0; ; attempt += 1) {
    const proof = await DPoP.generateProof(key, baseOf(path) + path, method, nonces.get(baseOf(path)), accessToken);
    const authorization = accessToken ? `DPoP ${accessToken}` : undefined;
    const result = await send(path, { method, json, authorization, proof });
    if (result.code !== 'use_dpop_nonce' || attempt > 0) return result;
  }
}

async function proofFor(key, path, method = 'GET', accessToken = undefined) {
  return DPoP.generateProof(key, baseOf(path) + path, method, nonces.get(baseOf(path)), accessToken);
}

const report = {};
const key = await DPoP.generateKeyPair(alg);
const thiefKey = await DPoP.generateKeyPair(alg);
report.jkt = await DPoP.calculateThumbprint(key.publicKey);

const credentials = { username: process.env.USERNAME, password: process.env.PASSWORD };
report.obtain = await dpopRequest(key, '/api/token/', { method: 'POST', json: credentials });
const { access, refresh } = report.obtain.body;
report.me = await dpopRequest(key, '/api/me/', { accessToken: access });

// A thief with a copy of the access token.
report.no_proof = await send('/api/me/', { authorization: `DPoP ${access}` });
report.as_bearer = await send('/api/me/', { authorization: `Bearer ${access}`, proof: await proofFor(key, '/api/me/', 'GET', access) });
report.other_key = await send('/api/me/', { authorization: `DPoP ${access}`, proof: await proofFor(thiefKey, '/api/me/', 'GET', access) });
const seen = await proofFor(key, '/api/me/', 'GET', access);
report.replay_original = await send('/api/me/', { authorization: `DPoP ${access}`, proof: seen });
report.replayed = [];
for (let i = 0; i < 6; i += 1) report.replayed.push(await send('/api/me/', { authorization: `DPoP ${access}`, proof: seen }));
report.wrong_htu = await send('/api/me/', { authorization: `DPoP ${access}`, proof: await proofFor(key, '/api/posts/', 'GET', access) });
report.wrong_htm = await send('/api/me/', { authorization: `DPoP ${access}`, proof: await proofFor(key, '/api/me/', 'POST', access) });
report.no_ath = await send('/api/me/', { authorization: `DPoP ${access}`, proof: await proofFor(key, '/api/me/', 'GET') });
report.wrong_ath = await send('/api/me/', { authorization: `DPoP ${access}`, proof: await proofFor(key, '/api/me/', 'GET', refresh) });
if (staleWaitMs > 0) {
  const stale = await proofFor(key, '/api/me/', 'GET', access);
  await new Promise((resolve) => setTimeout(resolve, staleWaitMs));
  report.stale_iat = await send('/api/me/', { authorization: `DPoP ${access}`, proof: stale });
}

// A thief with a copy of the refresh token.
report.refresh_no_proof = await send('/api/token/refresh/', { method: 'POST', json: { refresh } });
report.refresh_other_key = await dpopRequest(thiefKey, '/api/token/refresh/', { method: 'POST', json: { refresh } });

// The real client goes on.
report.refresh = await dpopRequest(key, '/api/token/refresh/', { method: 'POST', json: { refresh } });
report.me_after_refresh = await dpopRequest(key, '/api/me/', { accessToken: report.refresh.body.access });

process.stdout.write(JSON.stringify(report));
