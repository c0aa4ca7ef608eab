// Request rate of GET /api/session/state answered 304, beside a Fastify hello-world.
import autocannon from 'autocannon';
import { ServerChild } from './child.js';

export interface HttpResult {
  name: string;
  requestsPerSecond: number;
  p99Ms: number;
  statusCounts: string;
}

async function load(name: string, url: string, headers: Record<string, string>, expectStatus: number): Promise<HttpResult> {
  const result = await autocannon({ url, headers, connections: 50, pipelining: 1, duration: 8 });
  const statuses = Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => `${code}×${(stat as { count: number }).count}`);
  const expected = (result.statusCodeStats as Record<string, { count: number }> | undefined)?.[String(expectStatus)]?.count ?? 0;
  if (expected === 0 || result.non2xx - (expectStatus >= 300 ? expected : 0) > 0 || result.errors > 0) {
    throw new Error(`${name}: unexpected answers ${statuses.join(' ')} errors=${result.errors}`);
  }
  return { name, requestsPerSecond: result.requests.average, p99Ms: result.latency.p99, statusCounts: statuses.join(' ') };
}

async function helloRun(): Promise<HttpResult> {
  const hello = await ServerChild.start('hello');
  try {
    return await load('Fastify hello-world (baseline)', `http://127.0.0.1:${hello.port}/hello`, {}, 200);
  } finally {
    await hello.stop();
  }
}

async function stateRun(): Promise<HttpResult> {
  const wasla = await ServerChild.start('wasla');
  try {
    const url = `http://127.0.0.1:${wasla.port}/api/session/state`;
    const first = await fetch(url, { headers: { cookie: wasla.cookie! } });
    const etag = first.headers.get('etag')!;
    return await load('GET /api/session/state → 304', url, { cookie: wasla.cookie!, 'if-none-match': etag }, 304);
  } finally {
    await wasla.stop();
  }
}

/** The baseline and the 304 route, interleaved `rounds` times; the best run of each. */
export async function httpBench(rounds: number): Promise<HttpResult[]> {
  let hello: HttpResult | null = null;
  let state: HttpResult | null = null;
  const faster = (a: HttpResult | null, b: HttpResult): HttpResult => (a && a.requestsPerSecond >= b.requestsPerSecond ? a : b);
  for (let round = 0; round < rounds; round += 1) {
    hello = faster(hello, await helloRun());
    state = faster(state, await stateRun());
  }
  return [hello!, state!];
}
