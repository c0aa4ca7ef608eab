// Test support for the keeper's tests: several instances in one process, each with its
// own connection pool, and a record of what each was told to run.
import { performance } from 'node:perf_hooks';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Storage } from '../storage/db.js';
import { SessionKeeper } from './keeper.js';
import type { LossReason, TakeoverCause } from './keeper.js';
import { placeSessions } from './placement.js';

/** Counts the statements one instance sends, and can make them fail as if the database were out of reach. */
export class DatabaseLine implements KyselyPlugin {
  statements = 0;
  cut = false;

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.cut) throw new Error('the database is out of reach (cut by the test)');
    this.statements += 1;
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

export type KeeperEvent =
  | { kind: 'acquired'; keeper: string; sessionId: string; at: number; token: number; cause: TakeoverCause }
  | { kind: 'lost'; keeper: string; sessionId: string; at: number; reason: LossReason }
  /** `releasing` was called, and (`released`) the session stopped: the test's listener resolves at once. */
  | { kind: 'releasing' | 'released'; keeper: string; sessionId: string; at: number };

interface Member {
  keeper: SessionKeeper;
  line: DatabaseLine;
}

/**
 * Keepers sharing one database, each on its own pool. Its listeners play the sessions'
 * runtime: they record who runs what and check, at every call, that no session runs on
 * two instances and that whoever runs a session holds its lease in the database.
 */
export class TestCluster {
  readonly events: KeeperEvent[] = [];
  /** What went wrong inside a listener, where an assertion can't fail the test. */
  readonly violations: string[] = [];
  readonly logs: { level: number; msg: string; sessionId?: string; sessionIds?: string[] }[] = [];
  readonly members = new Map<string, Member>();
  /** Who runs each session now, as the listeners were told. */
  private readonly running = new Map<string, string>();
  private readonly checks: Promise<void>[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly logger: Logger;

  constructor(
    private readonly storage: Storage,
    private readonly pools: readonly Storage[],
    readonly sessions: readonly string[],
    readonly ttlMs: number,
  ) {
    this.logger = pino({ level: 'debug' }, { write: (line: string) => void this.logs.push(JSON.parse(line) as TestCluster['logs'][number]) });
  }

  /** Starts a keeper on the next free pool. */
  async start(id: string): Promise<SessionKeeper> {
    const pool = this.pools[this.members.size];
    if (!pool) throw new Error(`only ${this.pools.length} pools for the keepers`);
    const line = new DatabaseLine();
    const keeper = new SessionKeeper(
      { db: pool.db.withPlugin(line), dialect: pool.dialect },
      {
        instance: { id, pid: 1000 + this.members.size },
        ttlMs: this.ttlMs,
        sessionsToRun: () => Promise.resolve(this.sessions),
        listener: {
          acquired: (sessionId, lease, cause) => {
            const runner = this.running.get(sessionId);
            if (runner !== undefined) this.violations.push(`${sessionId} started on ${id} while ${runner} runs it`);
            this.running.set(sessionId, id);
            this.check(this.holds(id, sessionId, lease.token));
            this.record({ kind: 'acquired', keeper: id, sessionId, at: performance.now(), token: lease.token, cause });
          },
          lost: (sessionId, reason) => {
            if (this.running.get(sessionId) === id) this.running.delete(sessionId);
            this.record({ kind: 'lost', keeper: id, sessionId, at: performance.now(), reason });
          },
          releasing: async (sessionId) => {
            this.record({ kind: 'releasing', keeper: id, sessionId, at: performance.now() });
            // Checked before it resolves: the keeper hands the lease over only after.
            await this.holds(id, sessionId, keeper.tokenOf(sessionId));
            if (this.running.get(sessionId) === id) this.running.delete(sessionId);
            this.record({ kind: 'released', keeper: id, sessionId, at: performance.now() });
          },
        },
        logger: this.logger,
      },
    );
    this.members.set(id, { keeper, line });
    await keeper.start(`127.0.0.1:${3000 + this.members.size}`);
    return keeper;
  }

  keeper(id: string): SessionKeeper {
    const member = this.members.get(id);
    if (!member) throw new Error(`no keeper ${id}`);
    return member.keeper;
  }

  line(id: string): DatabaseLine {
    const member = this.members.get(id);
    if (!member) throw new Error(`no keeper ${id}`);
    return member.line;
  }

  /** As `kill -9`: the keeper stops, and its process runs nothing any more. */
  kill(id: string): void {
    this.keeper(id).halt();
    for (const [sessionId, runner] of this.running) if (runner === id) this.running.delete(sessionId);
  }

  /** Who runs the session, as the listeners were told. */
  runner(sessionId: string): string | undefined {
    return this.running.get(sessionId);
  }

  /** The owner of each session as placement says over these keepers. */
  placement(ids: readonly string[]): Map<string, string> {
    return placeSessions(this.sessions, ids);
  }

  /** Resolves when `condition` holds, looked at now and after each listener call; fails after 10 s. */
  waitFor(condition: () => boolean, what: string): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(() => {
        this.waiters.delete(look);
        reject(new Error(`timed out waiting until ${what}`));
      }, 10_000);
      const look = () => {
        if (!condition()) return;
        clearTimeout(timeout);
        this.waiters.delete(look);
        resolve();
      };
      this.waiters.add(look);
    });
  }

  /** Resolves once every session runs where placement over `ids` says, on the keepers and in their listeners. */
  settled(ids: readonly string[]): Promise<void> {
    const placement = this.placement(ids);
    return this.waitFor(
      () =>
        this.sessions.every((sessionId) => this.running.get(sessionId) === placement.get(sessionId)) &&
        ids.every((id) => {
          const owned = this.keeper(id).owned().map((lease) => lease.sessionId).sort();
          return JSON.stringify(owned) === JSON.stringify(this.sessions.filter((sessionId) => placement.get(sessionId) === id).sort());
        }),
      `the sessions run where placement over ${ids.join(', ')} says`,
    );
  }

  /** The listeners' checks against the database, all finished. */
  async checked(): Promise<void> {
    await Promise.all(this.checks);
  }

  /** Halts every keeper still running; what they had in flight is over when it resolves. */
  async halt(): Promise<void> {
    await Promise.all([...this.members.values()].map(({ keeper }) => keeper.halt()));
    await this.checked();
  }

  private record(event: KeeperEvent): void {
    this.events.push(event);
    for (const look of [...this.waiters]) look();
  }

  private check(check: Promise<void>): void {
    this.checks.push(check.catch((error: unknown) => void this.violations.push(String(error))));
  }

  /**
   * The session's lease, in the database, is `id`'s with `token` — if the keeper still holds
   * it once the answer is back: its local deadline comes before the database's expiry, so
   * the lease was its own when read. One it lost meanwhile (a starved machine) says nothing.
   */
  private async holds(id: string, sessionId: string, token: number | null): Promise<void> {
    if (token === null) return;
    const row = await this.storage.db.selectFrom('session_leases').select(['owner_instance', 'token']).where('session_id', '=', sessionId).executeTakeFirst();
    if (this.keeper(id).tokenOf(sessionId) !== token) return;
    if (row?.owner_instance !== id || row.token !== token) {
      this.violations.push(`${sessionId} runs on ${id} (token ${token}) but its lease is ${row ? `${row.owner_instance}'s (token ${row.token})` : 'nobody\'s'}`);
    }
  }
}
