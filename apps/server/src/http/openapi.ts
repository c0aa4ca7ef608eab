import { z } from 'zod';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import {
  apiErrorSchema,
  campaignReportSchema,
  campaignSchema,
  campaignStatusSchema,
  importResultSchema,
  messageSchema,
  qrPayloadSchema,
  rangeReportSchema,
  recipientSchema,
  recipientStatusSchema,
  sessionStateSchema,
  sessionTransitionSchema,
  suppressionSchema,
} from '@wasla/protocol';
import { apiKeySchema, roleSchema, userSchema } from '../modules/auth/routes.js';

/**
 * The shapes many routes share, by the name a generated client gives their type. Each
 * is written once under `components.schemas` and referenced from every route.
 */
const NAMED_SCHEMAS: Record<string, z.ZodType> = {
  ApiError: apiErrorSchema,
  SessionState: sessionStateSchema,
  SessionTransition: sessionTransitionSchema,
  QrCode: qrPayloadSchema,
  Message: messageSchema,
  Campaign: campaignSchema,
  CampaignStatus: campaignStatusSchema,
  CampaignReport: campaignReportSchema,
  RangeReport: rangeReportSchema,
  Recipient: recipientSchema,
  RecipientStatus: recipientStatusSchema,
  ImportResult: importResultSchema,
  Suppression: suppressionSchema,
  User: userSchema,
  Role: roleSchema,
  ApiKey: apiKeySchema,
};

// zod's global registry is what fastify-type-provider-zod turns into components; an app
// built twice in one process (tests) finds its names there already.
for (const [id, schema] of Object.entries(NAMED_SCHEMAS)) {
  if (!z.globalRegistry.has(schema)) z.globalRegistry.add(schema, { id });
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `GET /api/campaigns/:id/report.csv` → `getCampaignsByIdReportCsv`: unique, stable, readable. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .split('/')
    .filter((segment) => segment && segment !== 'api')
    .flatMap((segment) => (segment.startsWith(':') ? ['by', segment.slice(1)] : segment.split(/[^A-Za-z0-9]+/)))
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1));
  return `${method.toLowerCase()}${words.join('')}`;
}

type Transform = NonNullable<FastifyDynamicSwaggerOptions['transform']>;
type TransformInput = Parameters<Transform>[0];

/**
 * fastify-type-provider-zod's transform, plus what every operation should say: an
 * `operationId`, and the 401 / 403 answers the auth guard gives (routes are default-deny:
 * every route but the public ones can answer 401; admin routes, and cookie callers
 * changing something from another origin, 403).
 */
const transform: Transform = (input: TransformInput) => {
  const { schema, route } = input;
  if (!schema || schema.hide) return jsonSchemaTransform(input);
  const config = (route.config ?? {}) as { public?: boolean; role?: string };
  const method = [route.method].flat()[0] ?? 'GET';
  const response = { ...(schema.response as Record<string, unknown> | undefined) };
  if (!config.public) {
    response[401] ??= apiErrorSchema;
    if (config.role === 'admin' || UNSAFE_METHODS.has(method)) response[403] ??= apiErrorSchema;
  }
  const withAnswers = { ...schema, response, operationId: (schema as { operationId?: string }).operationId ?? operationIdOf(method, route.url) };
  return jsonSchemaTransform({ ...input, schema: withAnswers });
};

type TransformObject = NonNullable<FastifyDynamicSwaggerOptions['transformObject']>;

/**
 * Components from the zod registry, less the ones nothing refers to: each named shape is
 * registered for reading and for writing (`UserInput`), and most are only ever read.
 */
const transformObject: TransformObject = (input) => {
  const document = jsonSchemaTransformObject(input) as { components?: { schemas?: Record<string, unknown> } };
  const schemas = document.components?.schemas;
  if (!schemas) return document as ReturnType<TransformObject>;
  const referenced = (name: string): boolean => {
    const { components, ...rest } = document;
    const others = { ...components, schemas: Object.fromEntries(Object.entries(schemas).filter(([other]) => other !== name)) };
    return JSON.stringify({ ...rest, components: others }).includes(`"#/components/schemas/${name}"`);
  };
  // Until nothing changes: dropping one may leave another that only it referred to.
  for (let dropped = true; dropped; ) {
    dropped = false;
    for (const name of Object.keys(schemas)) {
      if (name.endsWith('Input') && !referenced(name)) {
        delete schemas[name];
        dropped = true;
      }
    }
  }
  return document as ReturnType<TransformObject>;
};

/** The @fastify/swagger options: the document's header, security, and the transforms above. */
export const openApiOptions: FastifyDynamicSwaggerOptions = {
  openapi: {
    // 3.1: a nullable shared schema is `anyOf [$ref, null]`, which 3.0 can't say beside a $ref.
    openapi: '3.1.0',
    info: {
      title: 'Wasla API',
      version: '1.0.0',
      description: 'WhatsApp sessions, messages and campaigns. Authenticate with the login cookie or an X-Api-Key header.',
    },
    servers: [{ url: '/', description: 'This Wasla server' }],
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'wasla_session' },
      },
    },
    security: [{ apiKey: [] }, { cookie: [] }],
  },
  transform,
  transformObject,
};
