import os from 'node:os';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { apiErrorSchema } from '@wasla/protocol';
import type { ClusterInstance, InstanceRegistry } from './instances.js';

const clusterInstanceSchema = z.object({
  id: z.string(),
  address: z.string().describe('How the other instances reach it, host:port'),
  pid: z.number().int(),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  leaving: z.boolean().describe('Handing its sessions over on the way out'),
  sessions: z.array(z.string()).describe('The WhatsApp sessions it owns now'),
});

export const clusterSchema = z.object({
  mode: z.enum(['single', 'cluster']).describe('`single`: one process on its own database; `cluster`: instances sharing PostgreSQL and Redis'),
  /** The instance that answered. */
  answeredBy: z.string(),
  instances: z.array(clusterInstanceSchema),
});
export type ClusterDescription = z.infer<typeof clusterSchema>;

/** Who runs which WhatsApp session, as `GET /api/cluster` says it. */
export interface ClusterView {
  describe(): Promise<ClusterDescription>;
}

/** One process: it is the only instance, and it runs every session. */
export function singleProcessView(input: { address: () => string; sessions: () => string[]; startedAt: Date }): ClusterView {
  const id = `${os.hostname()}:${process.pid}`;
  return {
    describe: () =>
      Promise.resolve({
        mode: 'single',
        answeredBy: id,
        instances: [
          {
            id,
            address: input.address(),
            pid: process.pid,
            startedAt: input.startedAt.toISOString(),
            heartbeatAt: new Date().toISOString(),
            leaving: false,
            sessions: input.sessions().sort(),
          },
        ],
      }),
  };
}

/** A cluster: the live instances the registry knows, each with the sessions whose lease it holds. */
export function registryView(input: { instanceId: string; registry: Pick<InstanceRegistry, 'listLive'> }): ClusterView {
  return {
    describe: async () => ({ mode: 'cluster', answeredBy: input.instanceId, instances: (await input.registry.listLive()) satisfies ClusterInstance[] }),
  };
}

export const clusterRoutes: FastifyPluginAsyncZod<{ view: ClusterView }> = async (app, { view }) => {
  app.get('/api/cluster', {
    config: { role: 'admin' },
    schema: {
      tags: ['cluster'],
      summary: 'The live instances and the WhatsApp sessions each owns (admin only)',
      response: { 200: clusterSchema, 403: apiErrorSchema },
    },
  }, () => view.describe());
};
