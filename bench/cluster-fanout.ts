// Cluster fan-out: one session change reaching N WebSocket subscribers who came in through
// nginx (deploy/nginx.conf.template), spread over three instances — beside the same N on
// one instance behind the same nginx, in the same run. With three, the owner writes to its
// own third and publishes the change once on Redis; the other two write to theirs.
//
// The change is the session's stop: one `session_update` (status `stopped`) from its owner,
// asked for through nginx as the dashboard asks. Each subscriber's latency runs from the
// state's own `lastUpdate` (the owner's clock when it made the change; the same machine's
// clock the subscribers read) to its receipt. Between changes the session is started again
// (once the stopped session's lease was let go) and every subscriber sees it ready before
// the next stop.
import os from 'node:os';
import { percentile } from './child.js';
import { ClusterWorld, SESSION, until } from './cluster-world.js';
import { ClientsChild } from './ws-clients.js';
import type { ReachedChange } from './ws-clients.js';
import { startNginx } from '../apps/server/test/nginx.js';
import type { TestNginx } from '../apps/server/test/nginx.js';

const CHANGES = Number(process.env.BENCH_CLUSTER_CHANGES ?? 10);
const WARM_UP = 1;
/** The tested short TTL (apps/server/test/cluster-failover.test.ts); the default is 15 s. */
const LEASE_TTL_MS = 3000;
/** Far longer than a change takes to reach 15,000 subscribers, or the session to reconnect. */
const CHANGE_TIMEOUT_MS = 60_000;
/** Client processes: each holds a share of the subscribers. */
const CLIENT_PROCESSES = 3;

export interface ClusterFanOutResult {
  instances: number;
  clients: number;
  /** Open WebSockets on each instance, as its /metrics says. */
  perInstance: number[];
  p50: number;
  p99: number;
  /** Over the changes: the time until the last subscriber had it. */
  allMedian: number;
  allMax: number;
  loadBefore: number;
  loadAfter: number;
}

