import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The `route` label of the route's requests in the metrics, when its pattern is not the
     * name an operator wants (the dashboard's files are one label, not one per wildcard).
     */
    metricsRoute?: string;
  }
}

/** The `route` label of a request no route matched: its URL is the caller's, of any length and spelling. */
export const UNMATCHED_ROUTE = 'unmatched';

/** API answers take milliseconds; the upper buckets catch a slow database, CSV import or report. */
const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The route label: the pattern Fastify matched (`/api/campaigns/:id`), never the URL —
 * every id and every percent-encoded spelling of a path is the same series, so the
 * number of series is bounded by the routes Wasla has.
 */
export function routeLabel(request: FastifyRequest): string {
  const { config, url } = request.routeOptions;
  // A 404 runs in Fastify's not-found context, whose config names no route.
  if (request.is404 || url === undefined) return UNMATCHED_ROUTE;
  return config.metricsRoute ?? url;
}

/**
 * Counts every HTTP request Fastify answers and how long it took, by method, matched
 * route and status. Register on the root instance before any route, so every route and
 * the not-found handler run the hook. (`/ws` upgrades never reach Fastify's routing:
 * `wasla_ws_clients` covers them.)
 */
export function registerHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = new Counter({
    name: 'wasla_http_requests_total',
    help: 'HTTP requests answered, by method, matched route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  // By status class, not code: each code would multiply the buckets' series by the codes a route answers.
  const duration = new Histogram({
    name: 'wasla_http_request_duration_seconds',
    help: 'Time from the request to the end of its answer, by method, matched route and status class',
    labelNames: ['method', 'route', 'status_class'],
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const method = request.method;
    const route = routeLabel(request);
    const status = reply.statusCode;
    requests.inc({ method, route, status: String(status) });
    duration.observe({ method, route, status_class: `${Math.floor(status / 100)}xx` }, reply.elapsedTime / 1000);
  });
}
