'use client';

import { useState } from 'react';
import type { FormEvent } from 'react';
import { Button } from 'primereact/button';
import { InputTextarea } from 'primereact/inputtextarea';
import type { Message } from '@wasla/protocol';
import { apiFetch } from '@/lib/api';
import { useSession } from '@/session';
import { useFormat, useT } from '@/i18n';
import { useErrorText } from '@/i18n/errors';
import { checkPhone } from '@/lib/phone';
import { PhoneNumberField } from '@/components/common/PhoneNumberField';
import { useNotify } from '@/components/common/ToastProvider';
import { SendBlockedNotice } from './SendBlockedNotice';

/** The server's limit on a text message (sendMessageRequestSchema). */
const MAX_TEXT_LENGTH = 4096;
const BLOCKED_NOTICE_ID = 'send-blocked-reason';

/** Compose a text to one number and send it; sending waits for a ready session and says why. */
export function ComposeMessage({ onSent }: { onSent(message: Message): void }) {
  const t = useT();
  const format = useFormat();
  const errorText = useErrorText();
  const notify = useNotify();
  const isReady = useSession((session) => session.isReady);
  const restricted = useSession((session) => session.restriction !== null);
  const blocked = !isReady || restricted;
  const [to, setTo] = useState('');
  const [text, setText] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const check = checkPhone(to);
  const canSend = !blocked && check.kind === 'valid' && text.trim().length > 0 && !pending;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!canSend || check.kind !== 'valid') return;
    setPending(true);
    setError(null);
    try {
      const message = await apiFetch<Message>('/api/messages', { method: 'POST', body: { to: check.e164, text } });
      onSent(message);
      setText('');
      notify({ severity: 'success', summary: t('compose.sent', { number: check.display }) });
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setPending(false);
    }
  };

  return (
    <section className="card compose" aria-labelledby="compose-title">
      <header className="card__header">
        <h2 id="compose-title" className="card__title">
          <i className="pi pi-pencil" aria-hidden="true" />
          {t('compose.title')}
        </h2>
      </header>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <PhoneNumberField id="compose-to" name="to" label={t('compose.to')} value={to} check={check} onChange={setTo} validKey="phone.valid" placeholder={t('compose.toPlaceholder')} />
        <div className="field">
          <label htmlFor="compose-text">{t('compose.text')}</label>
          <InputTextarea
            id="compose-text"
            name="text"
            value={text}
            rows={4}
            autoResize
            maxLength={MAX_TEXT_LENGTH}
            placeholder={t('compose.textPlaceholder')}
            aria-describedby="compose-text-count"
            onChange={(event) => setText(event.target.value)}
          />
          <small id="compose-text-count" className="field__hint field__hint--end">
            {t('compose.counter', { count: format.number(text.length), max: format.number(MAX_TEXT_LENGTH) })}
          </small>
        </div>
        {blocked ? <SendBlockedNotice id={BLOCKED_NOTICE_ID} /> : null}
        {error ? <p className="form-error" role="alert"><i className="pi pi-exclamation-triangle" aria-hidden="true" /> {error}</p> : null}
        <div className="form-actions">
          <Button
            type="submit"
            icon="pi pi-send icon-directional"
            label={pending ? t('compose.sending') : t('compose.send')}
            loading={pending}
            disabled={!canSend}
            aria-describedby={blocked ? BLOCKED_NOTICE_ID : undefined}
          />
        </div>
      </form>
    </section>
  );
}
