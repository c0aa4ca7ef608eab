'use client';

import { useSession } from '@/session';
import { useFormat, useT } from '@/i18n';
import { useNow } from '@/hooks/useNow';

const ICON = {
  connecting: 'pi-spin pi-spinner',
  live: 'pi-circle-fill',
  reconnecting: 'pi-sync',
  offline: 'pi-ban',
} as const;

/** This browser's own link to Wasla (not WhatsApp's): live · reconnecting in N s · offline. */
export function ConnectionHealth() {
  const kind = useSession((session) => session.health.kind);
  const retryAt = useSession((session) => session.health.retryAt);
  const t = useT();
  const format = useFormat();
  const now = useNow(kind === 'reconnecting' && retryAt !== null);

  let text: string;
  if (kind === 'live') text = t('health.live');
  else if (kind === 'offline') text = t('health.offline');
  else if (kind === 'connecting') text = t('health.connecting');
  else text = retryAt !== null && retryAt > now ? t('health.reconnecting', { when: format.relative(retryAt, now) }) : t('health.reconnectingSoon');

  return (
    <span className={`connection-health connection-health--${kind}`} data-connection-health={kind} title={t('health.label')}>
      <i className={`pi ${ICON[kind]}`} aria-hidden="true" />
      <span className="visually-hidden">{t('health.label')}: </span>
      <span>{text}</span>
    </span>
  );
}
