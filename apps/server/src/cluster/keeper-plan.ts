import type { InstanceStatus } from './instances.js';
import type { LeaseRecord } from './leases.js';
import { preferredOwner } from './placement.js';

/** How this instance came to own a session (a metric's label). */
export type TakeoverCause =
  /** Nobody held it: a session just started, or one a live instance (or one that left) let go of. */
  | 'free'
  /** Its owner stopped renewing — killed, paused, cut off — and the lease ran out: a failover. */
  | 'expired'
  /** Its owner handed it to this instance on purpose: rebalancing after a join, or leaving. */
  | 'handover';

/** The last lease of a session this instance let go of: lost, or given up on purpose. */
export interface RetiredLease {
  token: number;
  lost: boolean;
}

/** What one instance knows at one tick. */
export interface PlacementInput {
  instanceId: string;
  /** The sessions that should run somewhere. */
  wanted: readonly string[];
  instances: readonly InstanceStatus[];
  /** Every lease row, held or not. */
  records: readonly LeaseRecord[];
  /** The sessions whose lease this instance holds, and those of them on their way out. */
  held: ReadonlySet<string>;
  moving: ReadonlySet<string>;
  retired: ReadonlyMap<string, RetiredLease>;
  /** Since when (monotonic ms) each session that should run has been seen with nobody holding it. */
  unownedSince: ReadonlyMap<string, number>;
  now: number;
  /** How long a lease may lie free before any instance, not only the preferred one, takes it. */
  orphanAfterMs: number;
}

export interface PlacementPlan {
  /** Free or expired leases to acquire. */
  take: { sessionId: string; cause: TakeoverCause }[];
  /** Leases held here in the database but not taken up yet: handed over by another instance. */
  adopt: LeaseRecord[];
  /** Held sessions to stop and hand `to` the instance they belong to, or release when `to` is null. */
  move: { sessionId: string; to: string | null }[];
  /** Leases in this instance's name that nothing here runs or should run: free them. */
  release: LeaseRecord[];
  /** `unownedSince` as of this tick. */
  unownedSince: Map<string, number>;
}

/**
 * Decides, from one tick's view of the cluster, which leases this instance takes and
 * which it gives up, so that each session that should run ends up on the live instance
 * placement prefers. Pure, like the session machine: the keeper runs the plan.
 *
 * Nothing is placed unless this instance counts itself live and not leaving — the others
 * read the same heartbeat. A free lease is taken by its preferred instance; once it has
 * lain free for `orphanAfterMs` (the preferred one is not taking it), by anyone, and the
 * rebalancing moves it on later.
 */
export function planPlacement(input: PlacementInput): PlacementPlan {
  const plan: PlacementPlan = { take: [], adopt: [], move: [], release: [], unownedSince: new Map() };
  const { instanceId, held, moving } = input;
  const live = input.instances.filter((instance) => instance.live && !instance.leaving).map((instance) => instance.id);
  if (!live.includes(instanceId)) return { ...plan, unownedSince: new Map(input.unownedSince) };
  const silent = new Set(input.instances.filter((instance) => !instance.live).map((instance) => instance.id));
  const recordOf = new Map(input.records.map((record) => [record.sessionId, record]));
  const wanted = new Set(input.wanted);

  for (const sessionId of wanted) {
    if (moving.has(sessionId)) continue;
    const preferred = preferredOwner(sessionId, live);
    if (held.has(sessionId)) {
      if (preferred !== instanceId) plan.move.push({ sessionId, to: preferred });
      continue;
    }
    const record = recordOf.get(sessionId);
    if (record?.held) {
      if (record.owner !== instanceId) continue;
      const retired = input.retired.get(sessionId);
      // Its own lease, already given up here (the local deadline comes before the database's
      // expiry, and a restart inherits its previous life's): freed and taken again with a new
      // token, never resumed under the old one.
      if (retired && record.token <= retired.token) plan.release.push(record);
      else plan.adopt.push(record);
      continue;
    }
    const since = input.unownedSince.get(sessionId) ?? input.now;
    plan.unownedSince.set(sessionId, since);
    if (preferred === instanceId || input.now - since >= input.orphanAfterMs) {
      plan.take.push({ sessionId, cause: causeOf(record, instanceId, silent, input.retired) });
    }
  }
  for (const sessionId of held) if (!wanted.has(sessionId) && !moving.has(sessionId)) plan.move.push({ sessionId, to: null });
  for (const record of input.records) {
    const unwanted = record.held && record.owner === instanceId && !wanted.has(record.sessionId);
    if (unwanted && !held.has(record.sessionId) && !moving.has(record.sessionId)) plan.release.push(record);
  }
  return plan;
}

function causeOf(record: LeaseRecord | undefined, instanceId: string, silent: ReadonlySet<string>, retired: ReadonlyMap<string, RetiredLease>): TakeoverCause {
  if (!record) return 'free';
  if (record.owner === instanceId) {
    const own = retired.get(record.sessionId);
    return own?.token === record.token && !own.lost ? 'free' : 'expired';
  }
  // A silent owner is registered but not beating: it died, was paused or cut off. One that
  // is live released the lease; one whose row is gone left gracefully.
  return silent.has(record.owner) ? 'expired' : 'free';
}
