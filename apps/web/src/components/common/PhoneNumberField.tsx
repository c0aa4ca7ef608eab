'use client';

import { InputText } from 'primereact/inputtext';
import { useFormat, useT } from '@/i18n';
import type { MessageKey } from '@/i18n';
import { DEFAULT_COUNTRY, callingCode } from '@/lib/phone';
import type { PhoneCheck } from '@/lib/phone';

interface PhoneNumberFieldProps {
  id: string;
  name: string;
  label: string;
  value: string;
  check: PhoneCheck;
  onChange(value: string): void;
  /** How a valid number is confirmed: "Will be sent to …" or "Will link …". */
  validKey: MessageKey;
  placeholder?: string;
  disabled?: boolean;
}

/** A phone number input that says, as you type, whether the number is valid and where it goes. */
export function PhoneNumberField({ id, name, label, value, check, onChange, validKey, placeholder, disabled }: PhoneNumberFieldProps) {
  const t = useT();
  const format = useFormat();
  const hintId = `${id}-hint`;
  const invalid = check.kind === 'invalid' || check.kind === 'too_long';

  let hint: string;
  let tone: 'neutral' | 'error' | 'success' = 'neutral';
  switch (check.kind) {
    case 'empty':
      hint = t('phone.defaultCountry', { country: format.region(DEFAULT_COUNTRY), code: callingCode(DEFAULT_COUNTRY) });
      break;
    case 'too_short':
      hint = t('phone.tooShort');
      break;
    case 'too_long':
      hint = t('phone.tooLong');
      tone = 'error';
      break;
    case 'invalid':
      hint = t('phone.invalid');
      tone = 'error';
      break;
    case 'valid':
      hint = t(validKey, { number: check.display });
      tone = 'success';
      break;
  }

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {/* Phone numbers read left to right in Arabic too: the code, then the number. */}
      <div className="phone-input" dir="ltr">
        <span className="phone-input__country" aria-hidden="true">{callingCode(DEFAULT_COUNTRY)}</span>
        <InputText
          id={id}
          name={name}
          type="tel"
          inputMode="tel"
          autoComplete="tel"
          dir="ltr"
          className={`ltr-input${invalid ? ' p-invalid' : ''}`}
          value={value}
          placeholder={placeholder}
          disabled={disabled}
          aria-invalid={invalid}
          aria-describedby={hintId}
          onChange={(event) => onChange(event.target.value)}
        />
      </div>
      <small id={hintId} className={`field__hint field__hint--${tone}`} aria-live="polite">
        {tone === 'success' ? <i className="pi pi-check" aria-hidden="true" /> : null}
        {tone === 'error' ? <i className="pi pi-exclamation-circle" aria-hidden="true" /> : null} {hint}
      </small>
    </div>
  );
}
