import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { checkReadiness } from './readiness.js';
import type { DependencyName, ReadinessCheck } from './readiness.js';

export interface HealthRoutesOptions {
  /** What `/readyz` asks: the database always, Redis when Wasla runs with it. */
  checks: readonly ReadinessCheck[];
  /** True from the moment the app starts closing: `/readyz` says so at once, so the load balancer stops sending. */
  closing(): boolean;
  metrics: Registry;
  /** How long `/readyz` waits for each check (default `READINESS_TIMEOUT_MS`). */
  readinessTimeoutMs?: number;
}

const UNREACHABLE: Record<DependencyName, string> = { database: 'The database is not reachable.', redis: 'Redis is not reachable.' };

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { checks, closing, metrics, readinessTimeoutMs }) => {
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));

  // Public, for load balancers: it names the dependency that is down, never its address or error.
  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    if (closing()) return reply.status(503).send({ status: 'unavailable', failing: [], reason: 'This instance is shutting down.' });
    const readiness = await checkReadiness(checks, {
      ...(readinessTimeoutMs === undefined ? {} : { timeoutMs: readinessTimeoutMs }),
      onFailure: (name, error) => request.log.warn({ err: error, dependency: name }, 'not ready: a dependency is not reachable'),
    });
    if (readiness.ready) return { status: 'ready' };
    return reply.status(503).send({ status: 'unavailable', failing: readiness.failing, reason: readiness.failing.map((name) => UNREACHABLE[name]).join(' ') });
  });

  // Not public: counts of sessions and messages are the business's own. Prometheus sends
  // an API key as `Authorization: Bearer wsk_…` (scrape config `authorization.credentials`).
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.metrics();
  });
};
