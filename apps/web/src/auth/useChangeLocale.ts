import { useCallback, useState } from 'react';
import { apiFetch } from '@/lib/api';
import { useI18n } from '@/i18n';
import type { Locale } from '@/i18n';
import { useErrorText } from '@/i18n/errors';
import { useNotify } from '@/components/common/ToastProvider';
import { useCurrentUser } from './CurrentUserProvider';
import type { User } from './types';

/**
 * Switches the language at once and saves it to the account (PATCH /api/auth/me), so
 * it follows the user to every device; if saving fails, the old language comes back.
 */
export function useChangeLocale(): { changeLocale(next: Locale): Promise<void>; saving: boolean } {
  const { locale, setLocale } = useI18n();
  const { updateUser } = useCurrentUser();
  const notify = useNotify();
  const errorText = useErrorText();
  const [saving, setSaving] = useState(false);

  const changeLocale = useCallback(async (next: Locale) => {
    if (next === locale) return;
    const previous = locale;
    setLocale(next);
    setSaving(true);
    try {
      updateUser(await apiFetch<User>('/api/auth/me', { method: 'PATCH', body: { locale: next } }));
    } catch (error) {
      setLocale(previous);
      notify({ severity: 'error', summary: errorText(error) });
    } finally {
      setSaving(false);
    }
  }, [locale, setLocale, updateUser, notify, errorText]);

  return { changeLocale, saving };
}
