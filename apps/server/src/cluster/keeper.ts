import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Storage } from '../storage/db.js';
import { HeldLeases } from './held-leases.js';
import type { KeeperCounters, KeeperListener } from './held-leases.js';
import { InstanceRegistry } from './instances.js';
import type { InstanceRegistration, InstanceStatus } from './instances.js';
import { planPlacement } from './keeper-plan.js';
import type { TakeoverCause } from './keeper-plan.js';
import { LeaseRepository } from './leases.js';
import type { HeldLease, Lease, LeaseRecord } from './leases.js';
import { preferredOwner } from './placement.js';
import { Ticker } from './ticker.js';

export type { KeeperCounters, KeeperListener, LossReason } from './held-leases.js';
export type { TakeoverCause } from './keeper-plan.js';

export interface SessionKeeperOptions {
  /** This instance, as the others and `/api/cluster` see it (its address once it listens: `start`). */
  instance: Omit<InstanceRegistration, 'address'>;
  /** `LEASE_TTL_MS`; the keeper ticks every third of it. */
  ttlMs: number;
  /** The sessions that should be running somewhere: those whose desired state is `running`. */
  sessionsToRun(): Promise<readonly string[]>;
  listener: KeeperListener;
  logger: Logger;
  /** A monotonic clock in ms (tests replace it). */
  monotonicNow?: () => number;
}

type Phase = 'new' | 'running' | 'leaving' | 'stopped';

/**
 * Keeps "who owns which session" true for this instance in cluster mode; one per
 * instance. Every tick (a third of the TTL; never two at once) it beats its heartbeat,
 * renews every lease it holds, and places the sessions that should run over the live
 * instances (`keeper-plan.ts`): it takes the free or expired leases that belong here (or
 * that nobody else is taking), takes up the ones handed to it, hands the sessions that
 * belong elsewhere over through `releasing`, and releases those that should not run.
 * A lease whose renewal is refused, or whose local deadline passes unrenewed, is lost at
 * once (`lost`) — by a timer, so no tick has to succeed for that.
 *
 * Database errors are logged (with the session) and tried again next tick.
 */
export class SessionKeeper {
  readonly instanceId: string;
  readonly tickMs: number;
  private readonly leases: LeaseRepository;
  private readonly registry: InstanceRegistry;
  private readonly held: HeldLeases;
  private readonly ticker: Ticker;
  private readonly monotonicNow: () => number;
  private readonly log: Logger;
  private phase: Phase = 'new';
  private registration: InstanceRegistration = { id: '', address: '', pid: 0 };
  private stopping: Promise<void> | null = null;
  /** Sessions on their way out of this instance: being stopped by the listener, then the lease given up. */
  private readonly moving = new Map<string, { step: 'releasing' | 'handing'; done: Promise<void> }>();
  /**
   * Sessions claimed for a command (monotonic time of the claim): kept here for a TTL even
   * if they should not run, so the command that claimed one is carried out before the
   * session is released again.
   */
  private readonly claimed = new Map<string, number>();
  /** Since when (monotonic) each session that should run has been seen with nobody holding its lease. */
  private unownedSince = new Map<string, number>();

  constructor(
    storage: Pick<Storage, 'db' | 'dialect'>,
    private readonly options: SessionKeeperOptions,
  ) {
    this.instanceId = options.instance.id;
    this.tickMs = Math.floor(options.ttlMs / 3);
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
    this.log = options.logger.child({ instanceId: this.instanceId });
    this.leases = new LeaseRepository(storage, { instanceId: this.instanceId, ttlMs: options.ttlMs, monotonicNow: this.monotonicNow });
    this.registry = new InstanceRegistry(storage, { ttlMs: options.ttlMs });
    this.held = new HeldLeases(options.listener, this.log, this.monotonicNow);
    this.ticker = new Ticker(this.tickMs, () => this.tick(), (error) => this.log.error({ err: error }, 'a keeper tick failed; trying again next tick'));
  }

  /**
   * Registers this instance. The first tick comes a tick later, so instances started
   * together see each other before placing anything, instead of one taking every session
   * and handing most of them on.
   */
  async start(address: string): Promise<void> {
    if (this.phase !== 'new') throw new Error('A SessionKeeper starts once');
    this.registration = { ...this.options.instance, address };
    await this.registry.register(this.registration);
    // Leases still under this id are a previous life's (a restart with the same INSTANCE_ID):
    // never taken up as if handed over, but freed and taken again with a new token.
    for (const record of await this.leases.records()) if (record.owner === this.instanceId) this.held.retire(record);
    this.phase = 'running';
    this.log.info({ address, pid: this.registration.pid }, 'joined the cluster');
    this.ticker.start();
  }

