import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

export const healthRoutes: FastifyPluginAsync<{ ping(): Promise<void>; metrics: Registry }> = async (app, { ping, metrics }) => {
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    try {
      await ping();
      return { status: 'ready' };
    } catch (error) {
      request.log.warn({ err: error }, 'database not reachable');
      return reply.status(503).send({ status: 'unavailable', reason: 'The database is not reachable.' });
    }
  });

  // Not public: counts of sessions and messages are the business's own. Prometheus sends
  // an API key as `Authorization: Bearer wsk_…` (scrape config `authorization.credentials`).
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.metrics();
  });
};
