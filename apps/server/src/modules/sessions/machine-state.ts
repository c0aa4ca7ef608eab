import type { SessionErrorCode, SessionRestriction, SessionState, SessionStatus } from '@wasla/protocol';
import type { BackoffPolicy } from './backoff.js';

/** The session machine's whole state: what is published, plus what only the machine needs. */
export interface MachineState {
  /** What every surface sees (epoch, rev, status, isReady, qrCode, ...). */
  public: SessionState;
  /** Consecutive failed connection attempts, for the backoff; reset once linked and open. */
  attempt: number;
  /** Digits of a pairing-code request waiting for the first QR of the connection. */
  pairingPhone: string | null;
}

/** Everything that can happen to a session. */
export type SessionEvent =
  // Commands, from the API.
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'restart' }
  | { type: 'logout' }
  | { type: 'request_pairing_code'; phoneDigits: string }
  // From the current WhatsApp connection; the service drops events of stale connections.
  | { type: 'connecting' }
  | { type: 'qr'; qrDataUrl: string; expiresAt: string }
  | { type: 'pairing_code'; code: string }
  | { type: 'pairing_code_failed'; message: string }
  /** `phoneNumber` is E.164. */
  | { type: 'open'; phoneNumber: string | null }
  | { type: 'closed'; statusCode: number | null; message: string | null }
  // From the service's retry timer.
  | { type: 'retry_due' }
  // The number itself, whatever the connection: WhatsApp restricted it (an ack's error), or a person lifted that.
  | { type: 'restricted'; restriction: SessionRestriction }
  | { type: 'lift_restriction' };

/** Work the service does after a transition, in the order given. */
export type SessionEffect =
  /** Open a NEW WhatsApp connection with the stored credentials. */
  | { type: 'connect' }
  /** End the current connection quietly (no logout). */
  | { type: 'disconnect' }
  /** Ask WhatsApp to unlink this device (best effort), then end the connection. */
  | { type: 'logout_remote' }
  | { type: 'wipe_credentials' }
  | { type: 'schedule_retry'; delayMs: number }
  | { type: 'cancel_retry' }
  | { type: 'request_pairing_code'; phoneDigits: string }
  /** Store the number's restriction (null: remove it), so it outlives a restart. */
  | { type: 'store_restriction'; restriction: SessionRestriction | null };

/** What a transition may depend on besides the state and the event; passed in to keep it pure. */
export interface TransitionContext {
  now: Date;
  /** In `[0, 1)`, for the backoff's jitter. */
  random: number;
  backoff: BackoffPolicy;
}

/** The outcome of one event. `changed` is true exactly when `state.public` is new (and its rev +1). */
export interface TransitionResult {
  state: MachineState;
  effects: SessionEffect[];
  changed: boolean;
  /** Set when a command is not allowed in the current status; nothing changed then. */
  rejected?: { code: 'invalid_state'; message: string };
}

/** The fields a transition may set besides the status; the rest follow from the status. */
export type StatePatch = Partial<
  Pick<SessionState, 'qrCode' | 'qrExpiresAt' | 'pairingCode' | 'phoneNumber' | 'error' | 'errorCode' | 'nextRetryAt'>
>;

/** A reason to publish alongside 'disconnected', 'failed' or 'logged_out'. */
export interface Problem {
  errorCode: SessionErrorCode;
  message: string;
}

/** Statuses that carry `error` / `errorCode`; every other status clears them. */
const PROBLEM_STATUSES: ReadonlySet<SessionStatus> = new Set(['disconnected', 'failed', 'logged_out']);

/**
 * Clears every field that has no meaning in the state's status, so no transition can
 * publish a stale QR, code, retry time or error by forgetting to clear it.
 */
export function withStatusInvariants(state: SessionState): SessionState {
  const { status } = state;
  const inQr = status === 'qr';
  const hasProblem = PROBLEM_STATUSES.has(status);
  return {
    ...state,
    isReady: status === 'ready',
    qrCode: inQr ? state.qrCode : null,
    qrExpiresAt: inQr ? state.qrExpiresAt : null,
    pairingCode: status === 'pairing' ? state.pairingCode : null,
    nextRetryAt: status === 'disconnected' ? state.nextRetryAt : null,
    error: hasProblem ? state.error : null,
    errorCode: hasProblem ? state.errorCode : null,
    // An unlinked session has no number.
    phoneNumber: status === 'logged_out' ? null : state.phoneNumber,
  };
}

/** True when two published states say the same thing (their stamps aside). */
export function samePublicState(a: SessionState, b: SessionState): boolean {
  const keys = Object.keys(a) as (keyof SessionState)[];
  return keys.every((key) => key === 'rev' || key === 'lastUpdate' || a[key] === b[key]);
}

/**
 * Stamps a transition's outcome: a new public state gets rev +1 and `now`; an unchanged
 * one keeps the very same object, so nothing is published twice.
 */
export function stamp(before: MachineState, after: MachineState, now: Date): { state: MachineState; changed: boolean } {
  if (samePublicState(before.public, after.public)) {
    const internalSame = before.attempt === after.attempt && before.pairingPhone === after.pairingPhone;
    return { state: internalSame ? before : { ...after, public: before.public }, changed: false };
  }
  const published: SessionState = { ...after.public, rev: before.public.rev + 1, lastUpdate: now.toISOString() };
  return { state: { ...after, public: published }, changed: true };
}
