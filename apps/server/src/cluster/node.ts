import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ClusterConfig } from '../config/config.js';
import { RedisEventBus } from '../events/redis.js';
import type { ClusterMetrics, LeaseLossReason } from '../modules/health/cluster-metrics.js';
import type { Storage } from '../storage/db.js';
import { createRedisClient } from '../storage/redis-client.js';
import { CommandChannel } from './commands.js';
import { LeaseFence } from './fence.js';
import { SessionKeeper } from './keeper.js';
import type { KeeperListener, LossReason } from './keeper.js';
import { ClusterRouter } from './owner-router.js';
import type { OwnerCommands } from './owner-router.js';
import { registryView } from './routes.js';
import type { ClusterView } from './routes.js';

export interface ClusterNodeOptions {
  config: ClusterConfig;
  storage: Storage;
  logger: Logger;
  /** The sessions that should run somewhere (desired state `running`). */
  sessionsToRun(): Promise<readonly string[]>;
  /** Takes sessions up and lets them go as the keeper says (the services, wired in `buildApp`). */
  sessions: KeeperListener;
  /** Redis is back after an outage: whatever other instances said meanwhile must be read again. */
  onResync(): void;
  metrics: ClusterMetrics;
}

const LOSS_REASONS: Record<LossReason, LeaseLossReason> = { taken: 'renewal_refused', deadline: 'deadline_passed' };

/**
 * This instance's part in a cluster (`REDIS_URL` set): the event bus and command channel
 * over Redis, the keeper of its session leases, the fence that makes the database refuse
 * a session's writes from anyone but its lease holder, and the router that carries a
 * command out where its session runs. One per instance, built by `buildApp`.
 */
export class ClusterNode {
  readonly keeper: SessionKeeper;
  readonly fence: LeaseFence;
  readonly router: ClusterRouter;
  readonly view: ClusterView;
  /**
   * For limits every instance counts together (requests per address: the login rate
   * limit). Commands fail at once while Redis is away, and the limit then lets requests
   * through (the per-account guess limit still holds).
   */
  readonly limits: Redis;

  private constructor(
    readonly bus: RedisEventBus,
    private readonly channel: CommandChannel<OwnerCommands>,
    options: ClusterNodeOptions,
  ) {
    const { config, storage, logger } = options;
    this.limits = createRedisClient(config.redisUrl, { instanceId: config.instanceId, failFast: true, commandTimeoutMs: 1000 });
    this.limits.on('error', (error: Error) => logger.debug({ err: error }, 'redis connection error (limits)'));
    this.limits.connect().catch((error: unknown) => logger.warn({ err: error }, 'Redis for the shared limits is not reachable yet'));
    const report = (): void => options.metrics.sessionsOwned(this.keeper.owned().length);
    this.keeper = new SessionKeeper(storage, {
      instance: { id: config.instanceId, pid: process.pid },
      ttlMs: config.leaseTtlMs,
      sessionsToRun: options.sessionsToRun,
      logger,
      listener: {
        acquired: async (sessionId, lease, cause) => {
          options.metrics.takeover(cause);
          report();
          await options.sessions.acquired(sessionId, lease, cause);
        },
        lost: async (sessionId, reason) => {
          options.metrics.leaseLost(LOSS_REASONS[reason]);
          report();
          await options.sessions.lost(sessionId, reason);
        },
        releasing: async (sessionId) => {
          try {
            await options.sessions.releasing(sessionId);
          } finally {
            // Given up right after this resolves.
            queueMicrotask(report);
          }
        },
      },
    });
    this.fence = new LeaseFence(storage, { instanceId: config.instanceId, ttlMs: config.leaseTtlMs, tokenOf: (sessionId) => this.keeper.tokenOf(sessionId) });
    const keeper = this.keeper;
    this.router = new ClusterRouter(
      channel,
      {
        instanceId: config.instanceId,
        owns: (sessionId) => keeper.tokenOf(sessionId) !== null,
        ownerOf: (sessionId) => keeper.ownerOf(sessionId),
        placingInstances: () => keeper.placingInstances(),
        claim: (sessionId) => keeper.claim(sessionId),
      },
      logger,
    );
    this.view = registryView({ instanceId: config.instanceId, registry: keeper });
  }

  /** Connects to Redis (the event bus and the command channel); rejects with a clear error when it can't be reached. */
  static async connect(options: ClusterNodeOptions): Promise<ClusterNode> {
    const { config, logger } = options;
    const bus = await RedisEventBus.connect({
      url: config.redisUrl,
      instanceId: config.instanceId,
      logger,
      onResync: () => {
        try {
          options.onResync();
        } catch (error) {
          logger.error({ err: error }, 'could not read the cluster again after Redis came back');
        }
      },
      onRemoteDelivery: (event, delayMs) => options.metrics.eventDelivered(event, delayMs),
    });
    try {
      const channel = await CommandChannel.connect<OwnerCommands>({ url: config.redisUrl, instanceId: config.instanceId, logger });
      return new ClusterNode(bus, channel, options);
    } catch (error) {
      await bus.close();
      throw error;
    }
  }

  /** Joins the cluster once this instance listens at `address`: from then on sessions are placed here. */
  start(address: string): Promise<void> {
    return this.keeper.start(address);
  }

  /** Leaves gracefully: every session handed to another instance (stopped here first). */
  leave(): Promise<void> {
    return this.keeper.stop();
  }

  /** After `leave`: closes the links to Redis. */
  async close(): Promise<void> {
    await this.channel.close();
    await this.bus.close();
    await this.limits.quit().catch(() => undefined);
    this.limits.disconnect();
  }
}
