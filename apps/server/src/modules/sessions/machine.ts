/*
 * The session state machine: the only place a session's `status` is decided. Pure —
 * time and randomness come in the context, and the service runs the returned effects.
 */
import type { SessionRestriction, SessionStatus } from '@wasla/protocol';
import { backoffDelay } from './backoff.js';
import { reactToDisconnect } from './disconnect-reasons.js';
import type { DisconnectReaction } from './disconnect-reasons.js';
import { stamp, withStatusInvariants } from './machine-state.js';
import type { MachineState, Problem, SessionEffect, SessionEvent, StatePatch, TransitionContext, TransitionResult } from './machine-state.js';

export type { MachineState, SessionEffect, SessionEvent, TransitionContext, TransitionResult } from './machine-state.js';

/** What one handler decides; `transition` stamps it (rev, lastUpdate) afterwards. */
interface Step {
  state: MachineState;
  effects: SessionEffect[];
  rejected?: TransitionResult['rejected'];
}

type BackoffReaction = Extract<DisconnectReaction, { kind: 'backoff' }>;
type FailReaction = Extract<DisconnectReaction, { kind: 'fail' }>;
type ProblemStatus = 'disconnected' | 'failed' | 'logged_out';

/** No connection, and none wanted: connection events arriving now are late echoes. */
const RESTING: ReadonlySet<SessionStatus> = new Set(['stopped', 'logged_out', 'failed']);
/** Statuses `start` (and a pairing-code request) leave by opening a connection. */
const STARTABLE: ReadonlySet<SessionStatus> = new Set(['stopped', 'logged_out', 'failed', 'disconnected']);
/** On the way to a link: QR codes, pairing codes and their failures apply here. */
const LINKING: ReadonlySet<SessionStatus> = new Set(['connecting', 'qr', 'pairing', 'disconnected']);

const CONNECT: SessionEffect = { type: 'connect' };
const DISCONNECT: SessionEffect = { type: 'disconnect' };
const CANCEL_RETRY: SessionEffect = { type: 'cancel_retry' };
const WIPE: SessionEffect = { type: 'wipe_credentials' };

const LOGGED_OUT_BY_USER: Problem = { errorCode: 'logged_out_by_user', message: 'Logged out from Wasla: the phone was unlinked from the dashboard or the API.' };
const PAIRING_TIMEOUT: Problem = { errorCode: 'pairing_failed', message: 'The pairing code was not entered in time.' };
const RESTART_LOOP_REASON = 'WhatsApp kept asking Wasla to reconnect.';
const ALREADY_LINKED = { code: 'invalid_state', message: 'The number is already linked; log out first.' } as const;

/** A stopped session, as a server boot creates it. */
export function initialState(sessionId: string, epoch: number, now: Date, restriction: SessionRestriction | null = null): MachineState {
  return {
    public: withStatusInvariants({
      sessionId, epoch, rev: 0, status: 'stopped', isReady: false, lastUpdate: now.toISOString(),
      qrCode: null, qrExpiresAt: null, pairingCode: null, phoneNumber: null,
      error: null, errorCode: null, nextRetryAt: null, restriction,
    }),
    attempt: 0,
    pairingPhone: null,
  };
}

/**
 * Applies one event. The result's `changed` is true exactly when the public state is
 * new (rev +1, lastUpdate = now); effects may come without a change (e.g. a restart
 * while connecting).
 */
export function transition(state: MachineState, event: SessionEvent, ctx: TransitionContext): TransitionResult {
  const step = handle(state, event, ctx);
  const stamped = stamp(state, step.state, ctx.now);
  const result: TransitionResult = { state: stamped.state, effects: step.effects, changed: stamped.changed };
  if (step.rejected) result.rejected = step.rejected;
  return result;
}

