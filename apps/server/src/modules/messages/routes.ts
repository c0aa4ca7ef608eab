import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEFAULT_SESSION_ID, apiErrorSchema, messageSchema, pageSchema, sendMessageRequestSchema, sessionIdSchema } from '@wasla/protocol';
import type { MessageService } from './service.js';

export const messageRoutes: FastifyPluginAsyncZod<{ messages: MessageService }> = async (app, { messages }) => {
  app.post('/api/messages', {
    schema: {
      tags: ['messages'],
      summary: 'Send a text message; answers 202 with the message, whose status then follows WhatsApp receipts',
      body: sendMessageRequestSchema.extend({ sessionId: sessionIdSchema.optional() }),
      response: { 202: messageSchema, 400: apiErrorSchema, 409: apiErrorSchema },
    },
  }, async (request, reply) => {
    const { to, text, sessionId } = request.body;
    return reply.status(202).send(await messages.send(sessionId ?? DEFAULT_SESSION_ID, to, text));
  });

  app.get('/api/messages', {
    schema: {
      tags: ['messages'],
      summary: 'Messages, newest first, paginated with an opaque cursor',
      querystring: z.object({
        sessionId: sessionIdSchema.optional(),
        cursor: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(50),
      }),
      response: { 200: pageSchema(messageSchema), 400: apiErrorSchema },
    },
  }, async (request) => messages.list(request.query));

  app.get('/api/messages/:id', {
    schema: {
      tags: ['messages'],
      summary: 'One message',
      params: z.object({ id: z.string().min(1).max(100) }),
      response: { 200: messageSchema, 404: apiErrorSchema },
    },
  }, async (request) => messages.get(request.params.id));
};
