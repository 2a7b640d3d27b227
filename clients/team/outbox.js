// Completions entered without a connection wait here (localStorage) and are sent when the phone is
// back online (the 'online' event, and at start). An entry is removed only after a definite answer:
// 200, or 409 with the order already completed/closed (an earlier send did reach the server) count
// as success, so a completion is never recorded twice. One tab sends at a time (Web Locks when the
// browser has them; the server's state check covers the rest).
import { api, uuid } from './lib.js';

const KEY = 'paidan.team.outbox';

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
  /** Keep a completion for later; a second one for the same order replaces the first. */
  add(orderId, code, body) {
    const list = read().filter((x) => x.order_id !== orderId);
    list.push({ id: uuid(), order_id: orderId, code, action: 'complete', body, queued_at: new Date().toISOString() });
    write(list);
  },
  remove(id) {
    write(read().filter((x) => x.id !== id));
  },
};

let flushing = false;

/**
 * Sends what is waiting. report(kind, item, response) is told about each entry that is settled:
 * 'sent', 'moved' (409 elsewhere), 'failed' (refused). Stops at the first network failure, 401 or 5xx.
 */
export async function flush(report = () => {}) {
  if (flushing || navigator.onLine === false || !read().length) return;
  flushing = true;
  try {
    const run = async () => {
      for (const item of read()) {
        const r = await api(`/api/v1/orders/${item.order_id}/${item.action}`, { method: 'POST', body: item.body });
        if (r.status === 0 || r.status === 401 || r.status >= 500) return; // try again later
        outbox.remove(item.id);
        if (r.ok) report('sent', item, r);
        else if (r.status === 409 && ['completed', 'closed'].includes(r.json?.error?.state)) report('sent', item, r);
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
