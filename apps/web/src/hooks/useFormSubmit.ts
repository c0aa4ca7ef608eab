'use client';

import { useCallback, useState } from 'react';
import { useErrorText } from '@/i18n/errors';

/**
 * A form's submit: pending while it runs, the server's words when it fails.
 * `keepPending` leaves the form disabled after success, for a form that navigates away.
 */
export function useFormSubmit() {
  const errorText = useErrorText();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = useCallback(
    async (action: () => Promise<void>, options: { keepPending?: boolean } = {}): Promise<boolean> => {
      setPending(true);
      setError(null);
      try {
        await action();
        if (!options.keepPending) setPending(false);
        return true;
      } catch (caught) {
        setError(errorText(caught));
        setPending(false);
        return false;
      }
    },
    [errorText],
  );

  return { pending, error, setError, run };
}
