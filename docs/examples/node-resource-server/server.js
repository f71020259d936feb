// A minimal resource server for jwtsite's tokens: Express + jose.
//
// It verifies access tokens with the keys jwtsite publishes (JWKS), and keeps an
// in-memory view of jwtsite's revocations by polling its revocation feed, so a
// logout on jwtsite is refused here within a second, at no round trip per request.
// Configuration (environment): see README.md.

import { createHash } from 'node:crypto';
import express from 'express';
import { EmbeddedJWK, calculateJwkThumbprint, createRemoteJWKSet, jwtVerify } from 'jose';

const config = {
  host: process.env.HOST || '127.0.0.1',
  port: Number(process.env.PORT || 3000),
  jwksUrl: required('JWKS_URL'),
  feedUrl: required('REVOCATION_FEED_URL'),
  feedKey: required('REVOCATION_FEED_KEY'),
  issuer: process.env.JWT_ISSUER || undefined,
  audience: process.env.JWT_AUDIENCE || undefined,
  leewaySeconds: Number(process.env.JWT_LEEWAY ?? 5),
  pollIntervalMs: Number(process.env.REVOCATION_POLL_INTERVAL_MS || 250),
  staleAfterMs: Number(process.env.REVOCATION_STALE_AFTER_MS || 5000),
  stalePolicy: process.env.REVOCATION_STALE_POLICY || 'honour', // or 'refuse'
  dpopIatWindowSeconds: Number(process.env.DPOP_IAT_WINDOW ?? 60),
};

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is required (see README.md)`);
    process.exit(2);
  }
  return value;
}

// --- The revocation view -------------------------------------------------------

// sid -> until (ms), and user_id -> { minVer, until }: every token of a revoked
// session, and every token of a user below minVer, is refused.
const revokedSessions = new Map();
const userFloors = new Map();
let cursor = null;
let syncedAt = null;
let staleReported = false;

function isRevoked(claims) {
  if (revokedSessions.has(claims.sid)) return true;
  const floor = userFloors.get(claims.user_id);
  return floor !== undefined && claims.ver < floor.minVer;
}

function isCurrent() {
  return syncedAt !== null && Date.now() - syncedAt <= config.staleAfterMs;
}

function apply(page) {
  for (const { sid, until } of page.sessions) {
    revokedSessions.set(sid, Math.max(Date.parse(until), revokedSessions.get(sid) ?? 0));
  }
  for (const { user_id: userId, min_ver: minVer, until } of page.users) {
    const floor = userFloors.get(userId) ?? { minVer: 0, until: 0 };
    userFloors.set(userId, { minVer: Math.max(minVer, floor.minVer), until: Math.max(Date.parse(until), floor.until) });
  }
}

function prune() {
  const now = Date.now();
  for (const [sid, until] of revokedSessions) if (until <= now) revokedSessions.delete(sid);
  for (const [userId, floor] of userFloors) if (floor.until <= now) userFloors.delete(userId);
}

const PAGE_SIZE = 10000;

async function sync() {
  // Drains full pages: a page of PAGE_SIZE entries means more follow at once.
  for (;;) {
    const url = new URL(config.feedUrl);
    url.searchParams.set('limit', String(PAGE_SIZE));
    if (cursor) url.searchParams.set('after', cursor);
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${config.feedKey}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(2000),
    });
    if (response.status !== 200) throw new Error(`the feed answered ${response.status}`);
    const page = await response.json();
    apply(page);
    cursor = page.cursor;
    if (page.sessions.length + page.users.length < PAGE_SIZE) break;
  }
  syncedAt = Date.now();
}

async function follow() {
  try {
    await sync();
    if (staleReported) console.warn('revocation view current again');
    staleReported = false;
  } catch (error) {
    if (!isCurrent() && !staleReported) {
      staleReported = true;
      console.error(`revocation view stale: ${error.message}`);
    }
  }
  setTimeout(follow, config.pollIntervalMs);
}

setInterval(prune, 10000).unref();

// --- Verifying requests ----------------------------------------------------------

const keys = createRemoteJWKSet(new URL(config.jwksUrl));

// The credential: `Authorization: DPoP <token>` (a token bound to the client's key, RFC 9449),
// `Authorization: Bearer <token>`, or the access_token cookie.
function credential(request) {
  const header = request.get('Authorization');
  if (header) {
    const [scheme, token] = header.split(' ', 2);
    return scheme === 'DPoP' || scheme === 'Bearer' ? { scheme, token } : null;
  }
  for (const part of (request.get('Cookie') || '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === 'access_token' || name === '__Host-access_token') return { scheme: 'cookie', token: value.join('=') };
  }
  return null;
}

function refuse(response, status, code, detail, challenge = 'Bearer realm="api"') {
  if (status === 401) response.set('WWW-Authenticate', challenge);
  return response.status(status).json({ detail, code });
}

function dpopRefusal(response, error, detail) {
  return refuse(response, 401, error, detail, `DPoP error="${error}", error_description="${detail}"`);
}

// --- DPoP proofs (RFC 9449 section 4.3) -----------------------------------------

// Each proof is good once: its jti is remembered (in this process) while its iat is acceptable.
const seenProofs = new Map();
setInterval(() => {
  const now = Date.now();
  for (const [id, until] of seenProofs) if (until <= now) seenProofs.delete(id);
}, 10000).unref();

const base64url = (bytes) => Buffer.from(bytes).toString('base64url');

function normalizedUri(uri) {
  try {
    const url = new URL(uri); // lower-cases scheme and host, drops the default port
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return null;
  }
}

// The proof's key thumbprint if `request` carries a valid proof for `accessToken`, else throws a message.
async function checkedProof(request, accessToken) {
  const raw = request.get('DPoP');
  if (!raw || raw.includes(',')) throw new Error('A DPoP proof (the DPoP header) is required.');
  let payload;
  let protectedHeader;
  try {
    ({ payload, protectedHeader } = await jwtVerify(raw, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA', 'Ed25519'],
    }));
  } catch {
    throw new Error('The proof is not a valid dpop+jwt signed by its jwk.');
  }
  const now = Math.floor(Date.now() / 1000);
  if (payload.htm !== request.method) throw new Error("The proof's htm is not this request's method.");
  const uri = `${request.protocol}://${request.get('host')}${request.path}`;
  if (typeof payload.htu !== 'string' || normalizedUri(payload.htu) !== normalizedUri(uri)) {
    throw new Error("The proof's htu is not this request's URI.");
  }
  if (!Number.isInteger(payload.iat) || payload.iat > now + config.leewaySeconds || payload.iat < now - config.dpopIatWindowSeconds) {
    throw new Error("The proof's iat is outside the accepted window.");
  }
  if (payload.ath !== base64url(createHash('sha256').update(accessToken).digest())) {
    throw new Error("The proof's ath is not the hash of this access token.");
  }
  if (typeof payload.jti !== 'string' || !payload.jti) throw new Error('The proof has no jti.');
  const jkt = await calculateJwkThumbprint(protectedHeader.jwk, 'sha256');
  const id = `${jkt}:${payload.jti}`;
  if (seenProofs.has(id)) throw new Error("The proof's jti was used before.");
  seenProofs.set(id, (now + config.dpopIatWindowSeconds + config.leewaySeconds + 1) * 1000);
  return jkt;
}

