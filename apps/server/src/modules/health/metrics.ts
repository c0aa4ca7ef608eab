import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { SESSION_STATUSES } from '@wasla/protocol';
import type { EventBus } from '../../events/events.js';
import type { SessionService } from '../sessions/service.js';
import { CampaignOutcomes } from './campaign-outcomes.js';
import type { CampaignCounts } from './campaign-outcomes.js';
import { createClusterMetrics } from './cluster-metrics.js';
import type { ClusterMetrics } from './cluster-metrics.js';
import { createHttpMetrics } from './http-metrics.js';
import type { HttpMetrics } from './http-metrics.js';

/** The metrics of one app instance (a registry per app, no globals), and what feeds them. */
export interface AppMetrics {
  registry: Registry;
  /** Requests by route and status: `buildApp` registers its hook on the server. */
  http: HttpMetrics;
  /** For the cluster's wiring: registered always, fed only in cluster mode. */
  cluster: ClusterMetrics;
  campaignOutcomes: CampaignOutcomes;
}

export interface AppMetricsInput {
  /** Where the metrics are registered; a new registry by default. */
  registry?: Registry;
  /** The cluster's metrics when they were made before the app's (`createClusterMetrics` on the same registry). */
  cluster?: ClusterMetrics;
  bus: EventBus;
  sessions: Pick<SessionService, 'statesHere'>;
  wsClients(): number;
  /** The unfinished campaigns (of one session, or all) with their counts now. */
  unfinishedCampaigns(sessionId?: string): Promise<CampaignCounts[]>;
  /**
   * Cluster mode: whether this instance holds the session's lease. Events about a session
   * (transitions, message statuses, campaign outcomes) are counted by its owner only.
   */
  ownsSession?(sessionId: string): boolean;
}

/** Prometheus metrics of one app instance. */
export function createMetrics(input: AppMetricsInput): AppMetrics {
  const registry = input.registry ?? new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'wasla_' });

  new Gauge({
    name: 'wasla_sessions',
    help: 'WhatsApp sessions this instance runs, by status',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const status of SESSION_STATUSES) this.set({ status }, 0);
      for (const state of input.sessions.statesHere()) this.inc({ status: state.status });
    },
  });
  new Gauge({
    name: 'wasla_ws_clients',
    help: 'Open WebSocket connections',
    registers: [registry],
    collect() {
      this.set(input.wsClients());
    },
  });
  const transitions = new Counter({ name: 'wasla_session_transitions_total', help: 'Session status changes', labelNames: ['to'], registers: [registry] });
  const messages = new Counter({ name: 'wasla_message_status_total', help: 'Message status changes', labelNames: ['status'], registers: [registry] });
  // In a cluster every instance hears every session's events: only the session's owner
  // counts them, so the instances' counters add up to the cluster's.
  const owned = (sessionId: string): boolean => input.ownsSession?.(sessionId) ?? true;
  // For the app's whole life: the registry and its counters go when the app does.
  input.bus.subscribe('session_transition', (record) => {
    if (owned(record.sessionId)) transitions.inc({ to: record.to });
  });
  input.bus.subscribe('message_status', (event) => {
    if (owned(event.sessionId)) messages.inc({ status: event.status });
  });

  const campaignOutcomes = new CampaignOutcomes({
    bus: input.bus,
    registry,
    unfinished: input.unfinishedCampaigns,
    sends: owned,
  });
  return { registry, http: createHttpMetrics(registry), cluster: input.cluster ?? createClusterMetrics(registry), campaignOutcomes };
}
