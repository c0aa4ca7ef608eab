import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  DEFAULT_SESSION_ID,
  apiErrorSchema,
  pairingCodeRequestSchema,
  qrPayloadSchema,
  sessionIdSchema,
  sessionStateEtag,
  sessionStateSchema,
  sessionTransitionSchema,
} from '@wasla/protocol';
import type { SessionState } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import { normalizePhone } from '../../phone/phone-number.js';
import { redactForOperator } from '../../ws/fan-out.js';
import type { SessionService, SessionCommand } from './service.js';
import type { SessionsRepository } from './repository.js';

export interface SessionRoutesOptions {
  sessions: SessionService;
  repository: SessionsRepository;
  defaultCountry: string;
}

const COMMANDS: SessionCommand[] = ['start', 'stop', 'restart', 'logout'];
const COMMAND_SUMMARY: Record<SessionCommand, string> = {
  start: 'Start the session: reconnect with saved credentials, or show a QR code to link a phone',
  stop: 'Stop the session (the phone stays linked)',
  restart: 'Close the connection and open a new one',
  logout: 'Unlink the phone and wipe the credentials',
};

/** If-None-Match may hold several tags or `*`. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const value = tag.trim();
    return value === '*' || value === etag || value === etag.slice(2);
  });
}

function visibleState(request: FastifyRequest, state: SessionState): SessionState {
  return request.principal?.role === 'admin' ? state : redactForOperator(state);
}

/**
 * The seed's `/api/session/...` (the default session) and the same routes per session
 * under `/api/sessions/:id/...`, registered once each from one definition.
 */
export const sessionRoutes: FastifyPluginAsyncZod<SessionRoutesOptions> = async (app, { sessions, repository, defaultCountry }) => {
  const scopes = [
    { prefix: '/api/session', params: undefined, tag: 'session (default)' },
    { prefix: '/api/sessions/:id', params: z.object({ id: sessionIdSchema }), tag: 'sessions' },
  ] as const;
  const idOf = (request: FastifyRequest): string => (request.params as { id?: string }).id ?? DEFAULT_SESSION_ID;

  for (const scope of scopes) {
    const base = { tags: [scope.tag], ...(scope.params ? { params: scope.params } : {}) };

    app.get(`${scope.prefix}/state`, {
      schema: { ...base, summary: 'The session state (ETag from (epoch, rev); answers If-None-Match with 304)', response: { 200: sessionStateSchema, 304: z.undefined(), 404: apiErrorSchema } },
    }, (request, reply) => {
      // Not async: the dashboard polls this every 10 s from every browser, mostly for a 304.
      const state = visibleState(request, sessions.state(idOf(request)));
      const etag = sessionStateEtag(state);
      reply.header('ETag', etag).header('Cache-Control', 'no-cache');
      if (matchesEtag(request.headers['if-none-match'], etag)) void reply.status(304).send();
      else void reply.send(state);
    });

    app.get(`${scope.prefix}/qr`, {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: 'The live QR code as a data URL (admin only); ?format=png for the image',
        querystring: z.object({ format: z.enum(['json', 'png']).default('json') }),
        response: { 200: qrPayloadSchema, 404: apiErrorSchema },
      },
    }, async (request, reply) => {
      const state = sessions.state(idOf(request));
      if (!state.qrCode) {
        throw new AppError('no_qr', `No QR code is live: the session is ${state.status}.${state.status === 'stopped' || state.status === 'failed' || state.status === 'logged_out' ? ' Start it to get a QR code.' : ''}`);
      }
      reply.header('Cache-Control', 'no-store');
      if (request.query.format === 'png') {
        const png = Buffer.from(state.qrCode.slice(state.qrCode.indexOf(',') + 1), 'base64');
        // Buffers skip the JSON serializer; the cast only satisfies the JSON response type.
        return reply.type('image/png').send(png as unknown as { qr: string; expiresAt: string | null });
      }
      return { qr: state.qrCode, expiresAt: state.qrExpiresAt };
    });

    for (const command of COMMANDS) {
      app.post(`${scope.prefix}/${command}`, {
        config: { role: 'admin' },
        schema: { ...base, summary: COMMAND_SUMMARY[command], response: { 200: sessionStateSchema, 404: apiErrorSchema, 409: apiErrorSchema } },
      }, async (request) => sessions.command(idOf(request), command));
    }

    app.post(`${scope.prefix}/restriction/lift`, {
      // Any user: "Resume anyway" on a campaign paused for the restriction does the same.
      schema: {
        ...base,
        summary: 'Lift the restriction WhatsApp put on the number (after error 463): sending may go on',
        response: { 200: sessionStateSchema, 404: apiErrorSchema },
      },
    }, async (request) => visibleState(request, await sessions.liftRestriction(idOf(request))));

    app.post(`${scope.prefix}/pairing-code`, {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: 'Link by pairing code instead of QR: the code appears in the state as pairingCode',
        body: pairingCodeRequestSchema,
        response: { 200: sessionStateSchema, 400: apiErrorSchema, 409: apiErrorSchema },
      },
    }, async (request) => {
      const phone = normalizePhone(request.body.phoneNumber, defaultCountry);
      return sessions.requestPairingCode(idOf(request), phone.digits);
    });

    app.get(`${scope.prefix}/transitions`, {
      schema: {
        ...base,
        summary: 'Recent status changes with their reasons, newest first',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ items: z.array(sessionTransitionSchema) }) },
      },
    }, async (request) => {
      const id = idOf(request);
      sessions.state(id);
      return { items: await repository.listTransitions(id, request.query.limit) };
    });
  }

  app.get('/api/sessions', {
    schema: { tags: ['sessions'], summary: 'Every session and its state', response: { 200: z.object({ items: z.array(sessionStateSchema) }) } },
  }, async (request) => ({ items: sessions.states().map((state) => visibleState(request, state)) }));

  app.post('/api/sessions', {
    config: { role: 'admin' },
    schema: {
      tags: ['sessions'],
      summary: 'Create another session (another WhatsApp number); start it separately',
      body: z.object({ id: sessionIdSchema }),
      response: { 201: sessionStateSchema, 409: apiErrorSchema },
    },
  }, async (request, reply) => {
    if (sessions.has(request.body.id)) throw new AppError('duplicate', `A session named "${request.body.id}" already exists.`);
    return reply.status(201).send(await sessions.create(request.body.id));
  });
};
