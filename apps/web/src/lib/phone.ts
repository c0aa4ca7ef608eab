import { getCountryCallingCode, parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js';
import type { CountryCode } from 'libphonenumber-js';

/**
 * The country of a number typed without its +code. Hard-coded for now, matching the
 * server's DEFAULT_COUNTRY default; a settings endpoint will provide it later.
 */
export const DEFAULT_COUNTRY: CountryCode = 'SA';

export type PhoneCheck =
  | { kind: 'empty' }
  | { kind: 'too_short' }
  | { kind: 'too_long' }
  | { kind: 'invalid' }
  | { kind: 'valid'; e164: string; display: string };

/** Validates a number as it is typed; a valid one comes back in E.164 and in a readable form. */
export function checkPhone(input: string, country: CountryCode = DEFAULT_COUNTRY): PhoneCheck {
  const value = input.trim();
  if (!value) return { kind: 'empty' };
  const parsed = parsePhoneNumberFromString(value, country);
  if (parsed?.isValid()) return { kind: 'valid', e164: parsed.number, display: parsed.formatInternational() };
  const length = validatePhoneNumberLength(value, country);
  if (length === 'TOO_SHORT') return { kind: 'too_short' };
  if (length === 'TOO_LONG') return { kind: 'too_long' };
  return { kind: 'invalid' };
}

/** "+966" for 'SA'. */
export function callingCode(country: CountryCode = DEFAULT_COUNTRY): string {
  return `+${getCountryCallingCode(country)}`;
}

/** An E.164 number in its international form, e.g. "+966 55 123 4567". */
export function formatPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}
