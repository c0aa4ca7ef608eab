import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js/max';
import { AppError } from '../errors/app-error.js';

export interface PhoneNumber {
  /** '+966501234567' */
  e164: string;
  /** '966501234567' — what WhatsApp ids are built from */
  digits: string;
}

/**
 * Normalises what a person typed ('0501234567', '+966 50 123 4567', '00966…') to E.164,
 * reading numbers without a country code as numbers of `defaultCountry`.
 */
export function normalizePhone(input: string, defaultCountry: string): PhoneNumber {
  const cleaned = input.trim().replace(/^00/, '+');
  const parsed = parsePhoneNumberFromString(cleaned, defaultCountry as CountryCode);
  if (!parsed || !parsed.isValid()) {
    throw new AppError('invalid_phone_number', `"${input.slice(0, 40)}" is not a valid phone number (numbers without a country code are read as ${defaultCountry} numbers).`);
  }
  return { e164: parsed.number, digits: parsed.number.slice(1) };
}
