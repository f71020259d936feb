// Many tabs, one session: how the open tabs of this site keep in step.
//
// The tokens live in cookies that every tab of the browser shares, so a
// refresh, a sign-in or a sign-out in one tab changes the session of all of them.
//
// - One refresh per browser (Web Locks). A refresh runs while holding the lock
//   "jwtsite:refresh". A tab whose call failed while another tab was
//   refreshing waits for the lock, then checks whether that tab refreshed
//   meanwhile (its message on the channel, or else a probe: one cheap
//   authenticated GET) and, if so, only retries its call.
// - Session changes reach every tab (BroadcastChannel "jwtsite:session"): a
//   refresh, a sign-in and a sign-out are posted to the other tabs, which
//   update their page at once (api.js: onSessionChange).
// - Without Web Locks each tab refreshes on its own (every call of that tab
//   that fails at once still shares one refresh). Without BroadcastChannel a
//   tab learns of a change at its next API call, and a tab that waited for
//   the lock always probes.
//
// Every change carries `at`: when the shared cookie jar took the state it
// describes (the answer's arrival for a refresh, sign-in or sign-out; the
// request's departure for a refused refresh, whose 401 judged the cookies it
// was sent with). A call sent before a change learnt of here reflects the old
// state, so it only needs a retry (or is signed out); older changes are ignored.
//
// This module sends no request of its own: api.js hands it the refresh and the probe.

const CHANNEL_NAME = 'jwtsite:session';
const REFRESH_LOCK = 'jwtsite:refresh';
// A tab stuck holding the lock (a hung request) must not stall the others for good.
const LOCK_WAIT_MS = 10_000;
const WAITED = Symbol('waited for the lock');

// The newest change this tab knows of, from any tab: {type, at, signedIn}.
let latest = { type: 'none', at: 0, signedIn: false };
// This tab's refresh in flight, shared by every call of the tab that failed meanwhile.
let refreshing = null;
const listeners = new Set();

const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL_NAME) : null;
if (channel) {
  channel.addEventListener('message', ({ data }) => {
    if (!isChange(data) || !learn(data)) return;
    for (const listener of listeners) listener(latest);
  });
}

function isChange(data) {
  return (
    data !== null &&
    typeof data === 'object' &&
    ['refreshed', 'signed-in', 'signed-out'].includes(data.type) &&
    Number.isFinite(data.at)
  );
}

// Records `change` if it is newer than what this tab knew; true when it was.
function learn(change) {
  if (change.at <= latest.at) return false;
  latest = { ...change, signedIn: change.type !== 'signed-out' };
  return true;
}

// The change learnt of since `sentAt` (a call's departure), or null.
export function changedSince(sentAt) {
  return latest.at > sentAt ? latest : null;
}

// Records a change this tab made and tells the other tabs.
//   type: 'refreshed' | 'signed-in' | 'signed-out'
//   at: see above; by default now, and after every change known here (clocks tick in milliseconds)
//   detail: extra fields for the message
export function tellOtherTabs(type, at = Math.max(Date.now(), latest.at + 1), detail = {}) {
  const change = { ...detail, type, at };
  if (!learn(change)) return;
  channel?.postMessage(change);
}

// Calls `listener(change)` for every change made in another tab (one older than
// what this tab already knows is dropped).
export function onChangeElsewhere(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// After a call sent at `sentAt` got a 401: resolves true when the session has
// fresh tokens (refreshed here or in another tab, or signed in anew), false
// when it is signed out. At most one refresh request per browser.
//   refresh(): Promise<{signedIn, at, definite, accessExpires}>, the refresh request
//   probe(): Promise<boolean>, whether an authenticated GET now succeeds
export function renewSession(sentAt, { refresh, probe }) {
  const known = changedSince(sentAt);
  if (known) return Promise.resolve(known.signedIn);
  if (!refreshing) {
    refreshing = renewAcrossTabs(sentAt, refresh, probe).finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function renewAcrossTabs(sentAt, refresh, probe) {
  if (!navigator.locks) return refreshNow(refresh);
  const decide = async (waited) => {
    const known = changedSince(sentAt);
    if (known) return known.signedIn;
    // Another tab held the lock, so it probably refreshed; its message may not be here yet.
    if (waited && (await probe())) {
      learn({ type: 'refreshed', at: Date.now() });
      return true;
    }
    return refreshNow(refresh);
  };
  try {
    const outcome = await navigator.locks.request(REFRESH_LOCK, { ifAvailable: true }, (lock) =>
      lock ? decide(false) : WAITED,
    );
    if (outcome !== WAITED) return outcome;
    return await navigator.locks.request(REFRESH_LOCK, lockWaitLimit(), () => decide(true));
  } catch {
    // No lock to be had (stuck behind a hung tab, or refused in a sandboxed
    // frame): refresh without it. A second refresh is safe, only wasted.
    return refreshNow(refresh);
  }
}

function lockWaitLimit() {
  return typeof AbortSignal.timeout === 'function' ? { signal: AbortSignal.timeout(LOCK_WAIT_MS) } : {};
}

async function refreshNow(refresh) {
  const outcome = await refresh();
  if (outcome.signedIn) {
    tellOtherTabs('refreshed', outcome.at, { accessExpires: outcome.accessExpires });
  } else if (outcome.definite) {
    tellOtherTabs('signed-out', outcome.at);
  }
  // A change newer than this answer (a sign-in in another tab meanwhile) outranks it.
  return latest.at > outcome.at ? latest.signedIn : outcome.signedIn;
}
