// WebAuthn in the browser: the server's JSON options (binary values in
// base64url) to what navigator.credentials wants (ArrayBuffers), and the
// credential it returns back to JSON for the server. The browser's own
// PublicKeyCredential.parse*OptionsFromJSON()/toJSON() do this where they
// exist; this module does it by hand where they do not.

export function webauthnSupported() {
  return typeof window.PublicKeyCredential === 'function' && Boolean(navigator.credentials);
}

export function base64urlToBuffer(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

export function bufferToBase64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function withIds(descriptors) {
  return (descriptors || []).map((descriptor) => ({ ...descriptor, id: base64urlToBuffer(descriptor.id) }));
}

function creationOptions(options) {
  return {
    ...options,
    challenge: base64urlToBuffer(options.challenge),
    user: { ...options.user, id: base64urlToBuffer(options.user.id) },
    excludeCredentials: withIds(options.excludeCredentials),
  };
}

function requestOptions(options) {
  return {
    ...options,
    challenge: base64urlToBuffer(options.challenge),
    allowCredentials: withIds(options.allowCredentials),
  };
}

// A PublicKeyCredential as the JSON the server reads (RegistrationResponseJSON / AuthenticationResponseJSON).
function credentialToJSON(credential) {
  if (typeof credential.toJSON === 'function') return credential.toJSON();
  const { response } = credential;
  const json = {
    id: credential.id,
    rawId: bufferToBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? null,
    clientExtensionResults: credential.getClientExtensionResults?.() ?? {},
    response: { clientDataJSON: bufferToBase64url(response.clientDataJSON) },
  };
  if (response.attestationObject) {
    json.response.attestationObject = bufferToBase64url(response.attestationObject);
    json.response.transports = response.getTransports?.() ?? [];
  } else {
    json.response.authenticatorData = bufferToBase64url(response.authenticatorData);
    json.response.signature = bufferToBase64url(response.signature);
    json.response.userHandle = response.userHandle ? bufferToBase64url(response.userHandle) : null;
  }
  return json;
}

// navigator.credentials.create() for the server's creation options; the attestation as JSON.
export async function createCredential(options) {
  return credentialToJSON(await navigator.credentials.create({ publicKey: creationOptions(options) }));
}

// navigator.credentials.get() for the server's request options; the assertion as JSON.
// `mediation: 'conditional'` offers the passkeys in the username field's autofill
// instead of a dialog; `signal` (an AbortSignal) cancels the request.
export async function getAssertion(options, { mediation, signal } = {}) {
  const request = { publicKey: requestOptions(options) };
  if (mediation) request.mediation = mediation;
  if (signal) request.signal = signal;
  return credentialToJSON(await navigator.credentials.get(request));
}

// Whether this browser can offer passkeys in a form field's autofill (WebAuthn conditional mediation).
export async function conditionalMediationAvailable() {
  if (!webauthnSupported() || typeof PublicKeyCredential.isConditionalMediationAvailable !== 'function') return false;
  try {
    return await PublicKeyCredential.isConditionalMediationAvailable();
  } catch {
    return false;
  }
}

// What to tell the person when the browser's WebAuthn call failed (they cancelled, it timed out, ...).
export function describeWebAuthnError(error) {
  if (error?.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out.';
  if (error?.name === 'InvalidStateError') return 'This device already holds a passkey for your account.';
  if (error?.name === 'SecurityError') return 'Passkeys do not work on this address (it must be the site\'s own).';
  return 'Your browser could not use a passkey here.';
}
