// Photos of the service (晒单), shared by the three clients: a gallery that loads the list and each
// image through the client's own fetch (a Bearer token, or the resident's key header — images cannot
// carry either as plain <img src>), and the team app's resize before upload.
import { el, put } from './dom.js';

/**
 * A gallery element; fetcher(path) resolves a Response (or null). Shows `empty` when there are none.
 * Images become blob: URLs, revoked when the gallery leaves the page.
 */
export function photoGallery(listPath, fetcher, { empty = '', label = '' } = {}) {
  const box = el('div', { class: 'photos', id: 'photos', 'aria-label': label || null });
  const urls = [];
  const load = async () => {
    const res = await fetcher(listPath);
    if (!res || !res.ok) { put(box); return; }
    let items = [];
    try { items = (await res.json()).items || []; } catch { /* not JSON */ }
    if (!items.length) { put(box, empty ? el('p', { class: 'muted', id: 'photos-none' }, empty) : null); return; }
    put(box, el('ul', { class: 'photo-list' }, items.map((p) => {
      const img = el('img', { alt: `${label} ${p.n}`, width: p.width, height: p.height, loading: 'lazy', dataset: { n: p.n, sha256: p.sha256 } });
      (async () => {
        const r = await fetcher(p.url);
        if (!r || !r.ok) return;
        const url = URL.createObjectURL(await r.blob());
        urls.push(url);
        img.src = url;
      })();
      return el('li', {}, img);
    })));
  };
  const gone = new MutationObserver(() => {
    if (!box.isConnected && urls.length) { for (const u of urls.splice(0)) URL.revokeObjectURL(u); gone.disconnect(); }
  });
  queueMicrotask(() => { if (document.body) gone.observe(document.body, { childList: true, subtree: true }); });
  box.reload = load;
  load();
  return box;
}

/**
 * A picture from the phone as a JPEG of at most maxSide pixels a side and maxBytes bytes (quality
 * stepped down until it fits); null when the file is not a picture the browser can read.
 */
export async function resizedJpeg(file, { maxSide = 1600, maxBytes = 1000000 } = {}) {
  let bitmap;
  try { bitmap = await createImageBitmap(file); } catch { return null; }
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * scale));
  const h = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  canvas.getContext('2d').drawImage(bitmap, 0, 0, w, h);
  if (bitmap.close) bitmap.close();
  for (const q of [0.85, 0.75, 0.65, 0.5, 0.4]) {
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', q));
    if (blob && blob.size <= maxBytes) return blob;
  }
  return null;
}
