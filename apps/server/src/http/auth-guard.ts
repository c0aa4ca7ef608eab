import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors/app-error.js';
import { API_KEY_HEADER, SESSION_COOKIE } from '../modules/auth/service.js';
import type { AuthService, Credential } from '../modules/auth/service.js';
import type { Principal, Role } from '../modules/auth/principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Answers without authentication: login, health, the dashboard's files. Every other route needs a caller. */
    public?: boolean;
    /** The role a caller needs; any authenticated caller when unset. */
    role?: Role;
    /**
     * A page people open in a browser (the API docs): a logged-out visit is sent to the
     * login page, which comes back to this path afterwards, instead of a JSON 401.
     */
    loginReturnsTo?: string;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads a single cookie from a raw header (the WebSocket upgrade has no Fastify request).
 * A value that isn't valid percent-encoding is no credential at all, not a crash.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index <= 0 || part.slice(0, index).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(index + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The origins a browser may call the API from: the server's own, and PUBLIC_ORIGIN. */
export function makeOriginCheck(publicOrigin: string | null): (request: IncomingMessage) => boolean {
  const allowed = publicOrigin ? new URL(publicOrigin).origin : null;
  return (request) => {
    const origin = headerValue(request.headers.origin) ?? refererOrigin(headerValue(request.headers.referer));
    if (!origin) return false;
    if (allowed && origin === allowed) return true;
    const host = headerValue(request.headers.host);
    try {
      return host !== undefined && new URL(origin).host === host;
    } catch {
      return false;
    }
  };
}

function refererOrigin(referer: string | undefined): string | undefined {
  try {
    return referer ? new URL(referer).origin : undefined;
  } catch {
    return undefined;
  }
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * The credential a request presents: an API key (the `X-Api-Key` header, or
 * `Authorization: Bearer` for tools such as Prometheus) wins over the login cookie.
 */
export function credentialOf(request: IncomingMessage): Credential | null {
  const apiKey = headerValue(request.headers[API_KEY_HEADER]) ?? BEARER.exec(headerValue(request.headers.authorization) ?? '')?.[1];
  if (apiKey) return { kind: 'api_key', token: apiKey };
  const cookie = readCookie(headerValue(request.headers.cookie), SESSION_COOKIE);
  return cookie ? { kind: 'cookie', token: cookie } : null;
}

/** Who is calling, from an API key or the login cookie, with the credential they used. */
export async function authenticateRaw(auth: AuthService, request: IncomingMessage): Promise<{ principal: Principal; credential: Credential } | null> {
  const credential = credentialOf(request);
  if (!credential) return null;
  const principal = await auth.principalFor(credential);
  return principal ? { principal, credential } : null;
}

/**
 * Default deny, decided by the route Fastify matched — never by the URL's text, which
 * has many spellings (`/%61pi/users` is `/api/users` to the router). Every route needs
 * an authenticated caller unless its own options say `public`; `role` routes need that
 * role; cookie callers changing state must come from our own origin (CSRF). A request
 * that matched no route is answered 404 by the not-found handler, which reveals nothing.
 */
export function registerAuthGuard(app: FastifyInstance, auth: AuthService, publicOrigin: string | null): void {
  const originAllowed = makeOriginCheck(publicOrigin);
  app.decorateRequest('principal', null);

  /** Admits a known caller, or says why not. */
  const admit = (request: FastifyRequest, credential: Credential, principal: Principal | null): AppError | undefined => {
    if (!principal) return UNAUTHENTICATED();
    if (credential.kind === 'cookie' && UNSAFE_METHODS.has(request.method) && !originAllowed(request.raw)) {
      return new AppError('csrf_rejected', 'This request did not come from the Wasla dashboard (Origin mismatch).');
    }
    request.principal = principal;
    if (request.routeOptions.config.role === 'admin' && principal.role !== 'admin') {
      return new AppError('forbidden', 'Only an admin may do this.');
    }
    return undefined;
  };

  // Callback style with a synchronous path for a caller seen a moment ago: the
  // dashboard's poll then costs no promise and no database read.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.is404 || request.routeOptions.config.public === true) return done();
    const credential = credentialOf(request.raw);
    const decide = (refusal: AppError | undefined): void => {
      const returnTo = request.routeOptions.config.loginReturnsTo;
      if (refusal?.code === 'unauthenticated' && returnTo && wantsPage(request)) {
        // Answered here: no done(), as Fastify asks of a hook that replies.
        void reply.redirect(`/login/?next=${encodeURIComponent(returnTo)}`, 303);
        return;
      }
      done(refusal);
    };
    if (!credential) return decide(UNAUTHENTICATED());
    const cached = auth.cachedPrincipal(credential);
    if (cached) return decide(admit(request, credential, cached));
    auth.principalFor(credential).then((principal) => decide(admit(request, credential, principal)), done);
  });
}

/** A browser opening a page (not a script fetching JSON): a GET that accepts HTML. */
function wantsPage(request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && (headerValue(request.headers.accept) ?? '').includes('text/html');
}

const UNAUTHENTICATED = (): AppError => new AppError('unauthenticated', 'Log in or send an API key (X-Api-Key) to use the API.');
