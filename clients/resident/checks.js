// The 点单 form's rules, the same as the server's: lengths in Unicode code points, the phone rule,
// and what is wrong with each field, in words.
import { t } from '/common/i18n.js';

export const FIELDS = ['community_id', 'category_id', 'description', 'contact_name', 'contact_phone', 'address', 'preferred_time'];

/** Number of characters as the server counts them (Unicode code points). */
export const chars = (s) => [...s].length;

/**
 * The server's phone rule: spaces and dashes ignored, an optional +86 / 0086 prefix; an 11-digit
 * mobile 1[3-9]xxxxxxxxx or a 10–12-digit landline starting with 0 (area code). Returns the digits or null.
 */
export function normalizePhone(text) {
  let s = String(text).trim();
  if (s.startsWith('+')) s = s.slice(1);
  s = s.replace(/[ -]/g, '');
  if (!/^\d+$/.test(s)) return null;
  if (s.length === 13 && s.startsWith('86')) s = s.slice(2);
  else if (s.length === 15 && s.startsWith('0086')) s = s.slice(4);
  if (/^1[3-9]\d{9}$/.test(s)) return s;
  if (/^0[1-9]\d{8,10}$/.test(s)) return s;
  return null;
}

/** The JSON body the server expects (ids as numbers, optional texts only when given). */
export function body(v) {
  const b = {
    community_id: Number(v.community_id),
    category_id: Number(v.category_id),
    description: v.description.trim(),
    contact_name: v.contact_name.trim(),
    contact_phone: v.contact_phone.trim(),
  };
  if (v.address.trim()) b.address = v.address.trim();
  if (v.preferred_time.trim()) b.preferred_time = v.preferred_time.trim();
  if (v.sms_consent) b.sms_consent = true;
  return b;
}

/** What is wrong with one field of the values v, or ''. */
export function problem(field, v) {
  const s = v[field].trim();
  switch (field) {
    case 'community_id': return /^\d+$/.test(v.community_id) ? '' : t('check.community_id');
    case 'category_id': return /^\d+$/.test(v.category_id) ? '' : t('check.category_id');
    case 'description':
      if (!s) return t('check.description');
      return chars(s) > 2000 ? t('check.description_long', { n: chars(s) - 2000 }) : '';
    case 'contact_name':
      if (!s) return t('check.contact_name');
      return chars(s) > 50 ? t('check.contact_name_long') : '';
    case 'contact_phone':
      if (!s) return t('check.contact_phone');
      return chars(s) > 30 || !normalizePhone(s) ? t('check.contact_phone_bad') : '';
    case 'address': return chars(s) > 200 ? t('check.address_long') : '';
    case 'preferred_time': return chars(s) > 100 ? t('check.preferred_time_long') : '';
    default: return '';
  }
}
