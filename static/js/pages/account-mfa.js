// /account/'s sign-in methods: the passkeys (add, rename, remove) and
// two-factor (turn on with a QR code, the recovery codes shown once, new
// codes, turn off). Adding or removing a passkey and every two-factor change
// need a recent sign-in: they go through reauth.js's sensitive().
import { SignedOut, api, json, paths, requireUser } from '../api.js';
import { PasskeyRefused, addPasskey } from '../passkeys.js';
import { knowPasskeys, sensitive } from '../reauth.js';
import { announceAt, busy, clearErrors, formData, fromTemplate, part, showErrors, timeElement, tooManyText } from '../ui.js';
import { describeWebAuthnError, webauthnSupported } from '../webauthn.js';

// Passkeys ------------------------------------------------------------------

const list = document.getElementById('passkey-list');
const passkeyForm = document.getElementById('passkey-form');

function passkeysChanged() {
  document.getElementById('passkeys-empty').hidden = list.children.length > 0;
  knowPasskeys(list.children.length);
}

function renderPasskey(passkey) {
  const item = fromTemplate('passkey-template');
  item.dataset.passkeyId = passkey.id;
  part(item, 'name').textContent = passkey.name;
  part(item, 'created').append(timeElement(passkey.created_at));
  part(item, 'last-used').append(passkey.last_used_at ? timeElement(passkey.last_used_at) : 'never');

  const renameForm = part(item, 'rename-form');
  const input = part(item, 'rename-input');
  input.id = `passkey-rename-${passkey.id}`;
  part(item, 'rename-label').htmlFor = input.id;
  item.querySelector('[data-action="rename"]').addEventListener('click', () => {
    renameForm.hidden = !renameForm.hidden;
    input.value = part(item, 'name').textContent;
    if (!renameForm.hidden) input.focus();
  });
  item.querySelector('[data-action="cancel-rename"]').addEventListener('click', () => {
    renameForm.hidden = true;
    clearErrors(renameForm);
  });
  renameForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    await busy(renameForm, async () => {
      const response = await api(`${paths.passkeys}${passkey.id}/`, { method: 'PATCH', body: formData(renameForm) });
      const body = await json(response);
      if (response.ok) {
        part(item, 'name').textContent = body.name;
        renameForm.hidden = true;
        clearErrors(renameForm);
        announceAt(list, `Passkey renamed to “${body.name}”.`, 'success');
      } else {
        showErrors(renameForm, body);
      }
    });
  });

  const remove = item.querySelector('[data-action="remove"]');
  remove.addEventListener('click', async () => {
    // A second click confirms: no browser dialog to miss.
    if (remove.dataset.confirming !== 'true') {
      remove.dataset.confirming = 'true';
      remove.textContent = 'Yes, remove it';
      return;
    }
    remove.disabled = true;
    try {
      const response = await sensitive(`${paths.passkeys}${passkey.id}/`, { method: 'DELETE' });
      if (response.status === 204 || response.status === 404) {
        await json(response);
        const name = part(item, 'name').textContent;
        item.remove();
        passkeysChanged();
        announceAt(list, `Passkey “${name}” removed.`, 'success');
      } else {
        announceAt(list, (await json(response)).detail || 'Could not remove that passkey.', 'error');
      }
    } finally {
      remove.disabled = false;
    }
  });
  return item;
}

async function loadPasskeys() {
  const response = await api(paths.passkeys);
  if (!response.ok) {
    announceAt(list, 'Could not load your passkeys. Please reload the page.', 'error');
    return;
  }
  list.replaceChildren(...(await json(response)).map(renderPasskey));
  passkeysChanged();
}

passkeyForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(passkeyForm);
  await busy(passkeyForm, async () => {
    try {
      const passkey = await addPasskey(passkeyForm.elements.namedItem('name').value.trim(), sensitive);
      list.append(renderPasskey(passkey));
      passkeysChanged();
      passkeyForm.reset();
      announceAt(list, `Passkey “${passkey.name}” added: you can sign in with it now.`, 'success');
    } catch (error) {
      if (error instanceof SignedOut) throw error;
      if (error instanceof PasskeyRefused && error.body.code === 'reauthentication_required') return; // cancelled
      showErrors(passkeyForm, error instanceof PasskeyRefused ? error.body : { detail: describeWebAuthnError(error) });
    }
  });
});

// Two-factor ----------------------------------------------------------------

const twoFactorStatus = document.getElementById('two-factor-status');
const sections = {
  off: document.getElementById('two-factor-off'),
  setup: document.getElementById('two-factor-setup'),
  codes: document.getElementById('recovery-codes'),
  on: document.getElementById('two-factor-on'),
};
let recoveryCodes = [];

function showTwoFactor(state, enabled) {
  for (const [name, section] of Object.entries(sections)) section.hidden = name !== state;
  twoFactorStatus.textContent = enabled ? 'On' : 'Off';
}

