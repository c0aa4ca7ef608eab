'use client';

import { Button } from 'primereact/button';
import { isLidPeer } from '@wasla/protocol';
import type { Message } from '@wasla/protocol';
import { useFormat, useT } from '@/i18n';
import type { MessageKey } from '@/i18n';
import { formatPhone } from '@/lib/phone';
import { EmptyState } from '@/components/common/EmptyState';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { MessageStatusTick } from './MessageStatusTick';
import type { MessageLog as MessageLogModel } from './useMessageLog';

const FAILURE_KEYS: Partial<Record<string, MessageKey>> = {
  '463': 'log.failed.463',
  '479': 'log.failed.479',
  not_on_whatsapp: 'log.failed.not_on_whatsapp',
  send_failed: 'log.failed.send_failed',
};

/**
 * Why a message failed, in the reader's language, from its code. A code we have no words
 * for is still named; text from the server with no code is isolated (its own direction),
 * so an English sentence in the Arabic page keeps its full stop at its end.
 */
function FailureText({ message }: { message: Message }) {
  const t = useT();
  const key = message.errorCode ? FAILURE_KEYS[message.errorCode] : undefined;
  if (key) return <>{t(key)}</>;
  if (message.errorCode && /^\d+$/.test(message.errorCode)) return <>{t('log.failed.other', { code: message.errorCode })}</>;
  return (
    <bdi dir="auto" lang="en">
      {message.error}
    </bdi>
  );
}

/** Every message, newest first, with live delivery ticks and older pages on request. */
export function MessageLog({ log }: { log: MessageLogModel }) {
  const t = useT();
  const { state } = log;

  return (
    <section className="card" aria-labelledby="log-title" aria-busy={state.phase === 'loading'}>
      <header className="card__header">
        <h2 id="log-title" className="card__title">
          <i className="pi pi-comments" aria-hidden="true" />
          {t('log.title')}
        </h2>
        {state.phase === 'ready' && state.items.length > 0 ? <span className="muted"><i className="pi pi-sort-amount-down" aria-hidden="true" /> {t('log.newestFirst')}</span> : null}
      </header>
      {state.phase === 'loading' ? <LoadingRows rows={5} /> : null}
      {state.phase === 'error' ? <ErrorState error={state.error} onRetry={log.reload} /> : null}
      {state.phase === 'ready' && state.items.length === 0 ? <EmptyState icon="pi-inbox" text={t('log.empty')} /> : null}
      {state.phase === 'ready' && state.items.length > 0 ? (
        <>
          <ul className="message-log">
            {state.items.map((message) => (
              <MessageRow key={message.id} message={message} />
            ))}
          </ul>
          <div className="message-log__more">
            {state.moreError ? <ErrorState error={state.moreError} onRetry={log.loadMore} /> : null}
            {state.nextCursor ? (
              <Button type="button" outlined icon="pi pi-angle-down" label={t('log.loadMore')} loading={state.loadingMore} onClick={log.loadMore} />
            ) : (
              <p className="muted">{t('log.end')}</p>
            )}
          </div>
        </>
      ) : null}
    </section>
  );
}

/**
 * The other party's number. A sender WhatsApp names only by a LID (a private id, not a number)
 * says that its number isn't known yet; the row shows the number as soon as WhatsApp tells it.
 */
function Peer({ peer }: { peer: string }) {
  const t = useT();
  if (isLidPeer(peer)) {
    return (
      <span className="message-log__peer message-log__peer--hidden" data-peer-lid={peer} title={peer}>
        <i className="pi pi-eye-slash" aria-hidden="true" /> {t('log.numberNotShared')}
      </span>
    );
  }
  return <bdi dir="ltr" className="phone-number">{formatPhone(peer)}</bdi>;
}

function MessageRow({ message }: { message: Message }) {
  const t = useT();
  const format = useFormat();
  const outgoing = message.direction === 'out';
  return (
    <li className={`message-log__item message-log__item--${message.direction}`} data-message-id={message.id}>
      <span className="message-log__direction" title={outgoing ? t('log.outgoing') : t('log.incoming')}>
        <i className={`pi ${outgoing ? 'pi-arrow-up-right' : 'pi-arrow-down-left'} icon-directional`} aria-hidden="true" />
        <span className="visually-hidden">{outgoing ? t('log.outgoing') : t('log.incoming')}</span>
      </span>
      <div className="message-log__main">
        <div className="message-log__head">
          <Peer peer={message.peer} />
          <time className="muted" dateTime={message.createdAt}>{format.preciseDateTime(message.createdAt)}</time>
        </div>
        <p className="message-log__text" dir="auto">{message.text}</p>
        {message.status === 'failed' && (message.error || message.errorCode) ? (
          <p className="message-log__error" data-error-code={message.errorCode ?? undefined}>
            <FailureText message={message} />
          </p>
        ) : null}
      </div>
      {outgoing ? (
        <MessageStatusTick message={message} />
      ) : (
        <span className="message-log__received" data-message-direction="in">
          <i className="pi pi-arrow-down-left icon-directional" aria-hidden="true" />
          {t('log.received')}
        </span>
      )}
    </li>
  );
}
