import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError, ERROR_STATUS, isAppError } from '../errors/app-error.js';
import type { ErrorCode } from '../errors/app-error.js';
import { createRedisClient } from '../storage/redis-client.js';

/**
 * Commands one instance asks another to carry out, by name: what each takes and what it
 * answers. In a cluster a request can arrive at any instance, but only the owner of a
 * session holds its WhatsApp connection, so a command for it (start, send, pause a
 * campaign…) is carried out there. Payloads and answers are JSON data.
 */
export type CommandMap = Record<string, { payload: unknown; result: unknown }>;

export type CommandHandler<C extends CommandMap, N extends keyof C> = (payload: C[N]['payload']) => Promise<C[N]['result']>;

interface Request {
  kind: 'request';
  id: string;
  /** The instance waiting for the answer. */
  from: string;
  name: string;
  payload: unknown;
}

interface Reply {
  kind: 'reply';
  id: string;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; details?: unknown };
}

export interface CommandChannelOptions {
  url: string;
  instanceId: string;
  logger: Logger;
  /** One prefix per installation (several may share a Redis). */
  prefix?: string;
  /** How long a caller waits for the other instance's answer (default 15 s). */
  timeoutMs?: number;
}

const DEFAULT_PREFIX = 'wasla:commands';
const DEFAULT_TIMEOUT_MS = 15_000;

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

/**
 * Calls between instances over Redis pub/sub: each instance listens on a channel of its
 * own; a call publishes a request there and waits for the reply on the caller's channel.
 * An `AppError` thrown by the handler comes back as the same `AppError` at the caller, so
 * the API answers the person exactly as the owner would have; anything else becomes a 500
 * that reveals nothing. An instance that is not listening (gone, or Redis away) is known
 * at once — Redis says nobody received the request — and the call fails with 503.
 */
export class CommandChannel<C extends CommandMap> {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, (payload: unknown) => Promise<unknown>>();
  private readonly pending = new Map<string, { resolve(value: unknown): void; reject(error: unknown): void; timer: NodeJS.Timeout }>();
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private closed = false;

  private constructor(private readonly options: CommandChannelOptions) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.publisher = createRedisClient(options.url, { instanceId: options.instanceId, failFast: true });
    this.subscriber = createRedisClient(options.url, { instanceId: options.instanceId, failFast: false });
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => options.logger.debug({ err: error }, 'redis connection error (commands)'));
    }
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channelOf(options.instanceId)) void this.receive(message);
    });
  }

  static async connect<C extends CommandMap>(options: CommandChannelOptions): Promise<CommandChannel<C>> {
    const channel = new CommandChannel<C>(options);
    try {
      await Promise.all([channel.publisher.connect(), channel.subscriber.connect()]);
      await channel.subscriber.subscribe(channel.channelOf(options.instanceId));
      return channel;
    } catch (error) {
      channel.publisher.disconnect();
      channel.subscriber.disconnect();
      throw new Error(`Redis can't be reached for commands between instances: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  /** Carries out `name` when another instance asks for it. */
  handle<N extends keyof C & string>(name: N, handler: CommandHandler<C, N>): void {
    this.handlers.set(name, handler as (payload: unknown) => Promise<unknown>);
  }

  /** Asks `instanceId` to carry out `name`; resolves with its answer or rejects with its error. */
  async call<N extends keyof C & string>(instanceId: string, name: N, payload: C[N]['payload']): Promise<C[N]['result']> {
    if (this.closed) throw new AppError('unavailable', 'This instance is shutting down.');
    const request: Request = { kind: 'request', id: randomUUID(), from: this.options.instanceId, name, payload };
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(request.id);
        reject(new AppError('unavailable', 'The instance that holds this WhatsApp session did not answer in time. Try again in a moment.', { instance: instanceId }));
      }, this.timeoutMs);
      this.pending.set(request.id, { resolve, reject, timer });
    });
    let receivers: number;
    try {
      receivers = await this.publisher.publish(this.channelOf(instanceId), JSON.stringify(request));
    } catch (error) {
      this.settle(request.id, { kind: 'reply', id: request.id, ok: false, error: { code: 'unavailable', message: 'Wasla cannot reach its other instances right now. Try again in a moment.' } });
      this.options.logger.warn({ err: error, command: name }, 'could not send a command to another instance');
      return answer as Promise<C[N]['result']>;
    }
    if (receivers === 0) {
      this.settle(request.id, { kind: 'reply', id: request.id, ok: false, error: { code: 'unavailable', message: 'The instance that holds this WhatsApp session is not reachable. Try again in a moment.' } });
    }
    return answer as Promise<C[N]['result']>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [id] of this.pending) this.settle(id, { kind: 'reply', id, ok: false, error: { code: 'unavailable', message: 'This instance is shutting down.' } });
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }

  private channelOf(instanceId: string): string {
    return `${this.prefix}:${instanceId}`;
  }

  private async receive(message: string): Promise<void> {
    let parsed: Request | Reply;
    try {
      parsed = JSON.parse(message) as Request | Reply;
    } catch {
      this.options.logger.warn('a message on the command channel is not JSON: ignored');
      return;
    }
    if (parsed.kind === 'reply') this.settle(parsed.id, parsed);
    else if (parsed.kind === 'request') await this.answer(parsed);
  }

  private async answer(request: Request): Promise<void> {
    const handler = this.handlers.get(request.name);
    let reply: Reply;
    if (!handler) {
      reply = { kind: 'reply', id: request.id, ok: false, error: { code: 'unavailable', message: 'This instance cannot carry out that command.' } };
    } else {
      try {
        reply = { kind: 'reply', id: request.id, ok: true, result: await handler(request.payload) };
      } catch (error) {
        if (!isAppError(error)) this.options.logger.error({ err: error, command: request.name }, 'a command from another instance failed');
        reply = {
          kind: 'reply',
          id: request.id,
          ok: false,
          error: isAppError(error)
            ? { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) }
            : { code: 'internal', message: 'Something went wrong on our side.' },
        };
      }
    }
    await this.publisher.publish(this.channelOf(request.from), JSON.stringify(reply)).catch((error: unknown) => {
      this.options.logger.warn({ err: error, command: request.name }, 'could not answer a command from another instance');
    });
  }

  private settle(id: string, reply: Reply): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    if (reply.ok) waiting.resolve(reply.result);
    else {
      const code = reply.error && isErrorCode(reply.error.code) ? reply.error.code : 'internal';
      waiting.reject(new AppError(code, reply.error?.message ?? 'Something went wrong on our side.', reply.error?.details));
    }
  }
}
