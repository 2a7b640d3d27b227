// Live updates from GET /api/v1/events. EventSource cannot send the Bearer header, so the stream is
// read with fetch: "event: order" blocks are parsed by hand, the last id is kept and sent back as
// Last-Event-ID on every reconnect, so nothing is missed while the connection was down.

/**
 * startEvents({getToken, onEvent(data), onStatus('connecting'|'open'|'down'), url?, onUnauthorized?}) → {stop()}.
 * getToken may return a promise (a resident's page asks the server for a short-lived stream token
 * before each connection): null means refused (no stream), a throw means try again later;
 * onUnauthorized returning 'retry' reconnects later with a new token.
 */
export function startEvents({ getToken, onEvent, onStatus = () => {}, onUnauthorized = () => {}, url = '/api/v1/events' }) {
  let lastId = null;
  let stopped = false;
  let controller = null;
  let retryMs = 3000;
  let failures = 0;
  let timer = null;
  let connecting = false; // a fetch or a stream is in progress

  const schedule = () => {
    if (stopped) return;
    onStatus('down');
    const wait = Math.min(retryMs * 2 ** Math.min(failures, 4), 30000);
    failures++;
    timer = setTimeout(() => {
      timer = null;
      if (navigator.onLine !== false) connect(); // offline: the 'online' listener reconnects
    }, wait);
  };

  function dispatch(block) {
    let event = 'message';
    let data = '';
    let id = null;
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      let value = i < 0 ? '' : line.slice(i + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data += (data ? '\n' : '') + value;
      else if (field === 'id') id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
    }
    if (id !== null) lastId = id;
    if (event === 'order' && data) {
      try { onEvent(JSON.parse(data)); } catch { /* a bad message is skipped */ }
    }
  }

  async function connect() {
    if (stopped || connecting) return;
    connecting = true;
    let token = null;
    try {
      token = await getToken();
    } catch {
      connecting = false; // no answer (network, server busy): try again later
      schedule();
      return;
    }
    if (!token || stopped) { connecting = false; return; } // refused: the page polls instead
    controller = new AbortController();
    onStatus('connecting');
    const headers = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
    if (lastId) headers['Last-Event-ID'] = lastId;
    let res;
    try {
      res = await fetch(url, { headers, signal: controller.signal, cache: 'no-store' });
    } catch {
      connecting = false;
      if (!stopped) schedule();
      return;
    }
    if (res.status === 401) { connecting = false; if (onUnauthorized() === 'retry') schedule(); return; }
    if (!res.ok || !res.body) {
      const after = Number(res.headers.get('Retry-After'));
      if (after > 0) retryMs = after * 1000;
      try { await res.body?.cancel(); } catch { /* closed */ }
      connecting = false;
      schedule();
      return;
    }
    onStatus('open');
    failures = 0;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, '\n');
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          dispatch(buffer.slice(0, i));
          buffer = buffer.slice(i + 2);
        }
      }
    } catch { /* cut off or stopped */ }
    connecting = false;
    if (!stopped) schedule();
  }

  const online = () => {
    if (stopped || connecting) return;
    if (timer) { clearTimeout(timer); timer = null; }
    connect();
  };
  window.addEventListener('online', online);
  connect();
  return {
    stop() {
      stopped = true;
      window.removeEventListener('online', online);
      if (timer) clearTimeout(timer);
      if (controller) controller.abort();
    },
  };
}
