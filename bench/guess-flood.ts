// /healthz while password guesses flood the login route: the hashing gate must keep
// the server answering everyone else. Baseline: the same /healthz at rest, same run.
import { ServerChild, percentile } from './child.js';

export interface GuessFloodResult {
  rest: { p50: number; p99: number };
  flood: { p50: number; p99: number; guesses: number; answers: string };
  inFlight: number;
  durationMs: number;
}

/** /healthz one request after another, for `durationMs`. */
async function healthzLatencies(port: number, durationMs: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const t0 = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    await response.arrayBuffer();
    latencies.push(performance.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return latencies.sort((a, b) => a - b);
}

/**
 * Bursts of `inFlight` wrong-password logins sent at once, one burst after another (the
 * login rate limit is raised so the hashing gate itself is measured).
 */
export async function guessFloodBench(inFlight = 60, durationMs = 6000): Promise<GuessFloodResult> {
  const wasla = await ServerChild.start('wasla');
  try {
    const rest = await healthzLatencies(wasla.port, durationMs);
    const answers = new Map<number, number>();
    let guesses = 0;
    let flooding = true;
    const guess = async (): Promise<void> => {
      const response = await fetch(`http://127.0.0.1:${wasla.port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'bench@wasla.test', password: `wrong guess ${guesses}` }),
      });
      await response.arrayBuffer();
      guesses += 1;
      answers.set(response.status, (answers.get(response.status) ?? 0) + 1);
    };
    const bursts = (async () => {
      while (flooding) await Promise.all(Array.from({ length: inFlight }, guess));
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const flood = await healthzLatencies(wasla.port, durationMs);
    flooding = false;
    await bursts;
    return {
      rest: { p50: percentile(rest, 50), p99: percentile(rest, 99) },
      flood: { p50: percentile(flood, 50), p99: percentile(flood, 99), guesses, answers: [...answers].map(([status, count]) => `${status}×${count}`).join(' ') },
      inFlight,
      durationMs,
    };
  } finally {
    await wasla.stop();
  }
}

export function formatGuessFlood(result: GuessFloodResult): string {
  const fmt = (n: number): string => n.toFixed(1);
  return [
    `Password guesses: GET /healthz (one after another for ${result.durationMs / 1000} s) during bursts of ${result.inFlight} wrong-password logins sent at once`,
    '',
    '| /healthz | p50 ms | p99 ms | guesses answered |',
    '|---|---|---|---|',
    `| at rest (baseline) | ${fmt(result.rest.p50)} | ${fmt(result.rest.p99)} | — |`,
    `| during the flood | ${fmt(result.flood.p50)} | ${fmt(result.flood.p99)} | ${result.flood.guesses} (${result.flood.answers}) |`,
    '',
    `Target: /healthz p99 under 100 ms during the flood — ${result.flood.p99 < 100 ? 'met' : 'NOT met'}`,
    '',
  ].join('\n');
}
