// Actions taken without a connection (accept, start, complete) wait here (localStorage) and are sent
// in the order they were taken when the phone is back online (the 'online' event, and at start). An
// entry is removed only after a definite answer: 200, or 409 with the order already where the action
// leads (an earlier send did reach the server) count as success, so nothing is recorded twice. One
// tab sends at a time (Web Locks when the browser has them; the server's state check covers the rest).
import { api, uuid } from './lib.js';

const KEY = 'paidan.team.outbox';

/** States an order is in once the action has been done (by this phone or, for accept, checked below). */
const DONE_STATES = {
  accept: ['accepted', 'in_progress', 'completed', 'closed'],
  start: ['in_progress', 'completed', 'closed'],
  complete: ['completed', 'closed'],
};

function read() {
  try { return JSON.parse(localStorage.getItem(KEY) || '[]'); } catch { return []; }
}
function write(list) {
  localStorage.setItem(KEY, JSON.stringify(list));
}

export const outbox = {
  list: read,
  size: () => read().length,
  has: (orderId) => read().some((x) => x.order_id === orderId),
  /** Keep an action for later; a second one of the same kind for the same order replaces the first. */
  add(orderId, code, action, body = {}) {
    // Sign-ins and sign-outs are each kept (several volunteers, in and out); other actions once.
    const list = read().filter((x) => action === 'attendance' || !(x.order_id === orderId && (x.action || 'complete') === action));
    list.push({ id: uuid(), order_id: orderId, code, action, body, queued_at: new Date().toISOString() });
    write(list);
  },
  remove(id) {
    write(read().filter((x) => x.id !== id));
  },
};

/** After a 409 on an accept: is the order now ours (an earlier send got through)? */
async function acceptedByUs(item, teamId) {
  const r = await api(`/api/v1/orders/${item.order_id}`);
  return r.ok && r.json && teamId && r.json.team_id === teamId;
}

let flushing = false;

/**
 * Sends what is waiting. report(kind, item, response) is told about each entry that is settled:
 * 'sent', 'moved' (409 elsewhere), 'failed' (refused). Stops at the first network failure, 401 or 5xx.
 */
export async function flush(report = () => {}, teamId = null) {
  if (flushing || navigator.onLine === false || !read().length) return;
  flushing = true;
  try {
    const run = async () => {
      for (const item of read()) {
        const action = item.action || 'complete';
        // A check-in code and a sign-in say when they are sent by this phone's clock: the server
        // measures the clock by it.
        let body = item.body || {};
        if (body.checkin) body = { ...body, checkin: { ...body.checkin, sent_at: Date.now() } };
        if (body.sent_at) body = { ...body, sent_at: Date.now() };
        const r = await api(`/api/v1/orders/${item.order_id}/${action}`, { method: 'POST', body });
        if (r.status === 0 || r.status === 401 || r.status >= 500) return; // try again later
        outbox.remove(item.id);
        const state = r.json?.error?.state;
        const already = r.status === 409 && DONE_STATES[action]?.includes(state) && (action !== 'accept' || await acceptedByUs(item, teamId));
        if (r.ok || already) report('sent', item, r);
        else if (r.status === 409) report('moved', item, r);
        else report('failed', item, r);
      }
    };
    if (navigator.locks && navigator.locks.request) await navigator.locks.request('paidan-team-outbox', run);
    else await run();
  } finally {
    flushing = false;
  }
}
