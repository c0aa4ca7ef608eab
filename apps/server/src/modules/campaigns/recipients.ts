import { VARIABLE_NAME_PATTERN } from '@wasla/protocol';
import type { RecipientInput } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import { normalizePhone } from '../messages/phone.js';
import type { NewRecipient } from './recipients-repository.js';

/**
 * Recipients given as JSON, checked like a CSV file's rows: numbers normalised to
 * E.164, an invalid number or a repeat kept as `skipped` with the reason. A variable
 * name that can't be used in a template refuses the whole list.
 */
export function recipientsFromJson(inputs: RecipientInput[], defaultCountry: string, existing: ReadonlySet<string>): NewRecipient[] {
  const firstIndex = new Map<string, number>();
  return inputs.map((input, index) => {
    const { phone: rawPhone, name, ...rest } = input;
    const variables: Record<string, string> = {};
    for (const [key, value] of Object.entries(rest)) {
      if (!VARIABLE_NAME_PATTERN.test(key)) {
        throw new AppError('validation_failed', `recipients[${index}]: "${key}" can't be a variable name: use letters, digits and _ only.`, { field: `recipients.${index}` });
      }
      variables[key] = String(value);
    }
    const base = { name: name?.trim() || null, variables, line: null };
    let e164: string;
    try {
      e164 = normalizePhone(rawPhone, defaultCountry).e164;
    } catch (error) {
      return { ...base, phone: rawPhone.trim(), status: 'skipped', reason: 'invalid', error: error instanceof Error ? error.message : 'Not a valid phone number.' };
    }
    if (existing.has(e164)) return { ...base, phone: e164, status: 'skipped', reason: 'duplicate', error: 'This number is already in the campaign.' };
    const first = firstIndex.get(e164);
    if (first !== undefined) return { ...base, phone: e164, status: 'skipped', reason: 'duplicate', error: `Same number as recipient ${first + 1}.` };
    firstIndex.set(e164, index);
    return { ...base, phone: e164, status: 'pending', reason: null, error: null };
  });
}
