import QRCode from 'qrcode';
import type { Logger } from 'pino';
import type { SessionRestriction, SessionState, SessionTransition } from '@wasla/protocol';
import { DEFAULT_SESSION_ID } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import type { EventBus } from '../../events/events.js';
import type { ConnectionListener, WhatsAppConnection, WhatsAppProvider } from '../../whatsapp/provider.js';
import type { BackoffPolicy } from './backoff.js';
import { initialState, transition } from './machine.js';
import type { MachineState, SessionEffect, SessionEvent } from './machine.js';
import type { SessionsRepository } from './repository.js';

export interface SessionServiceOptions {
  provider: WhatsAppProvider;
  repository: SessionsRepository;
  bus: EventBus;
  logger: Logger;
  backoff: BackoffPolicy;
  epoch: number;
  now?: () => Date;
  random?: () => number;
}

/** The connection an event came from, filled in once `connect` returns. */
interface ConnectionHolder {
  connection: WhatsAppConnection | null;
}

/** WhatsApp's ack errors that mean it restricted the number (463: no new chats for now). */
const RESTRICTED_ACK_CODES: ReadonlySet<string> = new Set(['463']);

/** Message ids whose restriction ack a session remembers, so a late copy can't restrict it again. */
const SEEN_RESTRICTION_ACKS = 1000;

/** True when a receipt (or the message status it became) says WhatsApp restricted the number. */
export function isRestrictionAck(update: { status: string; errorCode: string | null }): boolean {
  return update.status === 'failed' && update.errorCode !== null && update.errorCode !== undefined && RESTRICTED_ACK_CODES.has(update.errorCode);
}
const RESTRICTED_REASON = 'WhatsApp restricted this number from messaging (error {code}), so sending stopped. Wait a day or more, then lift the restriction.';

/** Commands a person (through the API) can give a session. */
export type SessionCommand = 'start' | 'stop' | 'restart' | 'logout';

/**
 * One WhatsApp number: its state machine, its live connection and its retry timer.
 * Every event, whatever its source, goes through one queue, so they are applied in
 * the order they happened and effects never interleave.
 */
class SessionRuntime {
  state: MachineState;
  connection: WhatsAppConnection | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /**
   * Messages whose ack already restricted the number. The same ack arrives twice (the raw
   * ack, then Baileys' buffered messages.update, sometimes seconds later): a late copy
   * must not restrict the number again after a person lifted it.
   */
  private readonly restrictionAcks = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  /** What publishing a state still has to store: the state, its transition, the number (`idle` and `shutdown` wait for them). */
  private saving: Promise<unknown> = Promise.resolve();
  private readonly logger: Logger;

  constructor(
    readonly id: string,
    private readonly options: SessionServiceOptions,
    restriction: SessionRestriction | null = null,
    /** The epoch of the last state this session published, in any process before this one. */
    lastEpoch: number | null = null,
  ) {
    this.logger = options.logger.child({ sessionId: id });
    // Later than every state published before, even if this host's clock went back since.
    const epoch = lastEpoch !== null && lastEpoch >= options.epoch ? lastEpoch + 1 : options.epoch;
    this.state = initialState(id, epoch, this.now(), restriction);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /**
   * Queues an event; resolves with the state after it (and its effects) were applied.
   * `from` names the connection an event came from: once that connection is no longer
   * the current one, its events are dropped.
   */
  dispatch(event: SessionEvent, from?: ConnectionHolder): Promise<SessionState> {
    const run = this.queue.then(() => this.apply(event, from));
    // The caller gets the failure; the queue goes on with the next event.
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Queues an event nobody awaits (a timer, the connection): a failure is logged, and the queue goes on. */
  private dispatchInBackground(event: SessionEvent, from?: ConnectionHolder): void {
    this.dispatch(event, from).catch((error: unknown) => this.logger.error({ err: error, event: event.type }, 'a session event failed'));
  }

  private async apply(event: SessionEvent, from?: ConnectionHolder): Promise<SessionState> {
    if (from && (from.connection === null || from.connection !== this.connection)) return this.state.public;
    // A closed connection is never reused: forget it before reacting to its close.
    if (event.type === 'closed') this.connection = null;
    const before = this.state;
    const result = transition(before, event, {
      now: this.now(),
      random: this.options.random?.() ?? Math.random(),
      backoff: this.options.backoff,
    });
    if (result.rejected) throw new AppError('invalid_session_state', result.rejected.message);
    this.state = result.state;
    if (result.changed) this.publish(before, event);
    for (const effect of result.effects) await this.run(effect);
    return this.state.public;
  }

  private publish(before: MachineState, event: SessionEvent): void {
    const state = this.state.public;
    this.options.bus.publish('session_update', state);
    // Kept for whoever reads the session later (another instance, the next boot); a late write can't undo a newer one.
    this.store(this.options.repository.saveState(state), 'could not store the session state');
    if (before.public.status === state.status && event.type !== 'closed') return;
    const record: SessionTransition = {
      sessionId: this.id,
      epoch: state.epoch,
      rev: state.rev,
      from: before.public.status,
      to: state.status,
      event: event.type,
      errorCode: state.errorCode,
      error: state.error,
      at: state.lastUpdate,
    };
    this.logger.info({ from: record.from, to: record.to, event: record.event, errorCode: record.errorCode }, 'session transition');
    this.options.bus.publish('session_transition', record);
    this.store(this.options.repository.recordTransition(record), 'could not record a transition');
    if (state.status === 'ready' && state.phoneNumber) this.store(this.options.repository.setPhoneNumber(this.id, state.phoneNumber), 'could not store the phone number');
  }

  /** A write the publisher doesn't wait for: `idle` and `shutdown` do, and a failure is logged. */
  private store(write: Promise<unknown>, failure: string): void {
    const settled = write.catch((error: unknown) => this.logger.error({ err: error }, failure));
    this.saving = Promise.all([this.saving, settled]);
  }

  private async run(effect: SessionEffect): Promise<void> {
    switch (effect.type) {
      case 'connect': {
        const holder: ConnectionHolder = { connection: null };
        const connection = this.options.provider.connect(this.id, this.listenerFor(holder));
        holder.connection = connection;
        this.replaceConnection(connection);
        return;
      }
      case 'disconnect':
        this.replaceConnection(null);
        return;
      case 'logout_remote': {
        const connection = this.connection;
        this.connection = null;
        await connection?.logout();
        return;
      }
      case 'wipe_credentials':
        this.replaceConnection(null);
        await this.options.provider.wipeCredentials(this.id);
        return;
      case 'schedule_retry':
        this.cancelRetry();
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.dispatchInBackground({ type: 'retry_due' });
        }, effect.delayMs);
        this.retryTimer.unref();
        return;
      case 'cancel_retry':
        this.cancelRetry();
        return;
      case 'request_pairing_code':
        this.requestPairingCode(effect.phoneDigits);
        return;
      case 'store_restriction':
        await this.options.repository.setRestriction(this.id, effect.restriction);
        if (effect.restriction) this.logger.warn({ code: effect.restriction.code }, 'WhatsApp restricted the number');
        return;
    }
  }

