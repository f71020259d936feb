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
