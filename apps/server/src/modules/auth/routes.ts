import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import cookie from '@fastify/cookie';
import { z } from 'zod';
import { apiErrorSchema } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import { readCookie } from '../../http/auth-guard.js';
import { SESSION_COOKIE } from './service.js';
import type { AuthService } from './service.js';
import { PASSWORD_MAX_LENGTH } from './password-policy.js';

export const roleSchema = z.enum(['admin', 'operator']);
export const localeSchema = z.enum(['en', 'ar']);
export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  locale: localeSchema,
  createdAt: z.string(),
});
export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: roleSchema,
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
// Length and strength are checked by the password policy, which explains what is wrong.
const passwordSchema = z.string().min(1).max(PASSWORD_MAX_LENGTH);


export interface AuthRoutesOptions {
  auth: AuthService;
  cookieSecure: boolean;
  loginRateLimit: number;
}


export const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, { auth, cookieSecure, loginRateLimit }) => {
  // Only these routes set cookies: registered here, the plugin's onSend hook stays off
  // every other answer. Reading the cookie is the auth guard's job (no parsing hook).
  await app.register(cookie, { hook: false });

  app.post('/api/auth/login', {
    config: { public: true, rateLimit: { max: loginRateLimit, timeWindow: '1 minute' } },
    schema: {
      tags: ['auth'],
      summary: 'Log in; sets an httpOnly session cookie',
      security: [],
      body: z.object({ email: z.string().trim().min(3).max(254), password: z.string().min(1).max(200) }),
      response: { 200: z.object({ user: userSchema }), 401: apiErrorSchema, 429: apiErrorSchema },
    },
  }, async (request, reply) => {
    const { token, expiresAt, user } = await auth.login(request.body.email, request.body.password);
    reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: cookieSecure, path: '/', expires: expiresAt });
    return { user };
  });

  // Public so the login page can tell a first-time user how to create the first admin.
  // It says whether any user exists, nothing more: no count, no names.
  app.get('/api/auth/setup', {
    config: { public: true, rateLimit: { max: 60, timeWindow: '1 minute' } },
    schema: {
      tags: ['auth'],
      summary: 'Whether Wasla still needs its first admin (public; says nothing else)',
      security: [],
      response: { 200: z.object({ needsFirstAdmin: z.boolean() }), 429: apiErrorSchema },
    },
  }, async () => ({ needsFirstAdmin: !(await auth.hasUsers()) }));

  app.post('/api/auth/logout', {
    schema: { tags: ['auth'], summary: 'Log out (ends this login session)', response: { 204: z.undefined() } },
  }, async (request, reply) => {
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (token) await auth.logout(token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/auth/me', {
    schema: {
      tags: ['auth'],
      summary: 'Who is calling',
      response: { 200: z.object({ kind: z.enum(['user', 'api_key']), role: roleSchema, name: z.string(), user: userSchema.nullable() }) },
    },
  }, async (request) => {
    const principal = request.principal!;
    const user = principal.kind === 'user' ? await auth.getUser(principal.id) : null;
    return { kind: principal.kind, role: principal.role, name: principal.name, user };
  });

  app.patch('/api/auth/me', {
    schema: {
      tags: ['auth'],
      summary: 'Change your language or password (wrong current passwords are limited per user; a new password ends your other logins)',
      body: z.object({ locale: localeSchema.optional(), currentPassword: z.string().max(200).optional(), newPassword: passwordSchema.optional() }),
      response: { 200: userSchema, 400: apiErrorSchema, 401: apiErrorSchema, 429: apiErrorSchema },
    },
  }, async (request) => {
    const principal = request.principal!;
    if (principal.kind !== 'user') throw new AppError('forbidden', 'API keys have no profile.');
    return auth.updateProfile(principal.id, readCookie(request.headers.cookie, SESSION_COOKIE) ?? null, request.body);
  });

  app.get('/api/users', {
    config: { role: 'admin' },
    schema: { tags: ['users'], summary: 'Every user', response: { 200: z.object({ items: z.array(userSchema) }) } },
  }, async () => ({ items: await auth.listUsers() }));

  app.post('/api/users', {
    config: { role: 'admin' },
    schema: {
      tags: ['users'],
      summary: 'Create a user',
      body: z.object({ email: z.email().max(254), name: z.string().trim().min(1).max(100), password: passwordSchema, role: roleSchema, locale: localeSchema.optional() }),
      response: { 201: userSchema, 400: apiErrorSchema, 409: apiErrorSchema },
    },
  }, async (request, reply) => reply.status(201).send(await auth.createUser(request.body)));

  app.patch('/api/users/:id', {
    config: { role: 'admin' },
    schema: {
      tags: ['users'],
      summary: "Change a user's role or set a new password (ends their logins)",
      params: z.object({ id: z.string().max(100) }),
      body: z.object({ role: roleSchema.optional(), password: passwordSchema.optional() }),
      response: { 200: userSchema, 400: apiErrorSchema, 404: apiErrorSchema, 409: apiErrorSchema },
    },
  }, async (request) => auth.updateUser(request.params.id, request.principal!.userId, request.body));

  app.delete('/api/users/:id', {
    config: { role: 'admin' },
    schema: { tags: ['users'], summary: 'Delete a user', params: z.object({ id: z.string().max(100) }), response: { 204: z.undefined(), 404: apiErrorSchema, 409: apiErrorSchema } },
  }, async (request, reply) => {
    await auth.deleteUser(request.params.id, request.principal!.userId);
    return reply.status(204).send();
  });

  app.get('/api/api-keys', {
    config: { role: 'admin' },
    schema: { tags: ['api keys'], summary: 'API keys (never the keys themselves)', response: { 200: z.object({ items: z.array(apiKeySchema) }) } },
  }, async () => ({ items: await auth.listApiKeys() }));

  app.post('/api/api-keys', {
    config: { role: 'admin' },
    schema: {
      tags: ['api keys'],
      summary: 'Create an API key; the key is in this answer only',
      body: z.object({ name: z.string().trim().min(1).max(100), role: roleSchema.default('operator') }),
      response: { 201: z.object({ key: z.string(), apiKey: apiKeySchema }) },
    },
  }, async (request, reply) => {
    const created = await auth.createApiKey({ ...request.body, createdBy: request.principal!.userId });
    return reply.status(201).send(created);
  });

  app.delete('/api/api-keys/:id', {
    config: { role: 'admin' },
    schema: { tags: ['api keys'], summary: 'Revoke an API key', params: z.object({ id: z.string().max(100) }), response: { 204: z.undefined(), 404: apiErrorSchema } },
  }, async (request, reply) => {
    await auth.revokeApiKey(request.params.id);
    return reply.status(204).send();
  });
};