  /**
   * Leaves gracefully: marks this instance leaving (nothing new is placed here), stops
   * every session it holds through `releasing` and hands each to the live instance that
   * should own it next (or releases it when there is none), then removes the instance.
   */
  stop(): Promise<void> {
    this.stopping ??= this.leave();
    return this.stopping;
  }

  /** This instance's token for the session, for `LeaseFence`; null unless it holds the lease now. */
  tokenOf(sessionId: string): number | null {
    return this.held.tokenOf(sessionId);
  }

  /** The sessions this instance owns now, with their tokens. */
  owned(): { sessionId: string; token: number }[] {
    return this.held
      .all()
      .filter((lease) => this.held.tokenOf(lease.sessionId) !== null)
      .map(({ sessionId, token }) => ({ sessionId, token }));
  }

  counters(): KeeperCounters {
    return this.held.counters();
  }

  /**
   * Takes the session's lease now, if nobody holds it: a command for a session nobody
   * runs arrived at the instance placement prefers for it. Resolves once the listener has
   * taken the session up — true — or false when another instance holds it (or this one
   * is not running).
   */
  async claim(sessionId: string): Promise<boolean> {
    if (this.held.has(sessionId)) return true;
    if (this.phase !== 'running' || this.moving.has(sessionId)) return false;
    const lease = await this.leases.acquire(sessionId);
    if (!lease) return false;
    if (this.phase !== 'running') {
      await this.release(lease);
      return false;
    }
    this.claimed.set(sessionId, this.monotonicNow());
    await this.held.hold(lease, 'free');
    return true;
  }

  /** The instance that holds the session's lease now, or null when nobody does. */
  async ownerOf(sessionId: string): Promise<string | null> {
    return (await this.leases.owner(sessionId))?.owner ?? null;
  }

  /** The live instances that take sessions (not leaving), by id: where placement puts them. */
  async placingInstances(): Promise<string[]> {
    return (await this.registry.statuses()).filter((instance) => instance.live && !instance.leaving).map((instance) => instance.id);
  }

  /** The live instances with the sessions each owns, for `GET /api/cluster`. */
  listLive(): ReturnType<InstanceRegistry['listLive']> {
    return this.registry.listLive();
  }

  /** Ticks now instead of at its time (after the tick in progress): a session was just started, or handed here. */
  refresh(): Promise<void> {
    return this.ticker.refresh();
  }

  /** Resolves when a tick that begins after this call has ended. */
  afterNextTick(): Promise<void> {
    return this.ticker.afterNext();
  }

  /**
   * For tests: stops as `kill -9` would — every timer gone, no lease given up, nothing
   * told to anyone; what is in flight is ignored when it comes back. Resolves once the
   * tick in progress has ended.
   */
  halt(): Promise<void> {
    this.phase = 'stopped';
    const stopped = this.ticker.stop();
    this.held.clear();
    return stopped;
  }

  /**
   * For tests: from the next tick on, ticks wait until the returned `resume` is called,
   * as in a process stopped by SIGSTOP. The deadline timers still fire, as they all would
   * the moment such a process continued. Resolves once the tick in progress has ended.
   */
  pause(): Promise<() => void> {
    return this.ticker.pause();
  }

  private get stopped(): boolean {
    return this.phase === 'stopped';
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    // Before any statement: a process that was paused must not act on a lease it may have lost.
    for (const sessionId of this.held.overdue()) this.held.lose(sessionId, 'deadline');
    const beating = await this.beat();
    await this.renewAll();
    // Placing sessions while the others may think this instance is gone would disagree with them.
    if (beating && this.phase === 'running') await this.place();
  }

  private async beat(): Promise<boolean> {
    try {
      if (await this.registry.heartbeat(this.instanceId)) return true;
      this.log.warn('this instance was removed from the cluster while running; registering again');
      await this.registry.register(this.registration);
      if (this.phase === 'leaving') await this.registry.markLeaving(this.instanceId);
      return true;
    } catch (error) {
      this.log.error({ err: error }, 'the heartbeat failed; trying again next tick');
      return false;
    }
  }

