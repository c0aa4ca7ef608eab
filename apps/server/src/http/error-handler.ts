import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NotFoundPage } from './web-app.js';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, ERROR_STATUS } from '../errors/app-error.js';
import type { ErrorCode } from '../errors/app-error.js';

/** Fastify's own error codes that are the caller's fault, in our words. */
const FASTIFY_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', message: 'Send the body as application/json.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'The request body is too large.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'bad_request', message: 'The request body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'bad_request', message: 'The request body is empty; send a JSON object.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'bad_request', message: 'The Content-Length does not match the body.' },
  FST_ERR_BAD_STATUS_CODE: { code: 'internal', message: 'Something went wrong.' },
};

/**
 * One place that turns every error into `{ error: { code, message, requestId } }`.
 * A browser asking for a page that doesn't exist gets the dashboard's 404 page instead.
 */
export function registerErrorHandling(app: FastifyInstance, options: { notFoundPage?: () => NotFoundPage | null } = {}): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const requestId = request.id;
    if (error instanceof AppError) {
      if (error.statusCode >= 500) request.log.error({ err: error }, error.message);
      return reply.status(error.statusCode).send({ error: { code: error.code, message: error.message, requestId, details: error.details } });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = error.validation.map((issue) => ({ path: issue.instancePath || '/', message: issue.message }));
      const first = details[0];
      const message = first ? `Invalid request: ${first.path} ${first.message}` : 'Invalid request.';
      return reply.status(400).send({ error: { code: 'validation_failed', message, requestId, details } });
    }
    if (error.statusCode === 429) {
      return reply.status(429).send({ error: { code: 'rate_limited', message: 'Too many attempts. Wait a minute and try again.', requestId } });
    }
    const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
    if (known) {
      return reply.status(ERROR_STATUS[known.code]).send({ error: { code: known.code, message: known.message, requestId } });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error: { code: 'bad_request', message: 'The request could not be understood.', requestId } });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal', message: 'Something went wrong on our side.', requestId } });
  });

  app.setNotFoundHandler((request, reply) => {
    const page = options.notFoundPage?.();
    const wantsPage = request.method === 'GET' && !request.url.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html');
    if (page && wantsPage) return page(reply);
    return reply.status(404).send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.`, requestId: request.id } });
  });
}

/**
 * Errors the router raises before any hook runs (a path with bad percent-encoding, a
 * parameter past its length): the same body shape as every other error, and no echo of
 * the path. Nothing is authenticated here because nothing is answered but the refusal.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A part of the address is too long.' : 'The address is not valid (bad percent-encoding).';
  void reply.status(400).header('x-content-type-options', 'nosniff').send({ error: { code: 'bad_request', message, requestId: request.id } });
}
