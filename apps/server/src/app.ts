import { randomUUID } from 'node:crypto';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { AppConfig } from './config/config.js';
import { createLogger } from './logger.js';
import { frameworkErrors, registerErrorHandling } from './http/error-handler.js';
import { docsPolicy, registerDocumentHeaders, registerSecurityHeaders } from './http/security-headers.js';
import { registerWebApp } from './http/web-app.js';
import type { NotFoundPage } from './http/web-app.js';
import { registerStorableTextGuard } from './http/storable-text.js';
import { openApiOptions } from './http/openapi.js';
import { authenticateRaw, makeOriginCheck, registerAuthGuard } from './http/auth-guard.js';
import { openStorage } from './storage/db.js';
import type { Storage } from './storage/db.js';
import { WaAuthRepository } from './storage/wa-auth-repository.js';
import { WaRetryRepository } from './storage/wa-retry-repository.js';
import { createBaileysProvider } from './whatsapp/baileys-adapter.js';
import type { EventBus } from './events/events.js';
import { InProcessEventBus } from './events/in-process.js';
import type { SentMessageLookup, WhatsAppAuthRepository, WhatsAppProvider, WhatsAppRetryCountRepository } from './whatsapp/provider.js';
import { SessionService } from './modules/sessions/service.js';
import { SessionsRepository } from './modules/sessions/repository.js';
import { sessionRoutes } from './modules/sessions/routes.js';
import { MessagesRepository } from './modules/messages/repository.js';
import { IncomingMessages } from './modules/messages/inbound.js';
import { InboundStore } from './modules/messages/inbound-store.js';
import { MessageService } from './modules/messages/service.js';
import { messageRoutes } from './modules/messages/routes.js';
import { CampaignsRepository } from './modules/campaigns/repository.js';
import { RecipientsRepository } from './modules/campaigns/recipients-repository.js';
import { OutboxStore } from './modules/campaigns/outbox-store.js';
import { CampaignService } from './modules/campaigns/service.js';
import { campaignRoutes } from './modules/campaigns/routes.js';
import { SuppressionsRepository } from './modules/suppressions/repository.js';
import { suppressionRoutes } from './modules/suppressions/routes.js';
import { UsersRepository } from './modules/users/repository.js';
import { AuthRepository } from './modules/auth/repository.js';
import { AuthService } from './modules/auth/service.js';
import { memoryAttemptLimiters } from './modules/auth/attempts.js';
import type { AttemptLimiters } from './modules/auth/attempts.js';
import { RedisAttemptLimiters } from './modules/auth/redis-attempts.js';
import { authRoutes } from './modules/auth/routes.js';
import { Registry } from 'prom-client';
import { createMetrics } from './modules/health/metrics.js';
import { createClusterMetrics } from './modules/health/cluster-metrics.js';
import type { AppMetrics } from './modules/health/metrics.js';
import { unfinishedCampaigns } from './modules/health/campaign-outcomes.js';
import type { ReadinessCheck } from './modules/health/readiness.js';
import { healthRoutes } from './modules/health/routes.js';
import { WsHub } from './ws/hub.js';
import { clusterRoutes, singleProcessView } from './cluster/routes.js';
import { ClusterNode } from './cluster/node.js';
import { LocalRouter } from './cluster/owner-router.js';
import { NO_FENCE } from './cluster/fence.js';

/** Replaceable parts, for tests and other deployments. */
export interface AppDeps {
  logger?: Logger;
  storage?: Storage;
  /** Builds the WhatsApp provider; Baileys by default. */
  whatsapp?: (input: {
    repository: WhatsAppAuthRepository;
    sentMessages: SentMessageLookup;
    retryCounts: WhatsAppRetryCountRepository;
    logger: Logger;
  }) => WhatsAppProvider;
  /** Server heartbeat interval for `/ws` (tests shorten it). */
  wsHeartbeatMs?: number;
  /** How long the outbox waits for WhatsApp's ack of a campaign message (tests shorten it). */
  outboxAckTimeoutMs?: number;
  /** The event bus; in-process by default. */
  bus?: EventBus;
  /**
   * With Redis (cluster mode): whether it is reachable now, for `/readyz` — e.g.
   * `() => bus.connected` of a `RedisEventBus`. Returning false or rejecting means not.
   */
  redisReachable?: () => boolean | Promise<void>;
  /**
   * Where failed password guesses are counted. By default this process's memory, or
   * Redis when `REDIS_URL` is set (cluster mode), so every instance sees the same count.
   */
  attempts?: AttemptLimiters;
}

