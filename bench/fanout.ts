// Fan-out: how long one session change takes to reach every subscribed WebSocket client.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { ServerChild, percentile } from './child.js';
import type { ServerKind } from './servers.js';

export interface FanOutResult {
  kind: ServerKind;
  clients: number;
  p50: number;
  p99: number;
  /** Median over changes of the time until the last client had it. */
  allMedian: number;
  /** Client deliveries per second while fanning out (clients / time-to-all). */
  deliveriesPerSecond: number;
  bytesPerConnection: number;
}

const wallNow = (): number => performance.timeOrigin + performance.now();
const CHANGES = 15;

/** Arrival times of one change, and who to tell once every client has it. */
interface Change {
  times: number[];
  done: () => void;
}

async function connectAll(port: number, cookie: string | null, count: number, arrivals: Map<number, Change>): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  const batch = 250;
  for (let start = 0; start < count; start += batch) {
    const opened = Array.from({ length: Math.min(batch, count - start) }, () =>
      new Promise<WebSocket>((resolve, reject) => {
        // As a browser would: the login cookie and the page's Origin.
        const headers: Record<string, string> = cookie ? { cookie, origin: `http://127.0.0.1:${port}` } : {};
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers, perMessageDeflate: false });
        let subscribed = false;
        ws.on('message', (data) => {
          if (!subscribed) {
            subscribed = true;
            return resolve(ws);
          }
          // Only the rev is read; parsing is the same cost for both servers.
          const text = data.toString();
          const at = wallNow();
          const match = /"rev":(\d+)/.exec(text);
          const change = match ? arrivals.get(Number(match[1])) : undefined;
          if (!change) return;
          change.times.push(at);
          if (change.times.length === count) change.done();
        });
        ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', events: ['session_update'] })));
        ws.once('error', reject);
        ws.once('close', (code) => {
          if (!subscribed) reject(new Error(`the server closed a subscriber with ${code}`));
        });
      }),
    );
    sockets.push(...(await Promise.all(opened)));
  }
  return sockets;
}

export async function fanOut(kind: ServerKind, clients: number): Promise<FanOutResult> {
  const server = await ServerChild.start(kind);
  const arrivals = new Map<number, Change>();
  try {
    const before = await server.request({ cmd: 'memory' }, 'memory');
    const sockets = await connectAll(server.port, server.cookie, clients, arrivals);
    const after = await server.request({ cmd: 'memory' }, 'memory');
    if (after.clients !== clients) throw new Error(`${kind}: ${after.clients} of ${clients} clients connected`);
    const latencies: number[] = [];
    const toAll: number[] = [];
    for (let id = 1; id <= CHANGES + 2; id += 1) {
      const times: number[] = [];
      const all = new Promise<void>((resolve) => arrivals.set(id, { times, done: resolve }));
      const { t0 } = await server.request({ cmd: 'change', id }, 'changed');
      await all;
      if (id <= 2) continue; // warm-up
      for (const at of times) latencies.push(at - t0);
      toAll.push(Math.max(...times) - t0);
    }
    for (const ws of sockets) ws.terminate();
    latencies.sort((a, b) => a - b);
    toAll.sort((a, b) => a - b);
    const allMedian = percentile(toAll, 50);
    return {
      kind,
      clients,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      allMedian,
      deliveriesPerSecond: clients / (allMedian / 1000),
      bytesPerConnection: (after.rss - before.rss) / clients,
    };
  } finally {
    await server.stop();
  }
}
