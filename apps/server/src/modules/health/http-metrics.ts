import { performance } from 'node:perf_hooks';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/** Fastify's `frameworkErrors` option: answers a request the router refused. */
export type FrameworkErrorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;

/**
 * Counts every HTTP request Fastify answers and how long it took, by method, matched
 * route and status. (`/ws` upgrades never reach Fastify's routing: `wasla_ws_clients`
 * covers them.)
 */
export interface HttpMetrics {
  /** Adds the hook. On the root instance before any route, so every route and the not-found handler run it. */
  register(app: FastifyInstance): void;
  /**
   * The router's refusals (bad percent-encoding, a parameter too long) run no hook: the
   * handler given to Fastify as `frameworkErrors`, counting its answers as `unmatched`.
   */
  measured(handler: FrameworkErrorHandler): FrameworkErrorHandler;
}

export function createHttpMetrics(registry: Registry): HttpMetrics {
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
  const record = (method: string, route: string, status: number, seconds: number): void => {
    requests.inc({ method, route, status: String(status) });
    duration.observe({ method, route, status_class: `${Math.floor(status / 100)}xx` }, seconds);
  };
  return {
    register(app) {
      // A callback hook, not an async one: no promise per request on the hot path.
      app.addHook('onResponse', (request, reply, done) => {
        record(request.method, routeLabel(request), reply.statusCode, reply.elapsedTime / 1000);
        done();
      });
    },
    measured(handler) {
      return (error, request, reply) => {
        const started = performance.now();
        reply.raw.once('finish', () => record(request.method, UNMATCHED_ROUTE, reply.statusCode, (performance.now() - started) / 1000));
        handler(error, request, reply);
      };
    },
  };
}
