import type { Logger } from 'pino';
import type { RetiredLease, TakeoverCause } from './keeper-plan.js';
import type { HeldLease } from './leases.js';

export type LossReason =
  /** A renewal was refused: another instance holds the lease now. */
  | 'taken'
  /** The local deadline passed without a renewal: the process was paused, or the database out of reach. */
  | 'deadline';

/** What the keeper tells the sessions' runtime, which runs each session this instance owns. */
export interface KeeperListener {
  /** This instance owns the session from now on: start it. `lease.token` is the session state's epoch. */
  acquired(sessionId: string, lease: HeldLease, cause: TakeoverCause): void | Promise<void>;
  /**
   * The lease is gone: stop acting as the session's owner at once — send nothing, write
   * nothing (the fence refuses the writes anyway). Another instance may run it already.
   */
  lost(sessionId: string, reason: LossReason): void | Promise<void>;
  /**
   * The session moves to another instance: close its WhatsApp connection cleanly, without
   * logging out, and resolve once it is closed. Only then is the lease handed over, so the
   * new owner connects without a 440 "connection replaced" fight. The lease is renewed
   * meanwhile; if it is lost all the same, `lost` comes too.
   */
  releasing(sessionId: string): Promise<void>;
}

/** For metrics. */
export interface KeeperCounters {
  /** Sessions this instance took, by how. */
  takeovers: Record<TakeoverCause, number>;
  /** Leases this instance lost, by why. */
  losses: Record<LossReason, number>;
  /** Sessions it gave up on purpose: handed to a named instance, or released for anyone. */
  handedOver: number;
  released: number;
}

/**
 * The leases this instance holds, and what it tells the listener about them. Each has a
 * timer at its `localDeadline`: that is what makes a lapse noticed on time — a renewal
 * stuck on an unreachable database, or a process that was paused, never gets to say the
 * lease is gone, but the timer fires anyway (at once, in a process that was stopped and
 * continued) and the lease is lost.
 */
export class HeldLeases {
  private readonly leases = new Map<string, { lease: HeldLease; deadline: NodeJS.Timeout }>();
  private readonly retiredLeases = new Map<string, RetiredLease>();
  private readonly counts: KeeperCounters = { takeovers: { free: 0, expired: 0, handover: 0 }, losses: { taken: 0, deadline: 0 }, handedOver: 0, released: 0 };

  constructor(
    private readonly listener: KeeperListener,
    private readonly log: Logger,
    private readonly monotonicNow: () => number,
  ) {}

  /** Holds a lease just taken, and tells the listener to start the session; resolves once the listener is done. */
  hold(lease: HeldLease, cause: TakeoverCause): Promise<void> {
    const { sessionId, token } = lease;
    this.set(lease);
    this.counts.takeovers[cause] += 1;
    this.log.info({ sessionId, token, cause }, "took the session's lease");
    return this.notify('acquired', sessionId, () => this.listener.acquired(sessionId, lease, cause));
  }

  /** Holds a renewed lease until its new local deadline. */
  renewed(lease: HeldLease): void {
    this.set(lease);
  }

  /** The lease is gone: drops it and tells the listener to stop at once. */
  lose(sessionId: string, reason: LossReason): void {
    const lease = this.drop(sessionId);
    if (!lease) return;
    this.retiredLeases.set(sessionId, { token: lease.token, lost: true });
    this.counts.losses[reason] += 1;
    this.log.warn({ sessionId, token: lease.token, reason }, "lost the session's lease: it stops here");
    void this.notify('lost', sessionId, () => this.listener.lost(sessionId, reason));
  }

  /** Drops a lease given up on purpose (the listener stopped the session); false when it was lost meanwhile. */
  gaveUp(sessionId: string, how: 'handedOver' | 'released'): boolean {
    const lease = this.drop(sessionId);
    if (!lease) return false;
    this.retiredLeases.set(sessionId, { token: lease.token, lost: false });
    this.counts[how] += 1;
    return true;
  }

  /** A lease handed on that was never taken up here. */
  passedOn(): void {
    this.counts.handedOver += 1;
  }

  /** The last lease let go of, per session: this instance never acts on its token again. */
  get retired(): ReadonlyMap<string, RetiredLease> {
    return this.retiredLeases;
  }

  /** Marks leases a previous life of this instance held as retired (lost). */
  retire(lease: { sessionId: string; token: number }): void {
    this.retiredLeases.set(lease.sessionId, { token: lease.token, lost: true });
  }

  get(sessionId: string): HeldLease | undefined {
    return this.leases.get(sessionId)?.lease;
  }

  has(sessionId: string): boolean {
    return this.leases.has(sessionId);
  }

  all(): HeldLease[] {
    return [...this.leases.values()].map(({ lease }) => lease);
  }

  /**
   * The token to write with, or null. Null past the local deadline even before its timer
   * has fired (a busy event loop), so a write is never fenced with a lease that may be gone.
   */
  tokenOf(sessionId: string): number | null {
    const lease = this.leases.get(sessionId)?.lease;
    return lease && this.monotonicNow() < lease.localDeadline ? lease.token : null;
  }

  /** The sessions whose local deadline has passed, timer fired or not. */
  overdue(): string[] {
    const now = this.monotonicNow();
    return this.all()
      .filter((lease) => now >= lease.localDeadline)
      .map((lease) => lease.sessionId);
  }

  counters(): KeeperCounters {
    return { ...this.counts, takeovers: { ...this.counts.takeovers }, losses: { ...this.counts.losses } };
  }

  /** Drops every lease and its timer, telling no one. */
  clear(): void {
    for (const { deadline } of this.leases.values()) clearTimeout(deadline);
    this.leases.clear();
  }

  private set(lease: HeldLease): void {
    const previous = this.leases.get(lease.sessionId);
    if (previous) clearTimeout(previous.deadline);
    const deadline = setTimeout(() => this.lose(lease.sessionId, 'deadline'), Math.max(0, lease.localDeadline - this.monotonicNow()));
    this.leases.set(lease.sessionId, { lease, deadline });
  }

  private drop(sessionId: string): HeldLease | undefined {
    const held = this.leases.get(sessionId);
    if (!held) return undefined;
    clearTimeout(held.deadline);
    this.leases.delete(sessionId);
    return held.lease;
  }

  /** Calls the listener; one that throws or rejects is logged and changes nothing here. Never rejects. */
  private async notify(call: keyof KeeperListener, sessionId: string, listener: () => void | Promise<void>): Promise<void> {
    try {
      await listener();
    } catch (error) {
      this.log.error({ err: error, sessionId }, `the keeper's listener failed on ${call}`);
    }
  }
}