function handle(state: MachineState, event: SessionEvent, ctx: TransitionContext): Step {
  switch (event.type) {
    case 'start':
      return onStart(state);
    case 'stop':
      return onStop(state);
    case 'restart':
      return onRestart(state);
    case 'logout':
      return onLogout(state);
    case 'request_pairing_code':
      return onRequestPairingCode(state, event.phoneDigits);
    case 'connecting':
      return onConnecting(state);
    case 'qr':
      return onQr(state, event.qrDataUrl, event.expiresAt);
    case 'pairing_code':
      return onPairingCode(state, event.code);
    case 'pairing_code_failed':
      return onPairingCodeFailed(state, event.message);
    case 'open':
      return onOpen(state, event.phoneNumber);
    case 'closed':
      return onClosed(state, reactToDisconnect(event), ctx);
    case 'retry_due':
      return onRetryDue(state);
    case 'restricted':
      return onRestricted(state, event.restriction);
    case 'lift_restriction':
      return onLiftRestriction(state);
  }
}

// Building blocks. `moveTo` is the one place a status is written.

function moveTo(state: MachineState, status: SessionStatus, patch: StatePatch = {}): MachineState {
  return { ...state, public: withStatusInvariants({ ...state.public, ...patch, status }) };
}

/** Problem statuses always get their own reason, never the previous one. */
function moveToProblem(state: MachineState, status: ProblemStatus, problem: Problem, patch: StatePatch = {}): MachineState {
  return moveTo(state, status, { ...patch, error: problem.message, errorCode: problem.errorCode });
}

function stay(state: MachineState, effects: SessionEffect[] = []): Step {
  return { state, effects };
}

/** Leaving 'disconnected' early must not leave its retry timer behind. */
function cancelRetryIfWaiting(state: MachineState): SessionEffect[] {
  return state.public.status === 'disconnected' ? [CANCEL_RETRY] : [];
}

/** Wiped credentials mean there is no linked number any more. */
function forgetLink(state: MachineState): MachineState {
  return { ...state, public: { ...state.public, phoneNumber: null } };
}

// Commands.

function onStart(state: MachineState): Step {
  if (!STARTABLE.has(state.public.status)) return stay(state);
  return { state: { ...moveTo(state, 'connecting'), attempt: 0 }, effects: [...cancelRetryIfWaiting(state), CONNECT] };
}

/**
 * Leaving a link that wasn't finished (a QR or a pairing code on screen) throws its
 * credentials away: a pairing request already wrote `me` into them, and the next
 * connection would try to log in with credentials the phone never confirmed.
 */
function abandonLink(state: MachineState): SessionEffect[] {
  return state.public.status === 'qr' || state.public.status === 'pairing' ? [WIPE] : [];
}

function onStop(state: MachineState): Step {
  if (state.public.status === 'stopped') return stay(state);
  return { state: { ...moveTo(state, 'stopped'), attempt: 0, pairingPhone: null }, effects: [CANCEL_RETRY, DISCONNECT, ...abandonLink(state)] };
}

/** From any status: a restart is how a person says "try again now, from scratch". */
function onRestart(state: MachineState): Step {
  return { state: { ...moveTo(state, 'connecting'), attempt: 0 }, effects: [CANCEL_RETRY, DISCONNECT, ...abandonLink(state), CONNECT] };
}

function onLogout(state: MachineState): Step {
  if (state.public.status === 'logged_out') return stay(state);
  const next = moveToProblem(state, 'logged_out', LOGGED_OUT_BY_USER, { phoneNumber: null });
  return { state: { ...next, attempt: 0, pairingPhone: null }, effects: [CANCEL_RETRY, { type: 'logout_remote' }, WIPE] };
}

/**
 * Baileys accepts a pairing-code request only after the connection's first QR, so
 * outside 'qr' (and 'pairing', which asks for a fresh code) the digits wait in
 * `pairingPhone` until that QR arrives.
 */