export interface WaslaApp {
  http: FastifyInstance;
  sessions: SessionService;
  auth: AuthService;
  messages: MessageService;
  campaigns: CampaignService;
  bus: EventBus;
  storage: Storage;
  ws: WsHub;
  /** The Prometheus registry behind `/metrics`, and what the cluster's wiring feeds it. */
  metrics: AppMetrics;
  /** Every route registered (method and URL), e.g. for the test that walks them all. */
  routes: { method: string; url: string }[];
  /** Changes on every start; orders states across restarts. */
  epoch: number;
  /** Boots the sessions that should run and starts listening; resolves with the address. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** Builds the whole server without listening, so tests run the real thing on port 0. */
export async function buildApp(config: AppConfig, deps: AppDeps = {}): Promise<WaslaApp> {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const storage = deps.storage ?? (await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger }));
  const epoch = Date.now();
  const registry = new Registry();
  const clusterMetrics = createClusterMetrics(registry);
  // Cluster mode: the keeper hands this instance its sessions; the services take them up
  // and let them go (the listener runs only once `listen` joined the cluster).
  const cluster: ClusterNode | null = config.cluster
    ? await ClusterNode.connect({
        config: config.cluster,
        storage,
        logger,
        sessionsToRun: async (): Promise<string[]> => (await sessionsRepository.list()).filter((record) => record.desiredState === 'running').map((record) => record.id),
        sessions: {
          acquired: async (sessionId, lease) => {
            await sessions.adopt(sessionId, lease.token);
            // Counted from here on (the last owner counted until now), so what recovery changes is counted once.
            await metrics.campaignOutcomes.follow(sessionId);
            // What the last owner left unfinished is settled before anything is sent again.
            await messages.recoverInterrupted([sessionId]);
            await campaigns.adopt(sessionId);
            await sessions.resume(sessionId);
          },
          lost: async (sessionId) => {
            sessions.abandon(sessionId);
            await campaigns.drop(sessionId);
          },
          releasing: async (sessionId) => {
            await campaigns.drop(sessionId);
            await sessions.release(sessionId);
          },
        },
        onResync: () => {
          auth.forgetCachedPrincipals();
          void sessions.reread().then(
            (moved) => {
              for (const state of moved) cluster?.bus.deliverHere('session_update', state);
            },
            (error: unknown) => logger.error({ err: error }, 'could not read the sessions again after Redis came back'),
          );
        },
        metrics: clusterMetrics,
      })
    : null;
  const bus = deps.bus ?? cluster?.bus ?? new InProcessEventBus(logger);
  const router = cluster?.router ?? new LocalRouter();
  const fence = cluster?.fence ?? NO_FENCE;

  const waAuth = new WaAuthRepository(storage.db, undefined, fence);
  const messagesRepository = new MessagesRepository(storage.db);
  const whatsappStores = { repository: waAuth, sentMessages: messagesRepository, retryCounts: new WaRetryRepository(storage.db), logger };
  const provider = deps.whatsapp
    ? deps.whatsapp(whatsappStores)
    : createBaileysProvider({
        serverUrl: config.whatsapp.serverUrl,
        certPublicKey: config.whatsapp.certPublicKey,
        qrTimeoutMs: config.whatsapp.qrTimeoutMs,
        ...whatsappStores,
      });

  const sessionsRepository = new SessionsRepository(storage.db, undefined, fence);
  // The sessions publish what WhatsApp says on the bus (receipts, incoming messages, LID
  // mappings); the services below subscribe to it, so each is built once, in order.
  const sessions = new SessionService({
    provider,
    repository: sessionsRepository,
    bus,
    router,
    logger,
    backoff: config.whatsapp.backoff,
    epoch,
    adoptedOnly: cluster !== null,
  });
  const incoming = new IncomingMessages({ store: new InboundStore(storage.db), bus, logger, sessions });
  const suppressions = new SuppressionsRepository(storage.db);
  const messages = new MessageService({ repository: messagesRepository, suppressions, sessions, router, bus, logger, defaultCountry: config.defaultCountry });
  const campaignsRepository = new CampaignsRepository(storage.db);
  const recipients = new RecipientsRepository(storage.db);
  const campaigns = new CampaignService({
    repository: campaignsRepository,
    recipients,
    store: new OutboxStore(storage.db, fence),
    suppressions,
    sessions,
    messages,
    router,
    bus,
    logger,
    defaultCountry: config.defaultCountry,
    ...(deps.outboxAckTimeoutMs ? { ackTimeoutMs: deps.outboxAckTimeoutMs } : {}),
  });
  // Failed guesses are counted where every instance sees them; one process counts alone.
  const sharedAttempts = !deps.attempts && config.cluster ? new RedisAttemptLimiters({ url: config.cluster.redisUrl, instanceId: config.cluster.instanceId, logger }) : null;
  const attempts = deps.attempts ?? sharedAttempts?.limiters ?? memoryAttemptLimiters;
  const auth = new AuthService({ users: new UsersRepository(storage.db), repository: new AuthRepository(storage.db), sessionTtlMs: config.auth.sessionTtlMs, logger, bus, attempts });
  await auth.ensureInitialAdmin(config.initialAdmin);
  // Read by the gauges at each scrape only, so the WebSocket hub built below is there by then.
  const metrics = createMetrics({
    registry,
    cluster: clusterMetrics,
    bus,
    sessions,
    wsClients: () => ws.size,
    unfinishedCampaigns: unfinishedCampaigns(campaignsRepository, recipients),
    ...(cluster ? { ownsSession: (sessionId: string) => sessions.runsHere(sessionId) } : {}),
  });

  const http = Fastify({
    // pino's Logger is Fastify's logger; the cast only narrows the generic parameter.
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    bodyLimit: 256 * 1024,
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: metrics.http.measured(frameworkErrors),
    // Only the proxies named in TRUST_PROXY may say who the client is (X-Forwarded-For):
    // request.ip — and with it the login limit per address — is then the person, not the proxy.
    trustProxy: config.http.trustProxy.length > 0 ? [...config.http.trustProxy] : false,
    // Slow-header and slow-body clients are cut off (Node checks open connections each second).
    requestTimeout: config.http.requestTimeoutMs,
    http: { headersTimeout: config.http.headersTimeoutMs, connectionsCheckingInterval: Math.min(1000, config.http.headersTimeoutMs) },
  });
  // First, so every route and the not-found handler are measured.
  metrics.http.register(http);
  const routes: { method: string; url: string }[] = [];
  http.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  http.setValidatorCompiler(validatorCompiler);
  http.setSerializerCompiler(serializerCompiler);
  let notFoundPage: NotFoundPage | null = null;
  registerErrorHandling(http, { notFoundPage: () => notFoundPage });
  registerSecurityHeaders(http, { https: config.auth.cookieSecure });
  // In a cluster, requests are counted in Redis, so a client is limited however the load balancer spreads it.
  await http.register(rateLimit, { global: false, ...(cluster ? { redis: cluster.limits, nameSpace: 'wasla:rate:', skipOnError: true } : {}) });
  await http.register(swagger, openApiOptions);
  await http.register(async (docs) => {
    registerDocumentHeaders(docs);
    // Logged out, a browser is sent to the login page and brought back here afterwards.
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, loginReturnsTo: '/api/docs' };
    });
    await docs.register(swaggerUi, {
      routePrefix: '/api/docs',
      // No request to swagger.io's validator: the page talks to this server only.
      uiConfig: { validatorUrl: null },
      // The dashboard's document policy, with swagger-ui's own script hashes. Its default
      // policy blocks the inline styles swagger-ui sets itself (a console error per panel)
      // and asks for upgrade-insecure-requests, which breaks a plain-HTTP install.
      staticCSP: true,
      transformStaticCSP: docsPolicy,
    });
  });
  registerAuthGuard(http, auth, config.publicOrigin);
  registerStorableTextGuard(http);

  const ws = new WsHub({
    bus,
    sessions,
    logger,
    authenticate: (request) => authenticateRaw(auth, request),
    credentials: auth,
    originAllowed: makeOriginCheck(config.publicOrigin),
    maxClients: config.ws.maxClients,
    maxClientsPerCaller: config.ws.maxClientsPerUser,
    ...(deps.wsHeartbeatMs ? { heartbeatMs: deps.wsHeartbeatMs } : {}),
  });
  http.server.on('upgrade', (request, socket, head) => {
    if (request.url === '/ws' || request.url?.startsWith('/ws?')) ws.handleUpgrade(request, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });

  let closing: Promise<void> | null = null;
  const readinessChecks: ReadinessCheck[] = [{ name: 'database', probe: () => storage.ping() }];
  const redisReachable = deps.redisReachable ?? (cluster ? () => cluster.bus.connected : undefined);
  if (redisReachable) readinessChecks.push({ name: 'redis', probe: redisReachable });
  await http.register(healthRoutes, { checks: readinessChecks, closing: () => closing !== null, metrics: metrics.registry });
  await http.register(authRoutes, { auth, cookieSecure: config.auth.cookieSecure, loginRateLimit: config.auth.loginRateLimit });
  await http.register(sessionRoutes, { sessions, repository: sessionsRepository, defaultCountry: config.defaultCountry });
  const startedAt = new Date();
  await http.register(clusterRoutes, {
    view: cluster?.view ?? singleProcessView({ address: () => listenAddress(http), sessions: () => sessions.ids(), startedAt }),
  });
  await http.register(messageRoutes, { messages });
  await http.register(campaignRoutes, { campaigns, repository: campaignsRepository, recipients, messages: messagesRepository });
  await http.register(suppressionRoutes, { suppressions, defaultCountry: config.defaultCountry });
  notFoundPage = await registerWebApp(http, config.webDir);
  if (!notFoundPage) logger.warn({ webDir: config.webDir }, 'the dashboard is not built (npm run build): serving the API only');
  await sessions.boot(false);
  // Before the campaigns recover what a stop interrupted, so what recovery changes is counted.
  await metrics.campaignOutcomes.follow();
  if (cluster) {
    // Each session's campaigns and messages are settled when this instance takes it (above).
    campaigns.follow();
  } else {
    await campaigns.boot();
    await messages.recoverInterrupted();
  }

  return {
    http,
    sessions,
    auth,
    messages,
    campaigns,
    bus,
    storage,
    ws,
    metrics,
    routes,
    epoch,
    async listen() {
      const address = await http.listen({ port: config.port, host: config.host });
      if (cluster) await cluster.start(listenAddress(http));
      else if (config.whatsapp.autostart) await sessions.boot(true);
      return address;
    },
    close() {
      closing ??= closeInOrder([
        () => ws.close(),
        // Every session handed to another instance before anything here stops.
        async () => cluster?.leave(),
        () => campaigns.close(),
        () => sessions.shutdown(),
        async () => {
          incoming.close();
          messages.close();
          metrics.campaignOutcomes.close();
        },
        () => http.close(),
        async () => sharedAttempts?.close(),
        async () => cluster?.close(),
        () => storage.close(),
      ]);
      return closing;
    },
  };
}

/** host:port the server listens on (before it does: the configured port). */
function listenAddress(http: FastifyInstance): string {
  const address = http.server.address();
  if (address && typeof address === 'object') return `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return typeof address === 'string' ? address : 'not listening';
}

/** Runs every step even when one fails, so a failed step leaves no socket, timer or pool open; then throws the first failure. */
async function closeInOrder(steps: (() => Promise<unknown>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) await step().catch((error: unknown) => failures.push(error));
  if (failures.length) throw failures[0];
}
