import QRCode from 'qrcode';
import type { Logger } from 'pino';
import type { SessionRestriction, SessionState, SessionTransition } from '@wasla/protocol';
import { DEFAULT_SESSION_ID } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import type { EventBus } from '../../events/events.js';
import type { ConnectionListener, WhatsAppConnection, WhatsAppProvider } from '../../whatsapp/provider.js';
import { SessionDirectory } from '../../cluster/session-directory.js';
import type { SessionRouter } from '../../cluster/owner-router.js';
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
  /** The epoch of a session's states in one process (its start time); in cluster mode, its lease's token. */
  epoch: number;
  /** Where commands are carried out (this process, or the session's owner in a cluster). */
  router: SessionRouter;
  /** Cluster mode: run only the sessions the keeper hands this instance. */
  adoptedOnly?: boolean;
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

const MOVED = 'This WhatsApp session just moved to another server. Try again in a moment.';

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
  /** Its lease was lost (cluster mode): nothing more is applied, published or written. */
  private abandoned = false;
  /**
   * Shutting down (the app closes, or the session moves to another instance): commands
   * are refused, so none can connect again after the connection was ended — a connection
   * the next owner would then have to fight (440).
   */
  closing = false;
  /** What publishing a state still has to store: the state, its transition, the number (`idle` and `shutdown` wait for them). */
  private saving: Promise<unknown> = Promise.resolve();
  private readonly logger: Logger;

  constructor(
    readonly id: string,
    private readonly options: SessionServiceOptions,
    restriction: SessionRestriction | null,
    /** Later than the epoch of every state this session published before, in any process. */
    epoch: number,
  ) {
    this.logger = options.logger.child({ sessionId: id });
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
    if (this.abandoned || (this.closing && !from)) {
      // What its ended connection still reports is of no interest; a command goes to the new owner.
      if (from) return this.state.public;
      throw new AppError('unavailable', MOVED);
    }
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

  /**
   * The lease is lost: another instance may run the session already. Ends the connection
   * and the retry timer now, without waiting for the events queued, which are dropped.
   */
  abandon(): void {
    this.abandoned = true;
    this.cancelRetry();
    this.replaceConnection(null);
  }

  /** Ends the connection without changing what the session should be on the next boot. */
  async shutdown(): Promise<void> {
    this.closing = true;
    await this.queue;
    await this.saving;
    this.cancelRetry();
    this.replaceConnection(null);
  }
}

/**
 * Holds every session by id; the HTTP routes, WebSocket and boot code go through it.
 *
 * One process runs every session. In cluster mode (`adoptedOnly`) an instance runs only
 * the sessions its keeper hands it (`adopt`, then `resume`; `release` or `abandon` when
 * they leave), and knows the others' states from their owners' `session_update` events
 * and PostgreSQL (`SessionDirectory`). Commands go through the router, which carries
 * them out where the session runs.
 */
export class SessionService {
  private readonly sessions = new Map<string, SessionRuntime>();
  /** Sessions whose runtime is being made (`adopt`): commands for them wait for it. */
  private readonly adopting = new Map<string, Promise<unknown>>();
  private readonly directory: SessionDirectory | null;
  private readonly router: SessionRouter;
  private stopHearing: () => void = () => undefined;

  constructor(private readonly options: SessionServiceOptions) {
    this.router = options.router;
    this.directory = options.adoptedOnly ? new SessionDirectory({ ids: () => this.storedIds(), loadState: (id) => this.storedState(id) }) : null;
    this.router.handle('session.command', ({ sessionId, command }) => this.commandHere(sessionId, command));
    this.router.handle('session.pairing_code', async ({ sessionId, phoneDigits }) => {
      const runtime = await this.runtimeHere(sessionId);
      await this.options.repository.setDesiredState(sessionId, 'running');
      return runtime.dispatch({ type: 'request_pairing_code', phoneDigits });
    });
    this.router.handle('session.lift_restriction', async ({ sessionId }) => (await this.runtimeHere(sessionId)).dispatch({ type: 'lift_restriction' }));
  }

