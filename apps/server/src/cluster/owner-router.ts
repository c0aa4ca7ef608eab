import type { Logger } from 'pino';
import type { Campaign, Message, SessionState } from '@wasla/protocol';
import { AppError } from '../errors/app-error.js';
import type { SessionCommand } from '../modules/sessions/service.js';
import type { CommandChannel } from './commands.js';
import { preferredOwner } from './placement.js';

/** What a campaign's owner may be asked to do with it. */
export type CampaignChange = 'start' | 'pause' | 'resume' | 'cancel';

/**
 * The commands only a session's owner can carry out, because they act on its WhatsApp
 * connection or its outbox: what each takes (always naming the session) and answers.
 */
export type OwnerCommands = {
  'session.command': { payload: { sessionId: string; command: SessionCommand }; result: SessionState };
  'session.pairing_code': { payload: { sessionId: string; phoneDigits: string }; result: SessionState };
  'session.lift_restriction': { payload: { sessionId: string }; result: SessionState };
  'message.send': { payload: { sessionId: string; to: string; text: string }; result: Message };
  'campaign.change': { payload: { sessionId: string; campaignId: string; change: CampaignChange }; result: Campaign };
};

export type OwnerCommandName = keyof OwnerCommands;
type Payload<N extends OwnerCommandName> = OwnerCommands[N]['payload'];
type Result<N extends OwnerCommandName> = OwnerCommands[N]['result'];
export type OwnerHandler<N extends OwnerCommandName> = (payload: Payload<N>) => Promise<Result<N>>;

/**
 * Carries out a command where the session runs. The services register how they carry
 * each out (`handle`) and go through `run`, wherever the request arrived: one process
 * runs every session itself; a cluster asks the session's owner.
 */
export interface SessionRouter {
  handle<N extends OwnerCommandName>(name: N, handler: OwnerHandler<N>): void;
  run<N extends OwnerCommandName>(name: N, payload: Payload<N>): Promise<Result<N>>;
}

/** The handlers registered, by name. */
class Handlers {
  private readonly byName = new Map<OwnerCommandName, (payload: never) => Promise<unknown>>();

  set<N extends OwnerCommandName>(name: N, handler: OwnerHandler<N>): void {
    if (this.byName.has(name)) throw new Error(`A handler for ${name} is registered already`);
    this.byName.set(name, handler as (payload: never) => Promise<unknown>);
  }

  call<N extends OwnerCommandName>(name: N, payload: Payload<N>): Promise<Result<N>> {
    const handler = this.byName.get(name);
    if (!handler) throw new Error(`Nothing carries out ${name}`);
    return handler(payload as never) as Promise<Result<N>>;
  }
}

/** One process: it runs every session, so every command is carried out here. */
export class LocalRouter implements SessionRouter {
  private readonly handlers = new Handlers();

  handle<N extends OwnerCommandName>(name: N, handler: OwnerHandler<N>): void {
    this.handlers.set(name, handler);
  }

  run<N extends OwnerCommandName>(name: N, payload: Payload<N>): Promise<Result<N>> {
    return this.handlers.call(name, payload);
  }
}

/** What the cluster router asks of this instance's keeper. */
export interface SessionOwnership {
  readonly instanceId: string;
  /** Whether this instance holds the session's lease now. */
  owns(sessionId: string): boolean;
  /** The instance holding the session's lease, or null. */
  ownerOf(sessionId: string): Promise<string | null>;
  /** The live instances placement spreads sessions over. */
  placingInstances(): Promise<string[]>;
  /** Takes the session's free lease and its runtime up here; false when another instance holds it. */
  claim(sessionId: string): Promise<boolean>;
}

/**
 * A cluster: a command for a session this instance runs is carried out here; one for a
 * session another instance runs goes to it over the command channel; one for a session
 * nobody runs goes to the instance placement prefers for it, which takes the session's
 * lease first (`claim`) — so the session then stays there. A command is forwarded at
 * most once: the instance it reaches runs it or answers 503 (the owner changed in the
 * meantime, and a retry finds the new one).
 */
export class ClusterRouter implements SessionRouter {
  private readonly handlers = new Handlers();

  constructor(
    private readonly channel: CommandChannel<OwnerCommands>,
    private readonly ownership: SessionOwnership,
    private readonly logger: Logger,
  ) {}

  handle<N extends OwnerCommandName>(name: N, handler: OwnerHandler<N>): void {
    this.handlers.set(name, handler);
    this.channel.handle(name, (payload) => this.here(name, payload));
  }

  async run<N extends OwnerCommandName>(name: N, payload: Payload<N>): Promise<Result<N>> {
    const { sessionId } = payload;
    if (this.ownership.owns(sessionId)) return this.handlers.call(name, payload);
    const target = (await this.ownership.ownerOf(sessionId)) ?? preferredOwner(sessionId, await this.ownership.placingInstances());
    if (target === null || target === this.ownership.instanceId) return this.here(name, payload);
    this.logger.debug({ sessionId, command: name, to: target }, 'a command goes to the session\'s owner');
    return this.channel.call(target, name, payload);
  }

  /** Carries the command out on this instance, taking the session first if nobody runs it. */
  private async here<N extends OwnerCommandName>(name: N, payload: Payload<N>): Promise<Result<N>> {
    const { sessionId } = payload;
    if (!this.ownership.owns(sessionId) && !(await this.ownership.claim(sessionId))) {
      throw new AppError('unavailable', 'This WhatsApp session just moved to another server. Try again in a moment.');
    }
    return this.handlers.call(name, payload);
  }
}
