import type { Logger } from 'pino';
import type { EventBus, EventListener, ServerEventName, ServerEvents } from './events.js';

/**
 * One listener. While the promise it returned for an event is pending, its next events
 * wait in its backlog, so it handles them one at a time, in order.
 */
class Subscription<E extends ServerEventName> {
  active = true;
  private busy = false;
  private readonly backlog: ServerEvents[E][] = [];

  constructor(
    private readonly event: E,
    private readonly listener: EventListener<E>,
    private readonly logger: Logger,
  ) {}

  receive(payload: ServerEvents[E]): void {
    if (!this.active) return;
    if (this.busy) this.backlog.push(payload);
    else this.handle(payload);
  }

  stop(): void {
    this.active = false;
    this.backlog.length = 0;
  }

  private handle(payload: ServerEvents[E]): void {
    let result: void | Promise<void>;
    try {
      result = this.listener(payload);
    } catch (error) {
      this.failed(error, payload);
      return;
    }
    if (!result) return;
    this.busy = true;
    result.catch((error: unknown) => this.failed(error, payload)).finally(() => {
      this.busy = false;
      const next = this.backlog.shift();
      if (next !== undefined && this.active) this.handle(next);
    });
  }

  private failed(error: unknown, payload: ServerEvents[E]): void {
    // Only the session an event names is logged; nothing else of the payload (it may hold bodies or numbers).
    const sessionId = 'sessionId' in payload ? payload.sessionId : undefined;
    this.logger.error({ err: error, event: this.event, sessionId }, 'an event listener failed');
  }
}

/** What a delivery needs of a subscription, whatever its event (the map is keyed by event). */
interface Receiver {
  receive(payload: unknown): void;
}

/**
 * The bus inside one process. Deliveries run in a microtask after the publisher
 * returned, in the order events were published, across listeners too (a listener still
 * busy with an earlier event gets the next one when it is done). A listener that throws
 * or rejects is logged; the publisher, the other listeners and its own next event go on.
 */
export class InProcessEventBus implements EventBus {
  private readonly subscriptions = new Map<ServerEventName, Set<Receiver>>();
  private readonly deliveries: (() => void)[] = [];
  private draining = false;

  constructor(private readonly logger: Logger) {}

  publish<E extends ServerEventName>(event: E, payload: ServerEvents[E]): void {
    const subscriptions = this.subscriptions.get(event);
    if (!subscriptions || subscriptions.size === 0) return;
    for (const subscription of subscriptions) this.deliveries.push(() => subscription.receive(payload));
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(() => this.drain());
    }
  }

  subscribe<E extends ServerEventName>(event: E, listener: EventListener<E>): () => void {
    const subscription = new Subscription(event, listener, this.logger);
    const subscriptions = this.subscriptions.get(event) ?? new Set<Receiver>();
    this.subscriptions.set(event, subscriptions);
    subscriptions.add(subscription);
    return () => {
      subscription.stop();
      subscriptions.delete(subscription);
    };
  }

  private drain(): void {
    try {
      // Listeners may publish while this runs: their events join the end of the line.
      for (let next = 0; next < this.deliveries.length; next += 1) this.deliveries[next]?.();
    } finally {
      this.deliveries.length = 0;
      this.draining = false;
    }
  }
}
