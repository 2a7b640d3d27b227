// 开始服务 at the resident's door: the resident's check-in code (6 digits changing every minute, shown
// on their phone or, for residents without one, by their community) is scanned with the camera or
// typed. The start carries the code with the time this phone took it and the time it was sent, both
// by this phone's clock: the server corrects the clock by the difference and checks the code of that
// minute, so a start queued without a connection and sent later is still verified on site. Without a
// code the start is allowed, and marked unverified for the community that confirms the hours.
import { t } from '/common/i18n.js';
import { api, el, put, errorText, toast } from './lib.js';
import { queueAction, refusal } from './net.js';

const DECODER_URL = '/common/vendor/jsQR.js';
const CODE_RE = /^\d{6}$/;

let decoderLoading = null;
/** The npm QR decoder (jsQR), loaded once when the browser has no BarcodeDetector for QR codes. */
function loadDecoder() {
  if (window.jsQR) return Promise.resolve(window.jsQR);
  if (!decoderLoading) {
    decoderLoading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = DECODER_URL;
      s.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error('jsQR')));
      s.onerror = () => { decoderLoading = null; reject(new Error('jsQR')); };
      document.head.append(s);
    });
  }
  return decoderLoading;
}

/** A function frame → text|null reading QR codes from a video: BarcodeDetector, else jsQR. */
async function qrReader() {
  if ('BarcodeDetector' in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes('qr_code')) {
        const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
        return async (video) => (await detector.detect(video))[0]?.rawValue || null;
      }
    } catch { /* fall back to the decoder */ }
  }
  const jsQR = await loadDecoder();
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  return async (video) => {
    const w = video.videoWidth, h = video.videoHeight;
    if (!w || !h) return null;
    canvas.width = w;
    canvas.height = h;
    ctx.drawImage(video, 0, 0, w, h);
    const found = jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: 'dontInvert' });
    return found ? found.data : null;
  };
}

/** The start form in area; done() after a start was sent or queued, back() to leave it. */
export function startForm(order, area, { done, back }) {
  let takenAt = null; // when this phone got the code (scanned, or its last digit typed)
  let stopScan = () => {};
  const input = el('input', { id: 'checkin-input', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', pattern: '[0-9]*', 'aria-describedby': 'checkin-hint err-checkin', class: 'checkin-input' });
  const err = el('p', { class: 'err', id: 'err-checkin', role: 'alert', hidden: true });
  const scanBox = el('div', { class: 'scan', id: 'scan', hidden: true });
  const showError = (text) => { err.textContent = text; err.hidden = !text; input.closest('.field')?.classList.toggle('invalid', Boolean(text)); };

  input.addEventListener('input', () => {
    input.value = input.value.replace(/\D/g, '').slice(0, 6);
    takenAt = CODE_RE.test(input.value) ? Date.now() : null;
    showError('');
  });

  async function send(code) {
    stopScan();
    const body = code ? { checkin: { code, taken_at: takenAt || Date.now(), sent_at: Date.now() } } : {};
    if (navigator.onLine === false) { queueAction(order, 'start', body); done(); return; }
    const buttons = form.querySelectorAll('button');
    for (const b of buttons) b.disabled = true;
    const r = await api(`/api/v1/orders/${order.id}/start`, { method: 'POST', body });
    for (const b of buttons) b.disabled = false;
    if (r.status === 0) { queueAction(order, 'start', body); done(); return; }
    if (r.ok) { toast(code ? t('checkin.started_verified') : t('checkin.started_unverified')); done(); return; }
    if (r.status === 422 && r.json?.error?.fields?.checkin) {
      showError(String(r.json.error.fields.checkin).replace(/\s*\([^)]*\)\s*$/, ''));
      input.focus();
      return;
    }
    toast(r.status === 409 ? refusal(r, 'start') : t('act.failed', { message: errorText(r) }), 'bad');
    done();
  }

  async function scan() {
    showError('');
    if (!navigator.mediaDevices?.getUserMedia) { showError(t('checkin.no_camera')); return; }
    let stream;
    let read;
    try {
      [stream, read] = await Promise.all([
        navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false }),
        qrReader(),
      ]);
    } catch {
      if (stream) for (const tr of stream.getTracks()) tr.stop();
      showError(t('checkin.no_camera'));
      return;
    }
    const video = el('video', { id: 'scan-video', playsinline: '', muted: '', autoplay: '' });
    video.muted = true;
    video.srcObject = stream;
    let running = true;
    stopScan = () => {
      running = false;
      for (const tr of stream.getTracks()) tr.stop();
      scanBox.hidden = true;
      put(scanBox);
    };
    put(scanBox, video, el('p', { class: 'muted small' }, t('checkin.scan_hint')),
      el('button', { type: 'button', class: 'btn small', onclick: () => stopScan() }, t('checkin.scan_stop')));
    scanBox.hidden = false;
    await video.play().catch(() => {});
    while (running && scanBox.isConnected) {
      const text = await read(video).catch(() => null);
      const digits = text && (/(\d{6})\s*$/.exec(text.trim()) || [])[1];
      if (digits) {
        takenAt = Date.now();
        input.value = digits;
        stopScan();
        send(digits);
        return;
      }
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  const form = el('form', { class: 'card checkin', id: 'start-form', onsubmit: (e) => {
    e.preventDefault();
    if (!CODE_RE.test(input.value)) { showError(t('checkin.six_digits')); input.focus(); return; }
    send(input.value);
  } },
  el('h2', {}, t('checkin.title')),
  el('p', { class: 'hint', id: 'checkin-hint' }, t('checkin.hint')),
  el('button', { type: 'button', class: 'btn big', id: 'checkin-scan', onclick: scan }, t('checkin.scan')),
  scanBox,
  el('div', { class: 'field' }, el('label', { for: 'checkin-input' }, t('checkin.type')), input, err),
  el('button', { type: 'submit', class: 'btn primary big', id: 'checkin-submit' }, t('checkin.submit')),
  el('p', { class: 'muted small' }, t('checkin.without_note')),
  el('button', { type: 'button', class: 'btn secondary', id: 'start-unverified', onclick: () => send(null) }, t('checkin.without')),
  el('button', { type: 'button', class: 'btn big', onclick: () => { stopScan(); back(); } }, t('complete.cancel')));
  put(area, form);
  document.getElementById('actions')?.remove();
  input.focus();
}
