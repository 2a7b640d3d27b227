// 服务照片: the team attaches up to 6 photos while the work is in progress or done, each resized on the
// phone (≤ 1600 px a side) and sent on its own; the server keeps only its re-encoding, without the
// phone's metadata (place, camera). The community and the resident see them on the order.
import { t } from '/common/i18n.js';
import { photoGallery, resizedJpeg } from '/common/photos.js';
import { el, errorText, fetchAuthorized, toast } from './lib.js';

const MAX = 6;

export function photosCard(order) {
  const gallery = photoGallery(`/api/v1/orders/${order.id}/photos`, (p) => fetchAuthorized(p), { empty: t('photos.none'), label: t('photos.title') });
  // Hidden (not sr-only: the team app's input width rule would stretch it past a 360 px screen); the label opens it.
  const input = el('input', { type: 'file', id: 'photo-input', accept: 'image/*', hidden: true });
  const status = el('p', { class: 'muted small', id: 'photo-status', role: 'status' });
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    input.value = '';
    if (!file) return;
    status.textContent = t('photos.sending');
    const jpeg = await resizedJpeg(file);
    if (!jpeg) { status.textContent = t('photos.not_picture'); return; }
    const res = await fetchAuthorized(`/api/v1/orders/${order.id}/photos`, { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: jpeg });
    if (!res || !res.ok) {
      let json = null;
      try { json = res ? await res.json() : null; } catch { /* not JSON */ }
      status.textContent = t('photos.failed', { message: errorText({ status: res ? res.status : 0, json }) });
      return;
    }
    status.textContent = '';
    toast(t('photos.added'));
    gallery.reload();
  });
  return el('section', { class: 'card', id: 'photos-card', 'aria-labelledby': 'photos-title' },
    el('h2', { id: 'photos-title' }, t('photos.title')),
    el('p', { class: 'hint' }, t('photos.hint', { n: MAX })),
    gallery,
    el('label', { class: 'btn', for: 'photo-input', id: 'photo-add' }, t('photos.add')), input,
    status);
}