  private requestPairingCode(digits: string): void {
    const connection = this.connection;
    if (!connection) return;
    const from: ConnectionHolder = { connection };
    connection.requestPairingCode(digits).then(
      (code) => this.dispatchInBackground({ type: 'pairing_code', code }, from),
      (error: unknown) => {
        this.logger.warn({ err: error }, 'pairing code request failed');
        const message = 'WhatsApp did not give a pairing code. Check the number and try again.';
        this.dispatchInBackground({ type: 'pairing_code_failed', message }, from);
      },
    );
  }

  private replaceConnection(next: WhatsAppConnection | null): void {
    const previous = this.connection;
    this.connection = next;
    previous?.end();
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private listenerFor(from: ConnectionHolder): ConnectionListener {
    const send = (event: SessionEvent): void => this.dispatchInBackground(event, from);
    return {
      connecting: () => send({ type: 'connecting' }),
      qr: ({ text, expiresAt }) => {
        QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, width: 320 }).then(
          (qrDataUrl) => send({ type: 'qr', qrDataUrl, expiresAt: expiresAt.toISOString() }),
          (error: unknown) => this.logger.error({ err: error }, 'could not render the QR code'),
        );
      },
      open: ({ phoneNumber }) => send({ type: 'open', phoneNumber }),
      closed: (reason) => send({ type: 'closed', statusCode: reason.statusCode, message: reason.message }),
      receipts: (updates) => {
        // The number's state first, so whoever reads it next (the outbox waiting for this ack) sees it.
        const restricted = updates.find((update) => isRestrictionAck(update) && !this.restrictionAcks.has(update.messageId));
        if (restricted?.errorCode) {
          this.restrictionAcks.add(restricted.messageId);
          if (this.restrictionAcks.size > SEEN_RESTRICTION_ACKS) this.restrictionAcks.delete(this.restrictionAcks.values().next().value!);
          const code = restricted.errorCode;
          const restriction = { code, since: this.now().toISOString(), reason: RESTRICTED_REASON.replace('{code}', code) };
          // Not tied to this connection: the number stays restricted whatever happens to it.
          this.dispatchInBackground({ type: 'restricted', restriction });
        }
        this.options.bus.publish('receipts', { sessionId: this.id, updates });
      },
      inbound: (messages) => this.options.bus.publish('inbound', { sessionId: this.id, messages }),
      lidMappings: (mappings) => this.options.bus.publish('lid_mappings', { sessionId: this.id, mappings }),
    };
  }

  /** Resolves once every event queued so far, and its effects, has been applied, and the states it published are stored. */
  async idle(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.queue;
      await seen;
    } while (seen !== this.queue);
    await this.saving;
  }

  /** Ends the connection without changing what the session should be on the next boot. */
  async shutdown(): Promise<void> {
    await this.queue;
    await this.saving;
    this.cancelRetry();
    this.replaceConnection(null);
  }
}