  /**
   * One process: starts the sessions that were running when the server last stopped.
   * Cluster mode: reads what every session's owner last stored and follows their events;
   * the keeper hands this instance its sessions.
   */
  async boot(autostart: boolean): Promise<void> {
    await this.options.repository.ensure(DEFAULT_SESSION_ID);
    if (this.directory) {
      const directory = this.directory;
      this.stopHearing();
      this.stopHearing = this.options.bus.subscribe('session_update', (state) => {
        if (!this.sessions.has(state.sessionId)) directory.heard(state);
      });
      await directory.reread();
      return;
    }
    for (const record of await this.options.repository.list()) {
      const last = this.sessions.has(record.id) ? null : await this.options.repository.loadState(record.id);
      const runtime = this.runtime(record.id, record.restriction, epochAfter(this.options.epoch, last?.epoch ?? null));
      if (autostart && record.desiredState === 'running') await runtime.dispatch({ type: 'start' });
    }
  }

  /**
   * Cluster mode: this instance now holds the session's lease (`token`): makes its
   * runtime, stopped, with the token as its epoch (later than every state stored before).
   * `resume` starts it; in between, the instance settles what the last owner left.
   */
  async adopt(id: string, token: number): Promise<void> {
    const making = (async () => {
      const [record, last] = await Promise.all([this.options.repository.get(id), this.options.repository.loadState(id)]);
      this.sessions.get(id)?.abandon();
      this.sessions.set(id, new SessionRuntime(id, this.options, record?.restriction ?? null, epochAfter(token, last?.epoch ?? null)));
      this.directory?.forget(id);
    })();
    this.adopting.set(id, making);
    try {
      await making;
    } finally {
      if (this.adopting.get(id) === making) this.adopting.delete(id);
    }
  }

  /** Starts an adopted session if it should be running. */
  async resume(id: string): Promise<void> {
    const runtime = this.sessions.get(id);
    const record = await this.options.repository.get(id);
    if (runtime && record?.desiredState === 'running' && runtime.state.public.status === 'stopped') await runtime.dispatch({ type: 'start' });
  }

  /**
   * Cluster mode: the session moves to another instance. Ends its connection cleanly
   * (no logout, nothing changes what it should be) once its events are applied.
   */
  async release(id: string): Promise<void> {
    const runtime = this.sessions.get(id);
    if (!runtime) return;
    await runtime.shutdown();
    this.leave(runtime);
  }

  /**
   * Cluster mode: the lease is lost — another instance may run the session already. Ends
   * the connection at once and applies nothing more; what it still writes is refused by
   * the fence.
   */
  abandon(id: string): void {
    const runtime = this.sessions.get(id);
    if (!runtime) return;
    runtime.abandon();
    this.leave(runtime);
  }

  private leave(runtime: SessionRuntime): void {
    if (this.sessions.get(runtime.id) !== runtime) return;
    this.sessions.delete(runtime.id);
    const directory = this.directory;
    if (!directory) return;
    directory.heard(runtime.state.public);
    directory.refresh(runtime.id).catch((error: unknown) => this.options.logger.warn({ err: error, sessionId: runtime.id }, 'could not read the session again'));
  }

  /**
   * Cluster mode: reads every session's stored state again (Redis was away, so owners'
   * events were missed); resolves with the states that moved forward.
   */
  async reread(): Promise<SessionState[]> {
    return this.directory ? this.directory.reread() : [];
  }

  /** Every session known, run here or not. */
  ids(): string[] {
    return [...new Set([...this.sessions.keys(), ...(this.directory?.ids() ?? [])])];
  }

  /** The sessions this instance runs (one process: all of them). */
  runningHere(): string[] {
    return [...this.sessions.keys()];
  }

  runsHere(id: string): boolean {
    return this.sessions.has(id);
  }

  has(id: string): boolean {
    return this.sessions.has(id) || (this.directory?.has(id) ?? false);
  }

  state(id: string): SessionState {
    const state = this.sessions.get(id)?.state.public ?? this.directory?.get(id);
    if (!state) throw notFound(id);
    return state;
  }

  states(): SessionState[] {
    return this.ids().map((id) => this.state(id));
  }

  /** The states of the sessions this instance runs. */
  statesHere(): SessionState[] {
    return [...this.sessions.values()].map((runtime) => runtime.state.public);
  }

  /** Creates a session (admin action); starting it is a separate command. */
  async create(id: string): Promise<SessionState> {
    const record = await this.options.repository.ensure(id);
    if (!this.directory) return this.runtime(id, null, this.options.epoch).state.public;
    const created = initialState(id, 0, new Date(record.createdAt), record.restriction).public;
    // The other instances learn of it from its first state.
    if (!this.sessions.has(id) && this.directory.heard(created)) this.options.bus.publish('session_update', created);
    return this.state(id);
  }

  async command(id: string, command: SessionCommand): Promise<SessionState> {
    await this.assertExists(id);
    return this.router.run('session.command', { sessionId: id, command });
  }

