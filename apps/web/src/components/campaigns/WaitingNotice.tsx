'use client';

import type { Campaign } from '@wasla/protocol';
import { useFormat, useT } from '@/i18n';
import { sameClock, viewerTimeZone } from '@/i18n/format';
import { useNow } from '@/hooks/useNow';
import { WAIT_REASON } from './campaign-status';

/**
 * What a running campaign is holding back for, and until when: the gap between two
 * messages (counted down), an hourly or daily cap, quiet hours, or its start time.
 * Quiet hours end on their own zone's clock: when that isn't the viewer's, the time is
 * given in that zone, named, and in the viewer's own.
 */
export function WaitingNotice({ waiting, quietZone = null }: { waiting: NonNullable<Campaign['waiting']>; quietZone?: string | null }) {
  const t = useT();
  const format = useFormat();
  const now = useNow(waiting.code === 'gap' && waiting.until !== null);
  const reason = WAIT_REASON[waiting.code];
  const until = waiting.until ? Date.parse(waiting.until) : null;
  let text: string;
  if (until === null || Number.isNaN(until) || until <= now) text = t(reason.withoutTime);
  else if (waiting.code === 'gap') text = t(reason.withTime, { when: format.relative(until, now) });
  else if (waiting.code === 'quiet_hours' && quietZone && !sameClock(quietZone, viewerTimeZone(), until)) {
    text = t(reason.withTime, { time: t('time.zonedAndHere', { time: format.zonedTime(until, quietZone), here: format.upcoming(until, now) }) });
  } else text = t(reason.withTime, { time: format.upcoming(until, now) });
  return (
    <p className={`waiting waiting--${waiting.code}`} role="status" data-waiting={waiting.code}>
      <i className={`pi ${reason.icon}`} aria-hidden="true" />
      <span>{text}</span>
    </p>
  );
}
