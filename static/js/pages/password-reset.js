// /password-reset/: asks for a reset link (POST /api/auth/password/reset/).
// The answer is the same for every address, so the page says the same too.
import { paths } from '../api.js';
import { announce } from '../ui.js';
import { submitTo } from './auth-form.js';

const form = document.getElementById('reset-form');
submitTo(form, paths.passwordReset, {
  ok: 202,
  done: (body) => {
    form.reset();
    announce(`${body.detail} Check your inbox (and your spam folder).`, 'success');
  },
});