function showRecoveryCodes(codes) {
  recoveryCodes = codes;
  const items = codes.map((code) => {
    const item = document.createElement('li');
    const text = document.createElement('code');
    text.textContent = code;
    item.append(text);
    return item;
  });
  document.getElementById('recovery-code-list').replaceChildren(...items);
  showTwoFactor('codes', true);
  document.getElementById('recovery-done').focus();
}

function recoveryCodesText() {
  return `jwtsite recovery codes (each works once)\n\n${recoveryCodes.join('\n')}\n`;
}

function onClick(id, handler) {
  const button = document.getElementById(id);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await handler(button);
    } finally {
      button.disabled = false;
    }
  });
}

onClick('totp-start', async () => {
  const response = await sensitive(paths.totp, { method: 'POST' });
  const body = await json(response);
  if (!response.ok) {
    if (body.code !== 'reauthentication_required') announceAt(twoFactorStatus, body.detail || 'Could not start two-factor.', 'error');
    return;
  }
  // Typed by hand, the key is easier read in groups of four (apps ignore the spaces);
  // on a phone, the otpauth:// link opens the authenticator app with it.
  document.getElementById('totp-secret').textContent = body.secret.match(/.{1,4}/g).join(' ');
  document.getElementById('totp-link').href = body.otpauth_uri;
  // The SVG is made by our server; as an image it can run nothing.
  document.getElementById('totp-qr').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(body.qr_svg)}`;
  showTwoFactor('setup', false);
  document.getElementById('totp-code').focus();
});

const confirmForm = document.getElementById('totp-confirm-form');
confirmForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(confirmForm);
  await busy(confirmForm, async () => {
    const response = await api(paths.totpConfirm, { method: 'POST', body: formData(confirmForm) });
    const body = await json(response);
    if (response.ok) {
      confirmForm.reset();
      showRecoveryCodes(body.recovery_codes);
      announceAt(twoFactorStatus, 'Two-factor is on. Save your recovery codes now: they are not shown again.', 'success');
    } else if (response.status === 429) {
      showErrors(confirmForm, { detail: tooManyText(response) });
    } else {
      showErrors(confirmForm, body);
    }
  });
});

confirmForm.querySelector('[data-action="cancel-setup"]').addEventListener('click', () => {
  confirmForm.reset();
  clearErrors(confirmForm);
  showTwoFactor('off', false);
});

onClick('recovery-copy', async () => {
  try {
    await navigator.clipboard.writeText(recoveryCodesText());
    announceAt(twoFactorStatus, 'Recovery codes copied.', 'success');
  } catch {
    announceAt(twoFactorStatus, 'Could not copy: select the codes and copy them by hand, or download them.', 'error');
  }
});

onClick('recovery-download', async () => {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([recoveryCodesText()], { type: 'text/plain' }));
  link.download = 'jwtsite-recovery-codes.txt';
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
});

onClick('recovery-done', async () => {
  recoveryCodes = [];
  document.getElementById('recovery-code-list').replaceChildren();
  showTwoFactor('on', true);
});

onClick('recovery-new', async () => {
  const response = await sensitive(paths.recoveryCodes, { method: 'POST' });
  const body = await json(response);
  if (response.ok) {
    showRecoveryCodes(body.recovery_codes);
    announceAt(twoFactorStatus, 'New recovery codes: the old ones no longer work.', 'success');
  } else if (body.code !== 'reauthentication_required') {
    announceAt(twoFactorStatus, body.detail || 'Could not make new recovery codes.', 'error');
  }
});

onClick('totp-off', async (button) => {
  if (button.dataset.confirming !== 'true') {
    button.dataset.confirming = 'true';
    button.textContent = 'Yes, turn off two-factor';
    announceAt(twoFactorStatus, 'Click again to turn off two-factor: your password alone will sign you in.', 'info');
    return;
  }
  const response = await sensitive(paths.totp, { method: 'DELETE' });
  if (response.status === 204) {
    await json(response);
    button.dataset.confirming = 'false';
    button.textContent = 'Turn off two-factor';
    showTwoFactor('off', false);
    announceAt(twoFactorStatus, 'Two-factor is off.', 'success');
  } else {
    const body = await json(response);
    if (body.code !== 'reauthentication_required') announceAt(twoFactorStatus, body.detail || 'Could not turn it off.', 'error');
  }
});

// Start (not awaited at the top level: account.js must not wait for it) -----

async function start() {
  const user = await requireUser();
  showTwoFactor(user.mfa?.totp ? 'on' : 'off', Boolean(user.mfa?.totp));
  if (!webauthnSupported()) {
    document.getElementById('passkeys-unsupported').hidden = false;
    passkeyForm.hidden = true;
  }
  await loadPasskeys();
}

start().catch((error) => {
  if (!(error instanceof SignedOut)) throw error;
});
