'use client';

import { useEffect, useMemo, useRef, useState } from 'react';
import { Button } from 'primereact/button';
import type { SessionTransition } from '@wasla/protocol';
import { useSession } from '@/session';
import { useFormat, useT } from '@/i18n';
import { useApiResource } from '@/hooks/useApiResource';
import { EmptyState } from '@/components/common/EmptyState';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { STATUS_ICON, eventKey, sessionErrorKey, statusKey } from './status';
import { groupTransitions } from './timeline-groups';
import type { TimelineGroup } from './timeline-groups';

/** Transitions fetched: enough to see past an outage's repeats, which are grouped into one line. */
const TIMELINE_LIMIT = 200;
/** Lines shown at first, and added by "Show older": the card stays short whatever happened. */
const PAGE_LINES = 8;
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
  const [lines, setLines] = useState(PAGE_LINES);
  const groups = useMemo(() => (resource.kind === 'ready' ? groupTransitions(resource.data.items) : []), [resource]);

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
        <>
          <ol className="timeline">
            {groups.slice(0, lines).map((group) => (
              <TimelineEntry key={`${group.items[0]!.epoch}-${group.items[0]!.rev}`} group={group} />
            ))}
          </ol>
          {groups.length > lines ? (
            <Button type="button" text size="small" icon="pi pi-angle-down" label={t('timeline.showOlder')} onClick={() => setLines((shown) => shown + PAGE_LINES)} />
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function TimelineEntry({ group }: { group: TimelineGroup }) {
  const t = useT();
  const format = useFormat();
  const newest = group.items[0]!;
  return (
    <li className={`timeline__item timeline__item--${newest.to}`} data-timeline-count={group.count}>
      <span className="timeline__marker" aria-hidden="true">
        <i className={`pi ${STATUS_ICON[newest.to].replace('pi-spin ', '')}`} />
      </span>
      <div className="timeline__content">
        {group.items.map((item, index) => (
          <TimelineTransition key={item.rev} item={item} showTime={group.count === 1 && index === 0} />
        ))}
        {group.count > 1 ? (
          <p className="timeline__repeat">
            <i className="pi pi-replay" aria-hidden="true" />{' '}
            {t('timeline.repeated', { count: format.number(group.count), first: format.preciseDateTime(group.firstAt), last: format.moment(group.lastAt, Date.parse(group.firstAt)) })}
          </p>
        ) : null}
      </div>
    </li>
  );
}

function TimelineTransition({ item, showTime }: { item: SessionTransition; showTime: boolean }) {
  const t = useT();
  const format = useFormat();
  // WhatsApp closes the connection right after a scan (515) so the newly linked device
  // reconnects: that close is the good news, not a failure.
  const linked = item.event === 'closed' && item.to === 'connecting' && (item.from === 'qr' || item.from === 'pairing');
  const event = linked ? 'event.linked' : eventKey(item.event);
  const reasonKey = sessionErrorKey(causeOf(item));
  const reason = reasonKey ? t(reasonKey) : item.error ? <bdi dir="auto">{item.error}</bdi> : null;
  return (
    <>
      <p className="timeline__head">
        <span>{t('timeline.transition', { from: t(statusKey(item.from)), to: t(statusKey(item.to)) })}</span>
        {showTime ? <time className="timeline__time" dateTime={item.at}>{format.preciseDateTime(item.at)}</time> : null}
      </p>
      <p className="timeline__event muted">{event ? t(event) : item.event}</p>
      {reason ? <p className="timeline__reason">{reason}</p> : null}
    </>
  );
}

/**
 * The stable reason code of a transition. Before `logged_out_by_user` existed a logout
 * from Wasla was recorded as `logged_out`, the phone's code; its event tells them apart.
 */
function causeOf(item: SessionTransition): string | null {
  return item.event === 'logout' && item.errorCode === 'logged_out' ? 'logged_out_by_user' : item.errorCode;
}
