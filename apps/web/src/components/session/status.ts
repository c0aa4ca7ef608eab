import type { SessionErrorCode, SessionStatus } from '@wasla/protocol';
import type { MessageKey } from '@/i18n';

export const STATUS_ICON: Record<SessionStatus, string> = {
  stopped: 'pi-stop-circle',
  connecting: 'pi-spin pi-spinner',
  qr: 'pi-qrcode',
  pairing: 'pi-key',
  ready: 'pi-check-circle',
  disconnected: 'pi-sync',
  logged_out: 'pi-sign-out',
  failed: 'pi-times-circle',
};

export function statusKey(status: SessionStatus): MessageKey {
  return `status.${status}`;
}

/** Every code the server can put in `errorCode` has words in both languages (a new code without them doesn't compile). */
const SESSION_ERROR_KEYS: Record<SessionErrorCode, MessageKey> = {
  qr_timeout: 'sessionError.qr_timeout',
  logged_out: 'sessionError.logged_out',
  logged_out_by_user: 'sessionError.logged_out_by_user',
  connection_replaced: 'sessionError.connection_replaced',
  forbidden: 'sessionError.forbidden',
  connection_lost: 'sessionError.connection_lost',
  connection_closed: 'sessionError.connection_closed',
  timed_out: 'sessionError.timed_out',
  bad_session: 'sessionError.bad_session',
  service_unavailable: 'sessionError.service_unavailable',
  multidevice_mismatch: 'sessionError.multidevice_mismatch',
  restart_required: 'sessionError.restart_required',
  retries_exhausted: 'sessionError.retries_exhausted',
  pairing_failed: 'sessionError.pairing_failed',
  unknown: 'sessionError.unknown',
};

/** The translation key for a session's stable error code, when we have one. */
export function sessionErrorKey(errorCode: string | null): MessageKey | null {
  return errorCode ? ((SESSION_ERROR_KEYS as Partial<Record<string, MessageKey>>)[errorCode] ?? null) : null;
}

const EVENT_KEYS: Partial<Record<string, MessageKey>> = {
  start: 'event.start',
  stop: 'event.stop',
  restart: 'event.restart',
  logout: 'event.logout',
  request_pairing_code: 'event.request_pairing_code',
  connecting: 'event.connecting',
  qr: 'event.qr',
  pairing_code: 'event.pairing_code',
  pairing_code_failed: 'event.pairing_code_failed',
  open: 'event.open',
  closed: 'event.closed',
  retry_due: 'event.retry_due',
};

/** The translation key for a state-machine event in the timeline (unknown events show as sent). */
export function eventKey(event: string): MessageKey | null {
  return EVENT_KEYS[event] ?? null;
}
