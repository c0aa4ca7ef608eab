import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { apiErrorSchema, pageSchema, suppressionSchema } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import { normalizePhone } from '../../phone/phone-number.js';
import type { SuppressionsRepository } from './repository.js';

/** The opt-out list: anyone may read and add; only an admin may take a number off it. */
export const suppressionRoutes: FastifyPluginAsyncZod<{ suppressions: SuppressionsRepository; defaultCountry: string }> = async (app, { suppressions, defaultCountry }) => {
  app.get('/api/suppressions', {
    schema: {
      tags: ['opt-outs'],
      summary: 'Numbers that opted out (replied STOP, إيقاف or الغاء) or were added by staff, newest first',
      querystring: z.object({ cursor: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(100).default(50) }),
      response: { 200: pageSchema(suppressionSchema), 400: apiErrorSchema },
    },
  }, async (request) => suppressions.list(request.query));

  app.post('/api/suppressions', {
    schema: {
      tags: ['opt-outs'],
      summary: 'Add a number: no campaign or send will message it',
      body: z.object({ phone: z.string().min(1).max(40) }),
      response: { 201: suppressionSchema, 400: apiErrorSchema },
    },
  }, async (request, reply) => {
    const phone = normalizePhone(request.body.phone, defaultCountry).e164;
    const createdAt = new Date().toISOString();
    await suppressions.add({ phone, source: 'manual', messageId: null, createdAt });
    return reply.status(201).send({ phone, source: 'manual', createdAt });
  });

  app.delete('/api/suppressions/:phone', {
    config: { role: 'admin' },
    schema: {
      tags: ['opt-outs'],
      summary: 'Take a number off the list (admin only)',
      params: z.object({ phone: z.string().min(1).max(40) }),
      response: { 204: z.null(), 400: apiErrorSchema, 404: apiErrorSchema },
    },
  }, async (request, reply) => {
    const phone = normalizePhone(request.params.phone, defaultCountry).e164;
    if (!(await suppressions.remove(phone))) throw new AppError('not_found', 'That number is not on the opt-out list.');
    return reply.status(204).send(null);
  });
};
