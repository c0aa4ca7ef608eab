// A UTF-16 surrogate without its partner: not a character, and not valid UTF-8 either.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as both databases can keep it: PostgreSQL's `text` cannot hold U+0000 or a lone
 * surrogate, so each becomes U+FFFD (the replacement character) — on SQLite too, so a
 * message reads the same on either. Everything else is kept as it came.
 */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}
