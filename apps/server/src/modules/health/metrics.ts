import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { SESSION_STATUSES } from '@wasla/protocol';
import type { EventBus } from '../../events/events.js';
import type { SessionService } from '../sessions/service.js';

/** Prometheus metrics of one app instance (a registry per app, no globals). */
export function createMetrics(input: { bus: EventBus; sessions: SessionService; wsClients: () => number }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'wasla_' });

  new Gauge({
    name: 'wasla_sessions',
    help: 'WhatsApp sessions by status',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const status of SESSION_STATUSES) this.set({ status }, 0);
      for (const state of input.sessions.states()) this.inc({ status: state.status });
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
  // For the app's whole life: the registry and its counters go when the app does.
  input.bus.subscribe('session_transition', (record) => void transitions.inc({ to: record.to }));
  input.bus.subscribe('message_status', (event) => void messages.inc({ status: event.status }));
  return registry;
}