async function authenticate(request, response, next) {
  const presented = credential(request);
  if (!presented || !presented.token) {
    return refuse(response, 401, 'not_authenticated', 'Authentication credentials were not provided.');
  }
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(presented.token, keys, {
      algorithms: ['RS256', 'ES256'],
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: config.leewaySeconds,
      requiredClaims: ['exp', 'jti', 'sid', 'user_id', 'ver'],
    }));
  } catch {
    if (presented.scheme === 'DPoP') return dpopRefusal(response, 'invalid_token', 'The access token is not valid.');
    return refuse(response, 401, 'token_not_valid', 'Given token not valid for any token type');
  }
  if (claims.token_type !== 'access' || !Number.isInteger(claims.user_id) || !Number.isInteger(claims.ver)) {
    return refuse(response, 401, 'token_not_valid', 'Given token not valid for any token type');
  }
  // A token bound to a key (cnf.jkt) is good only as DPoP, with a proof of that key; an unbound one never as DPoP.
  const boundTo = typeof claims.cnf?.jkt === 'string' ? claims.cnf.jkt : null;
  if (presented.scheme === 'DPoP') {
    if (!boundTo) return dpopRefusal(response, 'invalid_token', "This token is not bound to a key: send it as 'Authorization: Bearer'.");
    let jkt;
    try {
      jkt = await checkedProof(request, presented.token);
    } catch (error) {
      return dpopRefusal(response, 'invalid_dpop_proof', error.message);
    }
    if (jkt !== boundTo) return dpopRefusal(response, 'invalid_dpop_proof', "The proof's key is not the one the token is bound to.");
  } else if (boundTo || claims.cnf !== undefined) {
    return dpopRefusal(response, 'invalid_token', "This token is bound to a key: send it as 'Authorization: DPoP' with a DPoP proof.");
  }
  if (isRevoked(claims)) return refuse(response, 401, 'token_revoked', 'Token has been revoked.');
  if (!isCurrent() && config.stalePolicy === 'refuse') {
    response.set('Retry-After', '1');
    return refuse(response, 503, 'revocations_unavailable', 'Revocations cannot be checked right now; try again shortly.');
  }
  request.claims = claims;
  return next();
}

const app = express();
app.disable('x-powered-by');

app.get('/healthz', (request, response) => {
  const revocations = isCurrent() ? 'ok' : 'stale';
  response.json({ status: revocations === 'ok' ? 'ok' : 'degraded', checks: { revocations } });
});

app.get('/api/me/', authenticate, (request, response) => {
  response.json({ id: request.claims.user_id, sub: request.claims.sub, session: request.claims.sid });
});

await follow();
app.listen(config.port, config.host, () => {
  console.log(`listening on http://${config.host}:${config.port}/`);
});