  /** Renews every lease held, but those being handed over: the hand-over gives the next owner a full TTL. */
  private async renewAll(): Promise<void> {
    const leases = this.held.all().filter((lease) => this.moving.get(lease.sessionId)?.step !== 'handing');
    if (leases.length === 0) return;
    let renewed: HeldLease[];
    try {
      renewed = await this.leases.renewAll(leases);
    } catch (error) {
      const sessionIds = leases.map((lease) => lease.sessionId);
      this.log.warn({ err: error, sessionIds }, 'renewing the leases failed; trying again next tick (each is lost at its deadline)');
      return;
    }
    if (this.stopped) return;
    const renewedOf = new Map(renewed.map((lease) => [lease.sessionId, lease]));
    const orphans: HeldLease[] = [];
    for (const lease of leases) {
      const { sessionId } = lease;
      const fresh = renewedOf.get(sessionId);
      if (this.held.get(sessionId) !== lease) {
        // Lost at its deadline while the renewal was on its way: a renewal that still went
        // through holds the lease for nobody, so it is freed for a start with a new token.
        if (fresh && !this.held.has(sessionId)) orphans.push(fresh);
      } else if (fresh) {
        this.held.renewed(fresh);
      } else if (this.moving.get(sessionId)?.step !== 'handing') {
        // Refused: another instance holds it now. (Refused because the hand-over in progress went first is no loss.)
        this.held.lose(sessionId, 'taken');
      }
    }
    await Promise.all(orphans.map((lease) => this.release(lease)));
  }

  /** Takes and gives up leases so that each session that should run is owned where placement says. */
  private async place(): Promise<void> {
    let reads: [readonly string[], InstanceStatus[], LeaseRecord[]];
    try {
      reads = await Promise.all([this.options.sessionsToRun(), this.registry.statuses(), this.leases.records()]);
    } catch (error) {
      this.log.error({ err: error }, 'reading the sessions and the cluster failed; placing sessions again next tick');
      return;
    }
    if (this.phase !== 'running') return;
    const [toRun, instances, records] = reads;
    const plan = planPlacement({
      instanceId: this.instanceId,
      wanted: [...new Set([...toRun, ...this.recentlyClaimed()])],
      instances,
      records,
      held: new Set(this.held.all().map((lease) => lease.sessionId)),
      moving: new Set(this.moving.keys()),
      retired: this.held.retired,
      unownedSince: this.unownedSince,
      now: this.monotonicNow(),
      orphanAfterMs: this.tickMs * 1.5,
    });
    this.unownedSince = plan.unownedSince;
    for (const { sessionId, to } of plan.move) this.move(sessionId, to);
    await Promise.all([this.take(plan.take), this.adopt(plan.adopt), ...plan.release.map((record) => this.release(record))]);
  }

  private recentlyClaimed(): string[] {
    const since = this.monotonicNow() - this.options.ttlMs;
    for (const [sessionId, at] of this.claimed) if (at < since || !this.held.has(sessionId)) this.claimed.delete(sessionId);
    return [...this.claimed.keys()];
  }

  /** Takes the free leases placement gives this instance, in one statement. */
  private async take(wanted: readonly { sessionId: string; cause: TakeoverCause }[]): Promise<void> {
    if (wanted.length === 0) return;
    let taken: HeldLease[];
    try {
      taken = await this.leases.acquireAll(wanted.map(({ sessionId }) => sessionId));
    } catch (error) {
      this.log.warn({ err: error, sessionIds: wanted.map(({ sessionId }) => sessionId) }, 'taking leases failed; trying again next tick');
      return;
    }
    if (this.stopped) return;
    // Taken while this instance began to leave: given straight back.
    if (this.phase === 'leaving') {
      await Promise.all(taken.map((lease) => this.release(lease)));
      return;
    }
    const causeOf = new Map(wanted.map(({ sessionId, cause }) => [sessionId, cause]));
    for (const lease of taken) void this.held.hold(lease, causeOf.get(lease.sessionId) ?? 'free');
  }

