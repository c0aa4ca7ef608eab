/**
 * Replies that opt a number out of every later message. Matched whole, in any case,
 * with surrounding spaces; Arabic is compared without diacritics or tatweel and with
 * the alef forms folded, so "إيقاف", "ايقاف", "الغاء" and "إلغاء" all count.
 */
const OPT_OUT_WORDS = new Set(['stop', 'ايقاف', 'الغاء']);

// Harakat and other combining marks, the tatweel, and invisible direction marks.
const IGNORED = /[\u064B-\u065F\u0670\u0640\u200E\u200F\u061C\u200B-\u200D\uFEFF]/g;
const ALEF_FORMS = /[إأآٱ]/g;

export function normalizeReply(text: string): string {
  return text.normalize('NFKC').replace(IGNORED, '').replace(ALEF_FORMS, 'ا').trim().toLowerCase();
}

export function isOptOutReply(text: string): boolean {
  return OPT_OUT_WORDS.has(normalizeReply(text));
}
