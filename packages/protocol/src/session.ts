import { z } from 'zod';

/** Every status a WhatsApp session can be in. The server's state machine is the only writer. */
export const SESSION_STATUSES = [
  'stopped',
  'connecting',
  'qr',
  'pairing',
  'ready',
  'disconnected',
  'logged_out',
  'failed',
] as const;

export const sessionStatusSchema = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof sessionStatusSchema>;

/** Session ids are short, URL-safe names; `default` is the seed's single-number session. */
export const SESSION_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;
export const sessionIdSchema = z.string().regex(SESSION_ID_PATTERN, 'session id must be 1–40 characters: a-z, 0-9, _ or -');
export const DEFAULT_SESSION_ID = 'default';

/**
 * WhatsApp restricted the number: an ack of one of its messages carried error `code`
 * (463: it may not start new chats for now). Stored with the session, so it outlives
 * restarts and relinking; sending — campaigns and single messages alike — stays
 * stopped until a person lifts it (`POST /api/session/restriction/lift`, or "Resume
 * anyway" on a campaign it paused).
 */
export const sessionRestrictionSchema = z.object({
  /** WhatsApp's error code, e.g. `463`. */
  code: z.string(),
  /** When the first ack said so (ISO-8601). */
  since: z.string(),
  /** In English, for API callers; the dashboard words it from `code`. */
  reason: z.string(),
});
export type SessionRestriction = z.infer<typeof sessionRestrictionSchema>;

/**
 * The complete state of one session, as every surface sees it. A state is newer than
 * another when its `(epoch, rev)` is greater; clients apply only newer states.
 */
export const sessionStateSchema = z.object({
  sessionId: z.string(),
  epoch: z.number().int().nonnegative(),
  rev: z.number().int().nonnegative(),
  status: sessionStatusSchema,
  isReady: z.boolean(),
  qrCode: z.string().nullable(),
  qrExpiresAt: z.string().nullable(),
  pairingCode: z.string().nullable(),
  phoneNumber: z.string().nullable(),
  lastUpdate: z.string(),
  error: z.string().nullable(),
  errorCode: z.string().nullable(),
  nextRetryAt: z.string().nullable(),
  /** Set while WhatsApp has restricted the number (see {@link sessionRestrictionSchema}); whatever the status. */
  restriction: sessionRestrictionSchema.nullable(),
});
export type SessionState = z.infer<typeof sessionStateSchema>;

/** Orders two `(epoch, rev)` stamps: negative when `a` is older, positive when newer. */
export function compareStamps(a: { epoch: number; rev: number }, b: { epoch: number; rev: number }): number {
  return a.epoch !== b.epoch ? a.epoch - b.epoch : a.rev - b.rev;
}

/** True when `candidate` should replace `current` (there is none, or it is strictly newer). */
export function isNewerState(candidate: { epoch: number; rev: number }, current: { epoch: number; rev: number } | null | undefined): boolean {
  return current == null || compareStamps(candidate, current) > 0;
}

/** The ETag for a state: weak, built from `(epoch, rev)` only. */
export function sessionStateEtag(state: { epoch: number; rev: number }): string {
  return `W/"${state.epoch}-${state.rev}"`;
}

/**
 * Stable machine codes carried in `SessionState.errorCode`, each with the reason a
 * person reads in `error`.
 */
export const SESSION_ERROR_CODES = [
  'qr_timeout',
  'logged_out',
  /** A person logged out from Wasla (the API's logout), not from the phone. */
  'logged_out_by_user',
  'connection_replaced',
  'forbidden',
  'connection_lost',
  'connection_closed',
  'timed_out',
  'bad_session',
  'service_unavailable',
  'multidevice_mismatch',
  'restart_required',
  'retries_exhausted',
  'pairing_failed',
  'unknown',
] as const;
export type SessionErrorCode = (typeof SESSION_ERROR_CODES)[number];

export const qrPayloadSchema = z.object({
  qr: z.string(),
  expiresAt: z.string().nullable(),
});
export type QrPayload = z.infer<typeof qrPayloadSchema>;

export const pairingCodeRequestSchema = z.object({
  phoneNumber: z.string().min(3).max(32),
});
export type PairingCodeRequest = z.infer<typeof pairingCodeRequestSchema>;

/** One recorded transition of a session, for the dashboard's timeline. */
export const sessionTransitionSchema = z.object({
  sessionId: z.string(),
  epoch: z.number().int(),
  rev: z.number().int(),
  from: sessionStatusSchema,
  to: sessionStatusSchema,
  event: z.string(),
  errorCode: z.string().nullable(),
  error: z.string().nullable(),
  at: z.string(),
});
export type SessionTransition = z.infer<typeof sessionTransitionSchema>;
