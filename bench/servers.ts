// Child process for the benchmarks: runs one server (Wasla, a bare `ws` broadcaster, or a
// bare Fastify hello-world) and answers the orchestrator over IPC.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { pino } from 'pino';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { SessionState } from '@wasla/protocol';
import { loadConfig } from '../apps/server/src/config/config.js';
import { buildApp } from '../apps/server/src/app.js';

export type ServerKind = 'wasla' | 'bare-ws' | 'hello';
export type ToServer = { cmd: 'change'; id: number } | { cmd: 'memory' } | { cmd: 'stop' };
export type FromServer =
  | { event: 'listening'; port: number; cookie: string | null }
  | { event: 'changed'; id: number; t0: number }
  | { event: 'memory'; rss: number; heapUsed: number; clients: number };

const wallNow = (): number => performance.timeOrigin + performance.now();
const send = (message: FromServer): void => void process.send?.(message);
const kind = process.argv[2] as ServerKind;

function memory(clients: number): FromServer {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { event: 'memory', rss, heapUsed, clients };
}

async function startWasla(): Promise<{ onChange(id: number): void; clients(): number; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wasla-bench-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    WA_AUTOSTART: 'false',
    WS_MAX_CLIENTS: '20000',
    // Every subscriber is the one admin: the per-user cap (32 by default) would refuse the rest.
    WS_MAX_CLIENTS_PER_USER: '20000',
    WASLA_ADMIN_EMAIL: 'bench@wasla.test',
    WASLA_ADMIN_PASSWORD: 'bench password 123',
    // The guess benchmark floods logins to measure the hashing gate, not the rate limit.
    LOGIN_RATE_LIMIT: '1000000',
  });
  const app = await buildApp(config, { logger: pino({ level: 'silent' }) });
  const address = await app.listen();
  const { token } = await app.auth.login('bench@wasla.test', 'bench password 123');
  send({ event: 'listening', port: Number(new URL(address).port), cookie: `wasla_session=${token}` });
  const base: SessionState = app.sessions.state('default');
  return {
    // The change enters where the state machine's output does: the app's event bus.
    onChange(id) {
      const t0 = wallNow();
      app.bus.publish('session_update', { ...base, rev: base.rev + id, lastUpdate: new Date().toISOString() });
      send({ event: 'changed', id, t0 });
    },
    clients: () => app.ws.size,
    async stop() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startBareWs(): Promise<{ onChange(id: number): void; clients(): number; stop(): Promise<void> }> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const clients = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    // Same first answer as Wasla's subscribe, so the clients' code is identical.
    ws.on('message', () => ws.send(JSON.stringify({ type: 'session_update', rev: 0 })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  send({ event: 'listening', port: (server.address() as { port: number }).port, cookie: null });
  return {
    onChange(id) {
      const t0 = wallNow();
      const frame = JSON.stringify({ type: 'session_update', epoch: 1, rev: id, data: { sessionId: 'default', status: 'ready', rev: id, padding: 'x'.repeat(300) } });
      for (const ws of clients) ws.send(frame);
      send({ event: 'changed', id, t0 });
    },
    clients: () => clients.size,
    async stop() {
      for (const ws of clients) ws.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function startHello(): Promise<{ onChange(id: number): void; clients(): number; stop(): Promise<void> }> {
  const app = Fastify({ logger: false });
  app.get('/hello', async () => ({ hello: 'world' }));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  send({ event: 'listening', port: Number(new URL(address).port), cookie: null });
  return { onChange: () => undefined, clients: () => 0, stop: () => app.close() };
}

const server = kind === 'wasla' ? await startWasla() : kind === 'bare-ws' ? await startBareWs() : await startHello();
process.on('message', (message: ToServer) => {
  if (message.cmd === 'change') server.onChange(message.id);
  else if (message.cmd === 'memory') send(memory(server.clients()));
  else void server.stop().then(() => process.exit(0));
});