/** Holds every session by id; the HTTP routes, WebSocket and boot code go through it. */
export class SessionService {
  private readonly sessions = new Map<string, SessionRuntime>();

  constructor(private readonly options: SessionServiceOptions) {}

  /** Starts the sessions that were running when the server last stopped. */
  async boot(autostart: boolean): Promise<void> {
    await this.options.repository.ensure(DEFAULT_SESSION_ID);
    for (const record of await this.options.repository.list()) {
      const last = this.sessions.has(record.id) ? null : await this.options.repository.loadState(record.id);
      const runtime = this.runtime(record.id, record.restriction, last?.epoch ?? null);
      if (autostart && record.desiredState === 'running') await runtime.dispatch({ type: 'start' });
    }
  }

  ids(): string[] {
    return [...this.sessions.keys()];
  }

  has(id: string): boolean {
    return this.sessions.has(id);
  }

  state(id: string): SessionState {
    return this.require(id).state.public;
  }

  states(): SessionState[] {
    return [...this.sessions.values()].map((runtime) => runtime.state.public);
  }

  /** Creates a session (admin action); starting it is a separate command. */
  async create(id: string): Promise<SessionState> {
    await this.options.repository.ensure(id);
    return this.runtime(id).state.public;
  }

  async command(id: string, command: SessionCommand): Promise<SessionState> {
    const runtime = this.require(id);
    if (command !== 'restart' || runtime.state.public.status !== 'stopped') {
      await this.options.repository.setDesiredState(id, command === 'start' || command === 'restart' ? 'running' : 'stopped');
    }
    return runtime.dispatch({ type: command });
  }

  async requestPairingCode(id: string, phoneDigits: string): Promise<SessionState> {
    const runtime = this.require(id);
    await this.options.repository.setDesiredState(id, 'running');
    return runtime.dispatch({ type: 'request_pairing_code', phoneDigits });
  }

  /**
   * Ends the number's restriction: a person says WhatsApp lets it send again. Sending
   * (campaigns paused for it stay paused until resumed) may go on.
   */
  liftRestriction(id: string): Promise<SessionState> {
    return this.require(id).dispatch({ type: 'lift_restriction' });
  }

  /** A 409 that says why, while WhatsApp has restricted the number. */
  assertNotRestricted(id: string): void {
    const { restriction } = this.require(id).state.public;
    if (restriction) throw new AppError('account_restricted', restriction.reason, { code: restriction.code, since: restriction.since });
  }

  /** The live connection when the session is ready; otherwise a 409 that says why. */
  readyConnection(id: string): WhatsAppConnection {
    const connection = this.connectionIfReady(id);
    if (!connection) {
      const { status, error } = this.require(id).state.public;
      throw new AppError('session_not_ready', notReadyReason(status, error), { status });
    }
    return connection;
  }

  /** The live connection when the session exists and is ready; otherwise null. */
  connectionIfReady(id: string): WhatsAppConnection | null {
    const runtime = this.sessions.get(id);
    return runtime?.state.public.status === 'ready' ? runtime.connection : null;
  }

  /** Resolves when the session has applied every queued event and its effects. */
  idle(id: string): Promise<void> {
    return this.require(id).idle();
  }

  newMessageId(): string {
    return this.options.provider.newMessageId();
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((runtime) => runtime.shutdown()));
  }

  private runtime(id: string, restriction: SessionRestriction | null = null, lastEpoch: number | null = null): SessionRuntime {
    let runtime = this.sessions.get(id);
    if (!runtime) {
      runtime = new SessionRuntime(id, this.options, restriction, lastEpoch);
      this.sessions.set(id, runtime);
    }
    return runtime;
  }

  private require(id: string): SessionRuntime {
    const runtime = this.sessions.get(id);
    if (!runtime) throw new AppError('session_not_found', `There is no WhatsApp session named "${id}".`);
    return runtime;
  }
}

const NOT_READY_REASONS: Record<SessionState['status'], string> = {
  stopped: 'The WhatsApp session is stopped. Start it from the dashboard first.',
  connecting: 'WhatsApp is still connecting. Try again in a moment.',
  qr: 'No phone is linked yet: scan the QR code on the dashboard first.',
  pairing: 'No phone is linked yet: enter the pairing code on the phone first.',
  ready: 'The WhatsApp session is ready.',
  disconnected: 'The connection to WhatsApp was lost; Wasla is reconnecting.',
  logged_out: 'The phone unlinked Wasla. Link it again from the dashboard.',
  failed: 'The WhatsApp session stopped after an error.',
};

function notReadyReason(status: SessionState['status'], error: string | null): string {
  const reason = NOT_READY_REASONS[status];
  return error && (status === 'failed' || status === 'disconnected') ? `${reason} (${error})` : reason;
}
