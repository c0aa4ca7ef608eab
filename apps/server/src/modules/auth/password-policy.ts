import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishDictionary, translations } from '@zxcvbn-ts/language-en';
import { AppError } from '../../errors/app-error.js';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;
/** zxcvbn's 0–4 scale; 3 is "safely unguessable" (about 10^10 guesses), its authors' advice for stored hashes. */
const MIN_SCORE = 3;
// zxcvbn's matching time grows with the length; the first 100 characters decide.
const CHECKED_LENGTH = 100;

const estimator = new ZxcvbnFactory({
  dictionary: { ...commonDictionary, ...englishDictionary },
  graphs: adjacencyGraphs,
  translations,
});

// zxcvbn answers in English; its keys travel beside the words so the dashboard can say
// the same in the reader's language.
const WARNING_CODES = new Map(Object.entries(translations.warnings).map(([code, text]) => [text, code]));
const SUGGESTION_CODES = new Map(Object.entries(translations.suggestions).map(([code, text]) => [text, code]));

export interface PasswordWeakness {
  message: string;
  warning: string | null;
  suggestions: string[];
  /** `too_short`, or zxcvbn's key of the warning (`common`, `straightRow`, …); null when it gave none. */
  warningCode: string | null;
  /** zxcvbn's keys of the suggestions, in the same order. */
  suggestionCodes: string[];
}

/**
 * What makes a password too easy to guess, or null: too short, common, repeated, a
 * keyboard walk, or built from the person's own email or name (NIST SP 800-63B: check
 * against known-bad values, no composition rules).
 */
export function passwordWeakness(password: string, personal: string[]): PasswordWeakness | null {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return { message: `The password must be at least ${PASSWORD_MIN_LENGTH} characters.`, warning: null, suggestions: [], warningCode: 'too_short', suggestionCodes: [] };
  }
  const inputs = personal.flatMap((value) => [value, ...value.split(/[@.\s_-]+/)]).filter((value) => value.length >= 3);
  const result = estimator.check(password.slice(0, CHECKED_LENGTH), inputs);
  if (result.score >= MIN_SCORE) return null;
  const { warning, suggestions } = result.feedback;
  const advice = [warning, ...suggestions].filter(Boolean).join(' ');
  return {
    message: `This password is too easy to guess.${advice ? ` ${advice}` : ''}`,
    warning: warning || null,
    suggestions,
    warningCode: warning ? (WARNING_CODES.get(warning) ?? null) : null,
    suggestionCodes: suggestions.flatMap((text) => SUGGESTION_CODES.get(text) ?? []),
  };
}

/** Throws `weak_password`, with zxcvbn's advice, unless the password is strong enough. */
export function assertStrongPassword(password: string, personal: string[]): void {
  const weakness = passwordWeakness(password, personal);
  if (weakness) {
    const { message, ...details } = weakness;
    throw new AppError('weak_password', message, details);
  }
}
