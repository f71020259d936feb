// Small DOM helpers shared by the pages: messages, field errors, dates.
// Every text that came from the API goes in through textContent, never HTML.

// Shows `text` in the page's role="alert" region (kind: "error" | "success" | "info").
export function announce(text, kind = 'info', region = document.getElementById('messages')) {
  if (!region) return;
  region.textContent = '';
  if (!text) return;
  const message = document.createElement('p');
  message.className = `message message-${kind}`;
  message.textContent = text;
  region.append(message);
}

function count(number, unit) {
  return `${number} ${unit}${number === 1 ? '' : 's'}`;
}

// A wait in words, rounded up: "1 second", "48 minutes", "2 hours 5 minutes", "3 days" (jwtsite/wording.py).
export function waitWords(seconds) {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 60) return count(whole, 'second');
  const minutes = Math.ceil(whole / 60);
  if (minutes < 60) return count(minutes, 'minute');
  if (minutes < 24 * 60) {
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    return rest ? `${count(hours, 'hour')} ${count(rest, 'minute')}` : count(hours, 'hour');
  }
  return count(Math.ceil(minutes / (24 * 60)), 'day');
}

// What to tell after a 429: "Too many attempts. Try again in 48 minutes." (from Retry-After).
export function tooManyText(response, what = 'attempts') {
  const seconds = Number(response.headers.get('Retry-After'));
  const when = response.headers.get('Retry-After') && Number.isFinite(seconds) ? `in ${waitWords(seconds)}` : 'later';
  return `Too many ${what}. Try again ${when}.`;
}

// Shows `text` next to the action that caused it: in the message region of
// `anchor`'s section (a [data-messages] element), clearing every other one, so
// that on a long page the message is where the user is looking.
export function announceAt(anchor, text, kind = 'info') {
  for (const region of document.querySelectorAll('[data-messages], #messages')) region.textContent = '';
  const region = anchor?.closest('section')?.querySelector('[data-messages]');
  announce(text, kind, region || document.getElementById('messages'));
}

export function clearErrors(form) {
  for (const node of form.querySelectorAll('.field-error')) {
    node.textContent = '';
    node.hidden = true;
  }
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  const formError = form.querySelector('.form-error');
  if (formError) formError.textContent = '';
}

// Puts an API error next to the field it belongs to.
// Validation errors are {"field": ["message"]}; others {"detail", "code"}.
// Returns true when at least one message was shown.
export function showErrors(form, body, fallback = 'Something went wrong. Please try again.') {
  clearErrors(form);
  const formError = form.querySelector('.form-error');
  const loose = [];
  let first = null;
  if (body && typeof body === 'object' && !('detail' in body)) {
    for (const [field, messages] of Object.entries(body)) {
      const text = [].concat(messages).join(' ');
      const input = form.elements.namedItem(field);
      const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
      if (input && slot) {
        slot.textContent = text;
        slot.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        first = first || input;
      } else {
        loose.push(text);
      }
    }
  } else if (body && body.detail) {
    loose.push(body.detail);
  }
  if (!first && loose.length === 0) loose.push(fallback);
  if (formError) formError.textContent = loose.join(' ');
  if (first) first.focus();
  return true;
}

export function formData(form) {
  const data = {};
  for (const element of form.elements) {
    if (!element.name || element.disabled) continue;
    data[element.name] = element.type === 'checkbox' ? element.checked : element.value;
  }
  return data;
}

// Disables a form's buttons while `work` runs, so a double click sends one request.
export async function busy(form, work) {
  const buttons = [...form.querySelectorAll('button')];
  for (const button of buttons) button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    for (const button of buttons) button.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// A <time> element for an ISO 8601 timestamp.
export function timeElement(iso) {
  const node = document.createElement('time');
  node.dateTime = iso;
  node.textContent = iso ? dateFormat.format(new Date(iso)) : '—';
  return node;
}

// A fresh copy of the first element of a <template id="...">.
export function fromTemplate(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}

export function part(root, name) {
  return root.querySelector(`[data-part="${name}"]`);
}