  async requestPairingCode(id: string, phoneDigits: string): Promise<SessionState> {
    await this.assertExists(id);
    return this.router.run('session.pairing_code', { sessionId: id, phoneDigits });
  }

  /**
   * Ends the number's restriction: a person says WhatsApp lets it send again. Sending
   * (campaigns paused for it stay paused until resumed) may go on.
   */
  async liftRestriction(id: string): Promise<SessionState> {
    await this.assertExists(id);
    return this.router.run('session.lift_restriction', { sessionId: id });
  }

  /** A 409 that says why, while WhatsApp has restricted the number. */
  assertNotRestricted(id: string): void {
    const { restriction } = this.state(id);
    if (restriction) throw new AppError('account_restricted', restriction.reason, { code: restriction.code, since: restriction.since });
  }

  /** A 409 that says why, unless the session is ready (wherever it runs). */
  assertReady(id: string): void {
    const { status, error } = this.state(id);
    if (status !== 'ready') throw new AppError('session_not_ready', notReadyReason(status, error), { status });
  }

  /** The live connection when the session is ready here; otherwise a 409 that says why (503 when it runs elsewhere). */
  readyConnection(id: string): WhatsAppConnection {
    const connection = this.connectionIfReady(id);
    if (connection) return connection;
    if (this.directory && !this.sessions.has(id) && this.has(id)) throw new AppError('unavailable', MOVED);
    this.assertReady(id);
    throw new AppError('session_not_ready', notReadyReason('disconnected', null), { status: 'disconnected' });
  }

  /** The live connection when the session runs here and is ready; otherwise null. */
  connectionIfReady(id: string): WhatsAppConnection | null {
    const runtime = this.sessions.get(id);
    return runtime?.state.public.status === 'ready' ? runtime.connection : null;
  }

  /** Resolves when the session has applied every queued event and its effects (at once when it runs elsewhere). */
  async idle(id: string): Promise<void> {
    await this.sessions.get(id)?.idle();
  }

  newMessageId(): string {
    return this.options.provider.newMessageId();
  }

  async shutdown(): Promise<void> {
    this.stopHearing();
    await Promise.all([...this.sessions.values()].map((runtime) => runtime.shutdown()));
  }

  private async commandHere(id: string, command: SessionCommand): Promise<SessionState> {
    const runtime = await this.runtimeHere(id);
    if (command !== 'restart' || runtime.state.public.status !== 'stopped') {
      await this.options.repository.setDesiredState(id, command === 'start' || command === 'restart' ? 'running' : 'stopped');
    }
    return runtime.dispatch({ type: command });
  }

  /** The runtime of a session the router says runs here (waiting for its adoption to end). */
  private async runtimeHere(id: string): Promise<SessionRuntime> {
    await this.adopting.get(id);
    const runtime = this.sessions.get(id);
    if (runtime && !runtime.closing) return runtime;
    if (runtime || this.directory?.has(id)) throw new AppError('unavailable', MOVED);
    throw notFound(id);
  }

  /** A 404 unless the session exists (in cluster mode it may have been created on another instance just now). */
  async assertExists(id: string): Promise<void> {
    if (this.has(id)) return;
    if (this.directory && (await this.directory.refresh(id))) return;
    throw notFound(id);
  }

  private async storedIds(): Promise<string[]> {
    return (await this.options.repository.list()).map((record) => record.id);
  }

  /** What a session's owner last stored; a session never started has its first state, stopped. */
  private async storedState(id: string): Promise<SessionState | null> {
    const [record, state] = await Promise.all([this.options.repository.get(id), this.options.repository.loadState(id)]);
    if (!record) return null;
    return state ?? initialState(id, 0, new Date(record.createdAt), record.restriction).public;
  }

  private runtime(id: string, restriction: SessionRestriction | null, epoch: number): SessionRuntime {
    let runtime = this.sessions.get(id);
    if (!runtime) {
      runtime = new SessionRuntime(id, this.options, restriction, epoch);
      this.sessions.set(id, runtime);
    }
    return runtime;
  }
}

/** The epoch of a session's runtime: `base`, or later than the last one stored if that is not earlier (a clock that went back). */
function epochAfter(base: number, lastEpoch: number | null): number {
  return lastEpoch !== null && lastEpoch >= base ? lastEpoch + 1 : base;
}

function notFound(id: string): AppError {
  return new AppError('session_not_found', `There is no WhatsApp session named "${id}".`);
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