function onRequestPairingCode(state: MachineState, phoneDigits: string): Step {
  switch (state.public.status) {
    case 'ready':
      return { state, effects: [], rejected: ALREADY_LINKED };
    case 'qr':
    case 'pairing':
      return stay(state, [{ type: 'request_pairing_code', phoneDigits }]);
    case 'connecting':
      return stay({ ...state, pairingPhone: phoneDigits });
    case 'stopped':
    case 'logged_out':
    case 'failed':
    case 'disconnected':
      return {
        state: { ...moveTo(state, 'connecting'), attempt: 0, pairingPhone: phoneDigits },
        effects: [...cancelRetryIfWaiting(state), CONNECT],
      };
  }
}

// Events of the current connection.

function onConnecting(state: MachineState): Step {
  // Only 'disconnected' moves: everywhere else the status already says as much or more.
  if (state.public.status !== 'disconnected') return stay(state);
  return { state: moveTo(state, 'connecting'), effects: [CANCEL_RETRY] };
}

function onQr(state: MachineState, qrCode: string, qrExpiresAt: string): Step {
  // While a pairing code is shown, a rotating QR would only confuse the person typing it.
  if (!LINKING.has(state.public.status) || state.public.status === 'pairing') return stay(state);
  const next = moveTo(state, 'qr', { qrCode, qrExpiresAt });
  const effects = cancelRetryIfWaiting(state);
  if (state.pairingPhone === null) return { state: next, effects };
  // The first QR is the earliest moment Baileys accepts the request; ask once.
  const request: SessionEffect = { type: 'request_pairing_code', phoneDigits: state.pairingPhone };
  return { state: { ...next, pairingPhone: null }, effects: [...effects, request] };
}

function onPairingCode(state: MachineState, pairingCode: string): Step {
  if (!LINKING.has(state.public.status)) return stay(state);
  return { state: moveTo(state, 'pairing', { pairingCode }), effects: cancelRetryIfWaiting(state) };
}

function onPairingCodeFailed(state: MachineState, message: string): Step {
  if (!LINKING.has(state.public.status)) return stay(state);
  // The request wrote `creds.me`; left in place, the next start would log in instead of pairing.
  const next = moveToProblem(state, 'failed', { errorCode: 'pairing_failed', message }, { phoneNumber: null });
  return { state: { ...next, pairingPhone: null }, effects: [...cancelRetryIfWaiting(state), DISCONNECT, WIPE] };
}

function onOpen(state: MachineState, phoneNumber: string | null): Step {
  // A connection that opens after the person stopped (or after we gave up) is not wanted.
  if (RESTING.has(state.public.status)) return stay(state, [DISCONNECT]);
  const next = moveTo(state, 'ready', { phoneNumber: phoneNumber ?? state.public.phoneNumber });
  return { state: { ...next, attempt: 0, pairingPhone: null }, effects: cancelRetryIfWaiting(state) };
}

function onClosed(state: MachineState, reaction: DisconnectReaction, ctx: TransitionContext): Step {
  if (RESTING.has(state.public.status)) return stay(state);
  const step = react(state, reaction, ctx);
  return state.public.status === 'pairing' && reaction.kind !== 'reconnect_now' ? abandonPairing(step) : step;
}

// Timer.

function onRetryDue(state: MachineState): Step {
  if (state.public.status !== 'disconnected') return stay(state);
  return { state: moveTo(state, 'connecting'), effects: [CONNECT] };
}

// The number's restriction: independent of the status, kept across connections.

function onRestricted(state: MachineState, restriction: SessionRestriction): Step {
  // The first ack says since when; later ones add nothing.
  if (state.public.restriction) return stay(state);
  return { state: { ...state, public: { ...state.public, restriction } }, effects: [{ type: 'store_restriction', restriction }] };
}

function onLiftRestriction(state: MachineState): Step {
  if (!state.public.restriction) return stay(state);
  return { state: { ...state, public: { ...state.public, restriction: null } }, effects: [{ type: 'store_restriction', restriction: null }] };
}

// Reactions to a closed connection (see disconnect-reasons.ts).