async function wsClientsOf(baseUrl: string, cookie: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`, { headers: { cookie } })).text();
  const count = /^wasla_ws_clients (\d+)/m.exec(text)?.[1];
  if (count === undefined) throw new Error(`no wasla_ws_clients in ${baseUrl}/metrics: ${text.slice(0, 200)}`);
  return Number(count);
}

/** What each instance says and last logged, for a change that never reached everyone. */
async function diagnose(world: ClusterWorld): Promise<string> {
  const parts = await Promise.all(
    world.live().map(async (server) => {
      const state = await world.state(server).catch((error: unknown) => String(error));
      return `${server.name}: ${JSON.stringify(state)}\n${server.logs.slice(-30).join('\n')}`;
    }),
  );
  return parts.join('\n\n');
}

/** Arms every client process for `status`, asks nginx for `command`, resolves once every subscriber has the change. */
async function change(world: ClusterWorld, children: ClientsChild[], nginx: TestNginx, command: 'stop' | 'start', status: string): Promise<ReachedChange> {
  const armed = await Promise.all(children.map((child) => child.expect(status)));
  const response = await fetch(`${nginx.url}/api/session/${command}`, { method: 'POST', headers: { cookie: world.cookie, origin: nginx.url } });
  if (response.status !== 200) throw new Error(`POST /api/session/${command} through nginx: ${response.status} ${await response.text()}`);
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void diagnose(world).then((report) => reject(new Error(`the session was not ${status} for every subscriber ${CHANGE_TIMEOUT_MS} ms after ${command}:\n${report}`)));
    }, CHANGE_TIMEOUT_MS);
  });
  const reached = await Promise.race([Promise.all(armed.map((child) => child.reached)), stalled]).finally(() => clearTimeout(timer));
  const stamps = new Set(reached.map((one) => `${one.epoch}/${one.rev}`));
  if (stamps.size !== 1) throw new Error(`the subscribers saw different states for one change: ${[...stamps].join(', ')}`);
  return { ...reached[0]!, times: reached.flatMap((one) => one.times) };
}

async function fanOutRun(instances: number, clients: number): Promise<ClusterFanOutResult> {
  const loadBefore = os.loadavg()[0]!;
  const cap = String(clients + 100);
  // Every subscriber is the one admin, so the per-user cap is raised. The lease TTL plays no
  // part in a fan-out; a short one lets a stopped session's lease go within seconds (below).
  const world = await ClusterWorld.start({ instances, leaseTtlMs: LEASE_TTL_MS, env: { WS_MAX_CLIENTS: cap, WS_MAX_CLIENTS_PER_USER: cap } });
  let nginx: TestNginx | null = null;
  const children: ClientsChild[] = [];
  try {
    await world.link();
    await world.settled(120_000);
    nginx = await startNginx(world.live().map((server) => new URL(server.baseUrl).host));
    const headers = { cookie: world.cookie, origin: nginx.url };
    const url = `${nginx.url.replace(/^http/, 'ws')}/ws`;
    for (let i = 0; i < CLIENT_PROCESSES; i += 1) children.push(ClientsChild.start());
    const share = (i: number): number => Math.floor(clients / CLIENT_PROCESSES) + (i < clients % CLIENT_PROCESSES ? 1 : 0);
    await Promise.all(children.map((child, i) => child.connect(url, headers, share(i))));
    const perInstance = await Promise.all(world.live().map((server) => wsClientsOf(server.baseUrl, world.cookie)));
    if (perInstance.reduce((a, b) => a + b, 0) !== clients) throw new Error(`${perInstance.join(' + ')} subscribers on the instances, not ${clients}`);

    const latencies: number[] = [];
    const toAll: number[] = [];
    for (let round = 0; round < WARM_UP + CHANGES; round += 1) {
      const stopped = await change(world, children, nginx, 'stop', 'stopped');
      if (round >= WARM_UP) {
        const t0 = Date.parse(stopped.lastUpdate);
        for (const at of stopped.times) latencies.push(at - t0);
        toAll.push(Math.max(...stopped.times) - t0);
      }
      // A stopped session's lease is let go at a keeper tick once its last command is a TTL
      // old; a start that arrives at that moment races the release (docs/benchmarks.md, "Cluster
      // fan-out"), so the next start waits until nobody holds it.
      await until("the stopped session's lease was released", 60_000, async () => (await world.cluster()).instances.every((instance) => !instance.sessions.includes(SESSION)));
      await change(world, children, nginx, 'start', 'ready');
    }
    latencies.sort((a, b) => a - b);
    toAll.sort((a, b) => a - b);
    return {
      instances,
      clients,
      perInstance,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      allMedian: percentile(toAll, 50),
      allMax: toAll.at(-1)!,
      loadBefore,
      loadAfter: os.loadavg()[0]!,
    };
  } finally {
    await Promise.all(children.map((child) => child.close()));
    await nginx?.close();
    await world.close();
  }
}

export async function clusterFanOutBench(): Promise<ClusterFanOutResult[]> {
  const clients = Number(process.env.BENCH_CLUSTER_CLIENTS ?? 15_000);
  const rounds = Number(process.env.BENCH_CLUSTER_ROUNDS ?? 2);
  // Interleaved (one instance, then three, again) and the best p99 of each, so a busy
  // moment of the shared machine doesn't decide the comparison; each run in a world of its own.
  const best = (a: ClusterFanOutResult | null, b: ClusterFanOutResult): ClusterFanOutResult => (a && a.p99 <= b.p99 ? a : b);
  let one: ClusterFanOutResult | null = null;
  let three: ClusterFanOutResult | null = null;
  for (let round = 0; round < rounds; round += 1) {
    one = best(one, await fanOutRun(1, clients));
    three = best(three, await fanOutRun(3, clients));
  }
  return [one!, three!];
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function formatClusterFanOut(results: ClusterFanOutResult[]): string {
  const [one] = results;
  const rows = results.map((r) => {
    const vs = r === one ? 'baseline' : `p99 ${fmt((r.p99 / one!.p99) * 100)}%, all reached ${fmt((r.allMedian / one!.allMedian) * 100)}% of one instance's`;
    return `| ${fmt(r.clients)} | ${r.instances} (${r.perInstance.map((n) => fmt(n)).join(' / ')}) | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.allMedian, 1)} | ${fmt(r.allMax, 1)} | ${fmt(r.clients / (r.allMedian / 1000))} | ${vs} |`;
  });
  return [
    `Cluster fan-out: one session change (stop) to N subscribers through nginx, ${CHANGES} changes after ${WARM_UP} warm-up, best of ${process.env.BENCH_CLUSTER_ROUNDS ?? 2} interleaved runs (latency in ms from the state's lastUpdate)`,
    '',
    '| clients | instances (subscribers each) | p50 | p99 | all reached (median) | all reached (max) | deliveries/s | vs one instance |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Load average (1 min) at the start and end of the runs shown: ${results.map((r) => `${r.instances} instance${r.instances > 1 ? 's' : ''} ${fmt(r.loadBefore, 2)} → ${fmt(r.loadAfter, 2)}`).join('; ')}`,
    '',
  ].join('\n');
}
