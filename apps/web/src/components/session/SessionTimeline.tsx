'use client';

import { useEffect, useRef } from 'react';
import type { SessionTransition } from '@wasla/protocol';
import { useSession } from '@/session';
import { useFormat, useT } from '@/i18n';
import { useApiResource } from '@/hooks/useApiResource';
import { EmptyState } from '@/components/common/EmptyState';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { STATUS_ICON, eventKey, sessionErrorKey, statusKey } from './status';

const TIMELINE_LIMIT = 20;
/** The server records a transition just after it publishes the state; look again shortly if we were early. */
const CATCH_UP_DELAY_MS = 1000;
const CATCH_UP_TRIES = 3;

/**
 * The session's recent transitions with their reasons. This is history, not the
 * session's state: it is fetched here, and fetched again whenever the status changes.
 */
export function SessionTimeline() {
  const t = useT();
  const status = useSession((session) => session.status);
  const epoch = useSession((session) => session.epoch);
  const { resource, reload } = useApiResource<{ items: SessionTransition[] }>(`/api/session/transitions?limit=${TIMELINE_LIMIT}`, `${epoch}:${status}`);
  const catchUps = useRef(0);

  const newest = resource.kind === 'ready' && !resource.refreshing ? resource.data.items[0] : undefined;
  const caughtUp = newest === undefined || newest.to === status;
  useEffect(() => {
    if (caughtUp) {
      if (newest) catchUps.current = 0;
      return;
    }
    if (catchUps.current >= CATCH_UP_TRIES) return;
    const timer = window.setTimeout(() => {
      catchUps.current += 1;
      reload();
    }, CATCH_UP_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [caughtUp, newest, reload]);

  return (
    <section className="card" aria-labelledby="timeline-title" aria-busy={resource.kind === 'loading'}>
      <header className="card__header">
        <h2 id="timeline-title" className="card__title">
          <i className="pi pi-history" aria-hidden="true" />
          {t('timeline.title')}
        </h2>
      </header>
      {resource.kind === 'loading' ? <LoadingRows rows={4} /> : null}
      {resource.kind === 'error' ? <ErrorState error={resource.error} onRetry={reload} /> : null}
      {resource.kind === 'ready' && resource.data.items.length === 0 ? <EmptyState icon="pi-history" text={t('timeline.empty')} /> : null}
      {resource.kind === 'ready' && resource.data.items.length > 0 ? (
        <ol className="timeline">
          {resource.data.items.map((item) => (
            <TimelineEntry key={`${item.epoch}-${item.rev}`} item={item} />
          ))}
        </ol>
      ) : null}
    </section>
  );
}

function TimelineEntry({ item }: { item: SessionTransition }) {
  const t = useT();
  const format = useFormat();
  // WhatsApp closes the connection right after a scan (515) so the newly linked device
  // reconnects: that close is the good news, not a failure.
  const linked = item.event === 'closed' && item.to === 'connecting' && (item.from === 'qr' || item.from === 'pairing');
  const event = linked ? 'event.linked' : eventKey(item.event);
  const reasonKey = sessionErrorKey(item.errorCode);
  const reason = reasonKey ? t(reasonKey) : item.error;
  return (
    <li className={`timeline__item timeline__item--${item.to}`}>
      <span className="timeline__marker" aria-hidden="true">
        <i className={`pi ${STATUS_ICON[item.to].replace('pi-spin ', '')}`} />
      </span>
      <div className="timeline__content">
        <p className="timeline__head">
          <span>{t('timeline.transition', { from: t(statusKey(item.from)), to: t(statusKey(item.to)) })}</span>
          <time className="timeline__time" dateTime={item.at}>{format.dateTime(item.at)}</time>
        </p>
        <p className="timeline__event muted">{event ? t(event) : item.event}</p>
        {reason ? <p className="timeline__reason">{reason}</p> : null}
      </div>
    </li>
  );
}
