// /register/: creates an account through POST /api/auth/register/ (which signs it in).
import { paths } from '../api.js';
import { keepNextOn, submitTo } from './auth-form.js';

submitTo(document.getElementById('register-form'), paths.register, { ok: 201 });
keepNextOn(document.getElementById('login-link'));
