import type { SessionErrorCode } from '@wasla/protocol';

/** What the session does when WhatsApp closes its connection. */
export type DisconnectReaction =
  /** Open a new connection at once: WhatsApp asked for it (515, normal right after linking). */
  | { kind: 'reconnect_now' }
  /** A passing problem: wait (exponential backoff with jitter), then reconnect. */
  | { kind: 'backoff'; errorCode: SessionErrorCode; message: string }
  /** The phone unlinked Wasla: the credentials are worthless, wipe them. */
  | { kind: 'logged_out'; errorCode: 'logged_out'; message: string }
  /** Reconnecting would not help (or would do harm): stop and tell the user. */
  | { kind: 'fail'; errorCode: SessionErrorCode; message: string; wipe: boolean }
  /** The link itself is broken: wipe the credentials and start again for a new QR. */
  | { kind: 'repair'; errorCode: 'multidevice_mismatch'; message: string };

/** Why a connection closed: Baileys' Boom status code (null when there was none) and its message. */
export interface DisconnectInfo {
  statusCode: number | null;
  message: string | null;
}

/** One row of the table: a status code, optionally narrowed by a fragment of the message. */
export interface DisconnectRule {
  statusCode: number | null;
  /** Matched case-insensitively; rows with a fragment come before the row for the bare code. */
  messageIncludes?: string;
  /** Baileys' name for the code, for people reading logs and tests. */
  name: string;
  reaction: DisconnectReaction;
}

/**
 * Every close reason Wasla knows, and its one reaction. The first matching row wins.
 * Codes are Baileys' `DisconnectReason` (7.0.0-rc14); 408 means both "connection lost"
 * and "QR refs attempts ended", told apart by the message.
 */
export const DISCONNECT_RULES: readonly DisconnectRule[] = [
  { statusCode: 515, name: 'restartRequired', reaction: { kind: 'reconnect_now' } },
  {
    statusCode: 401,
    name: 'loggedOut',
    reaction: {
      kind: 'logged_out',
      errorCode: 'logged_out',
      message: 'WhatsApp unlinked this device (it was logged out from the phone). Start the session again to link it with a new QR code.',
    },
  },
  {
    statusCode: 403,
    name: 'forbidden',
    reaction: { kind: 'fail', errorCode: 'forbidden', wipe: false, message: 'WhatsApp refused this number (banned or blocked). Wasla will not retry.' },
  },
  {
    statusCode: 440,
    name: 'connectionReplaced',
    reaction: {
      kind: 'fail',
      errorCode: 'connection_replaced',
      wipe: false,
      message:
        "Another WhatsApp Web client took over this number; Wasla stopped so the two don't keep disconnecting each other. Start the session again to take it back.",
    },
  },
  {
    statusCode: 408,
    messageIncludes: 'QR refs attempts ended',
    name: 'timedOut (QR never scanned)',
    // The creds were never registered, so wiping loses nothing; and a pairing-code
    // request may have written `creds.me`, which would make the next start log in
    // instead of showing a QR.
    reaction: { kind: 'fail', errorCode: 'qr_timeout', wipe: true, message: 'QR code was not scanned in time.' },
  },
  {
    statusCode: 408,
    messageIncludes: 'Connection was lost',
    name: 'connectionLost',
    reaction: { kind: 'backoff', errorCode: 'connection_lost', message: 'The connection to WhatsApp was lost.' },
  },
  {
    statusCode: 408,
    name: 'timedOut',
    reaction: { kind: 'backoff', errorCode: 'timed_out', message: 'WhatsApp did not answer in time.' },
  },
  {
    statusCode: 428,
    name: 'connectionClosed',
    reaction: { kind: 'backoff', errorCode: 'connection_closed', message: 'WhatsApp closed the connection.' },
  },
  {
    statusCode: 500,
    name: 'badSession',
    reaction: { kind: 'backoff', errorCode: 'bad_session', message: 'WhatsApp reported a bad session.' },
  },
  {
    statusCode: 503,
    name: 'unavailableService',
    reaction: { kind: 'backoff', errorCode: 'service_unavailable', message: 'WhatsApp is unavailable right now.' },
  },
  {
    statusCode: 411,
    name: 'multideviceMismatch',
    reaction: {
      kind: 'repair',
      errorCode: 'multidevice_mismatch',
      message: 'WhatsApp reported a multi-device mismatch; Wasla cleared the old link and is starting again for a new QR code.',
    },
  },
  {
    statusCode: null,
    name: 'socket error without a status',
    reaction: { kind: 'backoff', errorCode: 'connection_lost', message: 'The connection to WhatsApp was lost.' },
  },
];

function matches(rule: DisconnectRule, info: DisconnectInfo): boolean {
  if (rule.statusCode !== info.statusCode) return false;
  if (rule.messageIncludes === undefined) return true;
  return (info.message ?? '').toLowerCase().includes(rule.messageIncludes.toLowerCase());
}

/**
 * The reaction to a closed connection. A code Wasla doesn't know is treated as a
 * passing problem: backing off is safe, and giving up would strand a working number.
 */
export function reactToDisconnect(info: DisconnectInfo): DisconnectReaction {
  const rule = DISCONNECT_RULES.find((candidate) => matches(candidate, info));
  if (rule) return rule.reaction;
  return {
    kind: 'backoff',
    errorCode: 'unknown',
    message: `The connection to WhatsApp closed for a reason Wasla does not know (code ${String(info.statusCode)}).`,
  };
}
