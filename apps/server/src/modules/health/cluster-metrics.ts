import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ServerEventName } from '../../events/events.js';

/** How this instance came to hold a session's lease. */
export type LeaseTakeoverCause =
  /** The previous owner stopped renewing (it died, hung or lost the database) and the lease ran out. */
  | 'expired'
  /** The previous owner handed the session over as it left. */
  | 'handover'
  /** Nobody held it: a new session, or one released on purpose. */
  | 'free';

/** Why this instance stopped owning a session it held (not a graceful hand-over). */
export type LeaseLossReason =
  /** The database refused a renewal: another instance holds the lease now (this one was paused or cut off). */
  | 'renewal_refused'
  /** No renewal succeeded before the lease's local deadline (the database slow or unreachable). */
  | 'deadline_passed'
  /** A write for the session was refused by its fencing token. */
  | 'write_fenced';

export const LEASE_TAKEOVER_CAUSES = ['expired', 'handover', 'free'] as const satisfies readonly LeaseTakeoverCause[];
export const LEASE_LOSS_REASONS = ['renewal_refused', 'deadline_passed', 'write_fenced'] as const satisfies readonly LeaseLossReason[];

/**
 * What the cluster tells the metrics. The metrics exist on every instance (a dashboard
 * shows zeros rather than gaps in single-process mode); only cluster mode feeds them.
 * Which instance is the scrape target's `instance` label, so none is added here.
 */
export interface ClusterMetrics {
  /** How many sessions this instance owns now (call on every change of ownership). */
  sessionsOwned(count: number): void;
  /** This instance took a session's lease. */
  takeover(cause: LeaseTakeoverCause): void;
  /** This instance lost a session's lease without handing it over. */
  leaseLost(reason: LeaseLossReason): void;
  /**
   * A cluster event published on another instance reached this one `delayMs` later;
   * fits `RedisEventBusOptions.onRemoteDelivery` as it is.
   */
  eventDelivered(event: ServerEventName, delayMs: number): void;
}

/** Cluster events travel in milliseconds; the upper buckets catch a stalled Redis or event loop. */
const DELIVERY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createClusterMetrics(registry: Registry): ClusterMetrics {
  const owned = new Gauge({ name: 'wasla_cluster_sessions_owned', help: 'WhatsApp sessions whose lease this instance holds', registers: [registry] });
  const takeovers = new Counter({ name: 'wasla_cluster_lease_takeovers_total', help: 'Session leases this instance took, by how it got them', labelNames: ['cause'], registers: [registry] });
  const losses = new Counter({ name: 'wasla_cluster_lease_losses_total', help: 'Session leases this instance lost without handing them over, by why', labelNames: ['reason'], registers: [registry] });
  const delivery = new Histogram({
    name: 'wasla_cluster_event_delivery_seconds',
    help: 'Time from an event published on another instance to its arrival here',
    labelNames: ['event'],
    buckets: DELIVERY_BUCKETS_SECONDS,
    registers: [registry],
  });
  // Every label value from the start, so rate() and alerts see a 0 rather than no series.
  for (const cause of LEASE_TAKEOVER_CAUSES) takeovers.inc({ cause }, 0);
  for (const reason of LEASE_LOSS_REASONS) losses.inc({ reason }, 0);
  return {
    sessionsOwned: (count) => owned.set(count),
    takeover: (cause) => takeovers.inc({ cause }),
    leaseLost: (reason) => losses.inc({ reason }),
    eventDelivered: (event, delayMs) => delivery.observe({ event }, Math.max(0, delayMs) / 1000),
  };
}