function react(state: MachineState, reaction: DisconnectReaction, ctx: TransitionContext): Step {
  switch (reaction.kind) {
    case 'reconnect_now':
      return reconnectNow(state, ctx);
    case 'backoff':
      return backOff(state, reaction, ctx);
    case 'logged_out':
      return loggedOut(state, reaction);
    case 'fail':
      return fail(state, reaction);
    case 'repair':
      return repair(state, reaction, ctx);
  }
}

/**
 * Right after a link (from 'qr' or 'pairing') a 515 is the normal path and costs
 * nothing. Anywhere else it counts as an attempt, so a server that keeps asking for a
 * restart can't spin the session in a tight reconnect loop.
 */
function reconnectNow(state: MachineState, ctx: TransitionContext): Step {
  const justLinked = state.public.status === 'qr' || state.public.status === 'pairing';
  if (!justLinked && state.attempt >= ctx.backoff.maxRetries) return giveUp(state, RESTART_LOOP_REASON);
  const attempt = justLinked ? state.attempt : state.attempt + 1;
  return { state: { ...moveTo(state, 'connecting'), attempt }, effects: [...cancelRetryIfWaiting(state), CONNECT] };
}

function backOff(state: MachineState, reaction: BackoffReaction, ctx: TransitionContext): Step {
  if (state.attempt >= ctx.backoff.maxRetries) return giveUp(state, reaction.message);
  const delayMs = backoffDelay(ctx.backoff, state.attempt, ctx.random);
  const nextRetryAt = new Date(ctx.now.getTime() + delayMs).toISOString();
  const next = moveToProblem(state, 'disconnected', reaction, { nextRetryAt });
  // The service replaces any pending timer when it schedules a new one.
  return { state: { ...next, attempt: state.attempt + 1 }, effects: [{ type: 'schedule_retry', delayMs }] };
}

function giveUp(state: MachineState, lastReason: string): Step {
  const message = `Wasla gave up reconnecting after ${state.attempt} failed attempts. Last reason: ${lastReason} Start the session again to retry.`;
  const next = moveToProblem(state, 'failed', { errorCode: 'retries_exhausted', message });
  return { state: { ...next, pairingPhone: null }, effects: cancelRetryIfWaiting(state) };
}

function loggedOut(state: MachineState, reaction: Problem): Step {
  const next = moveToProblem(state, 'logged_out', reaction, { phoneNumber: null });
  return { state: { ...next, attempt: 0, pairingPhone: null }, effects: [...cancelRetryIfWaiting(state), WIPE] };
}

function fail(state: MachineState, reaction: FailReaction): Step {
  // A pairing code that was never typed ends like an unscanned QR, but says what happened.
  const pairingTimedOut = reaction.errorCode === 'qr_timeout' && state.public.status === 'pairing';
  const problem = pairingTimedOut ? PAIRING_TIMEOUT : reaction;
  const wipe = reaction.wipe || pairingTimedOut;
  const next = moveToProblem(state, 'failed', problem, wipe ? { phoneNumber: null } : {});
  return { state: { ...next, pairingPhone: null }, effects: [...cancelRetryIfWaiting(state), ...(wipe ? [WIPE] : [])] };
}

/** Counted like a 515 elsewhere: a server that answers every fresh start with 411 must not loop. */
function repair(state: MachineState, reaction: Problem, ctx: TransitionContext): Step {
  if (state.attempt >= ctx.backoff.maxRetries) return giveUp(state, reaction.message);
  const next = moveTo(state, 'connecting', { phoneNumber: null });
  return { state: { ...next, attempt: state.attempt + 1 }, effects: [...cancelRetryIfWaiting(state), WIPE, CONNECT] };
}

/**
 * A connection that closes while a pairing code is shown abandons the pairing; its
 * request wrote `creds.me`, and left in place it would make the next connection log in
 * instead of pairing (baileys-facts.md). So every such close wipes, unless it already does.
 */
function abandonPairing(step: Step): Step {
  if (step.effects.some((effect) => effect.type === 'wipe_credentials')) return step;
  return { ...step, state: forgetLink(step.state), effects: [WIPE, ...step.effects] };
}