  /**
   * Leases this instance holds in the database but not here: handed over by another
   * instance. Renewing them before starting the sessions is what gives them a local deadline.
   */
  private async adopt(records: readonly LeaseRecord[]): Promise<void> {
    if (records.length === 0) return;
    let adopted: HeldLease[];
    try {
      adopted = await this.leases.renewAll(records);
    } catch (error) {
      this.log.warn({ err: error, sessionIds: records.map((record) => record.sessionId) }, 'taking up handed-over leases failed; trying again next tick');
      return;
    }
    if (this.stopped) return;
    if (this.phase === 'leaving') {
      await Promise.all(adopted.map((lease) => this.release(lease)));
      return;
    }
    for (const lease of adopted) if (!this.held.has(lease.sessionId)) void this.held.hold(lease, 'handover');
  }

  /** Starts moving a held session out: `to` the instance it belongs to, or released when null. */
  private move(sessionId: string, to: string | null): void {
    const done = this.handOff(sessionId, to)
      .catch((error: unknown) => this.log.error({ err: error, sessionId }, 'handing the session over failed'))
      .finally(() => this.moving.delete(sessionId));
    this.moving.set(sessionId, { step: 'releasing', done });
  }

  private async handOff(sessionId: string, to: string | null): Promise<void> {
    this.log.info({ sessionId, to }, to === null ? 'releasing the session' : 'handing the session over');
    try {
      await this.options.listener.releasing(sessionId);
    } catch (error) {
      this.log.error({ err: error, sessionId }, 'the session did not stop cleanly; giving its lease up all the same');
    }
    const lease = this.held.get(sessionId);
    const moving = this.moving.get(sessionId);
    if (!lease || !moving || this.stopped) return;
    moving.step = 'handing';
    const handedOver = await this.giveUp(lease, to);
    // Given up either way: the session is stopped, and this instance never acts on this token again.
    if (!this.stopped) this.held.gaveUp(sessionId, handedOver ? 'handedOver' : 'released');
  }

  /** Hands the lease to `to`, or releases it when that is refused or there is nobody; true when handed over. */
  private async giveUp(lease: Lease, to: string | null): Promise<boolean> {
    if (to !== null) {
      try {
        if (await this.leases.handOver(lease, to)) return true;
      } catch (error) {
        this.log.warn({ err: error, sessionId: lease.sessionId, to }, 'handing the lease over failed; releasing it instead');
      }
    }
    await this.release(lease);
    return false;
  }

  /** Releases a lease; one that can't be released runs out by itself after the TTL. */
  private async release(lease: Lease): Promise<void> {
    try {
      await this.leases.release(lease);
    } catch (error) {
      this.log.warn({ err: error, sessionId: lease.sessionId }, 'releasing the lease failed; it runs out by itself');
    }
  }

  private async leave(): Promise<void> {
    if (this.phase !== 'running') return this.halt();
    this.phase = 'leaving';
    this.log.info({ sessions: this.held.all().length }, 'leaving the cluster: handing every session over');
    try {
      await this.registry.markLeaving(this.instanceId);
    } catch (error) {
      this.log.error({ err: error }, 'marking this instance as leaving failed; handing its sessions over all the same');
    }
    // The tick in progress may be placing sessions; the next ones only beat and renew.
    await this.ticker.settled();
    let others: string[] = [];
    let handedHere: LeaseRecord[] = [];
    try {
      const [instances, records] = await Promise.all([this.registry.statuses(), this.leases.records()]);
      others = instances.filter((instance) => instance.live && !instance.leaving && instance.id !== this.instanceId).map((instance) => instance.id);
      // Leases handed here and not taken up yet go on the same way, with nothing to stop.
      handedHere = records.filter((record) => record.held && record.owner === this.instanceId && !this.held.has(record.sessionId));
    } catch (error) {
      this.log.error({ err: error }, 'reading the live instances failed; releasing every session instead');
    }
    await Promise.all([...this.moving.values()].map((moving) => moving.done));
    for (const lease of this.held.all()) this.move(lease.sessionId, preferredOwner(lease.sessionId, others));
    const passOn = handedHere.map(async (record) => {
      if (await this.giveUp(record, preferredOwner(record.sessionId, others))) this.held.passedOn();
    });
    await Promise.all([...[...this.moving.values()].map((moving) => moving.done), ...passOn]);

    this.phase = 'stopped';
    await this.ticker.stop();
    this.held.clear();
    try {
      await this.registry.remove(this.instanceId);
    } catch (error) {
      this.log.error({ err: error }, 'removing this instance failed; it drops out of the live ones by itself');
    }
    this.log.info(this.counters(), 'left the cluster');
  }
}
