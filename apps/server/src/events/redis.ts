import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EVENT_REACH } from './events.js';
import type { EventBus, EventListener, ServerEventName, ServerEvents } from './events.js';
import { InProcessEventBus } from './in-process.js';
import { createRedisClient, redactedUrl } from '../storage/redis-client.js';

export interface RedisEventBusOptions {
  /** `REDIS_URL`. */
  url: string;
  /** This instance: its own events come back from Redis and are not delivered twice. */
  instanceId: string;
  logger: Logger;
  /** One channel per installation (several may share a Redis). */
  channel?: string;
  /** How long a cluster event took from the instance that published it to this one (metrics). */
  onRemoteDelivery?(event: ServerEventName, delayMs: number): void;
  /**
   * The link to Redis is back after it was lost: events other instances published meanwhile
   * never arrived here, so whoever keeps what they said reads it again from PostgreSQL.
   */
  onResync?(): void;
}

/** What travels on the channel: who published, what, and when (for the delivery delay). */
interface Envelope {
  origin: string;
  event: ServerEventName;
  payload: unknown;
  sentAt: number;
}

const DEFAULT_CHANNEL = 'wasla:events';

function isEnvelope(value: unknown): value is Envelope {
  if (value === null || typeof value !== 'object') return false;
  const { origin, event, sentAt } = value as Partial<Envelope>;
  return typeof origin === 'string' && typeof event === 'string' && Object.hasOwn(EVENT_REACH, event) && typeof sentAt === 'number' && 'payload' in value;
}

/**
 * The event bus of a cluster: every event reaches this instance's listeners as on the
 * in-process bus, and the `cluster` events (see `EVENT_REACH`) also go through Redis
 * pub/sub to every other instance's listeners, so a WebSocket client anywhere hears a
 * change of a session owned anywhere. Redis keeps nothing: while it is away, events for
 * other instances are dropped (never delivered late, out of order with what PostgreSQL
 * says by then) and `onResync` tells the instance to read the truth again once it is back.
 */
export class RedisEventBus implements EventBus {
  private readonly local: InProcessEventBus;
  private readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private subscribedOnce = false;
  private lostSince: number | null = null;
  private closed = false;

  private constructor(private readonly options: RedisEventBusOptions) {
    this.local = new InProcessEventBus(options.logger);
    this.channel = options.channel ?? DEFAULT_CHANNEL;
    // A publish while Redis is away fails at once instead of waiting to be sent late.
    this.publisher = createRedisClient(options.url, { instanceId: options.instanceId, failFast: true });
    this.subscriber = createRedisClient(options.url, { instanceId: options.instanceId, failFast: false });
    for (const [name, client] of [['publisher', this.publisher], ['subscriber', this.subscriber]] as const) {
      client.on('error', (error: Error) => options.logger.debug({ err: error, client: name }, 'redis connection error'));
    }
    // Either link lost is an outage; it is over when both are back.
    for (const client of [this.publisher, this.subscriber]) {
      client.on('close', () => this.lost());
      client.on('ready', () => this.back());
    }
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
  }

  /** Connects and subscribes; rejects with a clear error if Redis can't be reached now. */
  static async connect(options: RedisEventBusOptions): Promise<RedisEventBus> {
    const bus = new RedisEventBus(options);
    try {
      await Promise.all([bus.publisher.connect(), bus.subscriber.connect()]);
      await bus.subscriber.subscribe(bus.channel);
      bus.subscribedOnce = true;
      return bus;
    } catch (error) {
      bus.publisher.disconnect();
      bus.subscriber.disconnect();
      throw new Error(`Redis at ${redactedUrl(options.url)} can't be reached: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  /** Both links to Redis are up (for `/readyz`). */
  get connected(): boolean {
    return this.publisher.status === 'ready' && this.subscriber.status === 'ready';
  }

  publish<E extends ServerEventName>(event: E, payload: ServerEvents[E]): void {
    this.local.publish(event, payload);
    if (EVENT_REACH[event] !== 'cluster' || this.closed) return;
    const envelope: Envelope = { origin: this.options.instanceId, event, payload, sentAt: Date.now() };
    this.publisher.publish(this.channel, JSON.stringify(envelope)).catch((error: unknown) => {
      // Redis is away: the others read the truth again when it is back (onResync).
      this.options.logger.debug({ err: error, event }, 'an event could not reach the other instances');
    });
  }

  /** Delivers an event to this instance's listeners only (a state read again after an outage, which the others read themselves). */
  deliverHere<E extends ServerEventName>(event: E, payload: ServerEvents[E]): void {
    this.local.publish(event, payload);
  }

  subscribe<E extends ServerEventName>(event: E, listener: EventListener<E>): () => void {
    return this.local.subscribe(event, listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }

  private receive(message: string): void {
    let envelope: unknown;
    try {
      envelope = JSON.parse(message);
    } catch {
      envelope = null;
    }
    if (!isEnvelope(envelope) || EVENT_REACH[envelope.event] !== 'cluster') {
      this.options.logger.warn({ channel: this.channel }, 'a message on the event channel is not a Wasla event: ignored');
      return;
    }
    if (envelope.origin === this.options.instanceId) return; // delivered locally when published
    this.options.onRemoteDelivery?.(envelope.event, Math.max(0, Date.now() - envelope.sentAt));
    // The envelope came from another Wasla instance's publish, which the type system checked there.
    this.local.publish(envelope.event, envelope.payload as ServerEvents[typeof envelope.event]);
  }

  private lost(): void {
    if (this.closed || this.lostSince !== null || !this.subscribedOnce) return;
    this.lostSince = Date.now();
    this.options.logger.warn('lost the link to Redis: changes made on other instances are not heard until it is back');
  }

  private back(): void {
    if (this.closed || this.lostSince === null || !this.connected) return;
    const offlineMs = Date.now() - this.lostSince;
    this.lostSince = null;
    // Subscribed again first (ioredis resubscribes too; a second SUBSCRIBE is harmless), so
    // nothing published after the truth is read again can slip through unheard.
    this.subscriber.subscribe(this.channel).then(
      () => {
        this.options.logger.info({ offlineMs }, 'the link to Redis is back: reading the truth again');
        this.options.onResync?.();
      },
      (error: unknown) => this.options.logger.warn({ err: error }, 'could not subscribe again after Redis came back'),
    );
  }
}
