// /register/: creates an account through POST /api/auth/register/ (which signs it in).
// A sign-in in another tab meanwhile goes to ?next=, as the login page does.
import { onSessionChange, paths } from '../api.js';
import { keepNextOn, nextPath, submitTo } from './auth-form.js';

submitTo(document.getElementById('register-form'), paths.register, { ok: 201 });
keepNextOn(document.getElementById('login-link'));
onSessionChange({ signedIn: () => window.location.replace(nextPath()) });
