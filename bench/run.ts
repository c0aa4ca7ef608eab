// `npm run bench`: every benchmark, each beside a baseline measured in the same run.
// Record the printed tables in docs/benchmarks.md with the command that produced them.
import os from 'node:os';
import { fanOut } from './fanout.js';
import type { FanOutResult } from './fanout.js';
import { httpBench } from './http.js';
import { formatPropagation, propagationBench } from './web-propagation.js';
import { economyBench, formatEconomy } from './web-economy.js';
import { formatJsShipped, jsShippedBench } from './web-js.js';
import { csvImportBench, formatCsvImport } from './csv-import.js';
import { formatOutbox, outboxBench } from './outbox.js';
import { formatGuessFlood, guessFloodBench } from './guess-flood.js';
import { failoverBench, formatFailover } from './failover.js';
import { clusterFanOutBench, formatClusterFanOut } from './cluster-fanout.js';

const only = new Set(process.argv.slice(2));
const want = (name: string): boolean => only.size === 0 || only.has(name);
const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

process.stdout.write(`Wasla benchmarks — ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n\n`);

if (want('fanout')) {
  const sizes = (process.env.BENCH_CLIENTS ?? '1000,5000,10000').split(',').map(Number);
  const rows: string[] = [];
  let allMet = true;
  // Interleaved and best of two, so warm-up and a busy moment don't favour either side.
  const best = (a: FanOutResult, b: FanOutResult): FanOutResult => (a.p99 <= b.p99 ? a : b);
  for (const clients of sizes) {
    let bare = await fanOut('bare-ws', clients);
    let wasla = await fanOut('wasla', clients);
    bare = best(bare, await fanOut('bare-ws', clients));
    wasla = best(wasla, await fanOut('wasla', clients));
    const speed = wasla.deliveriesPerSecond / bare.deliveriesPerSecond;
    const met = wasla.p99 < 250 && speed >= 0.7 && wasla.bytesPerConnection < 30 * 1024;
    allMet &&= met || clients !== 10_000;
    const row = (r: FanOutResult, extra: string): string =>
      `| ${fmt(r.clients, 0)} | ${r.kind} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.allMedian)} | ${fmt(r.deliveriesPerSecond, 0)} | ${fmt(r.bytesPerConnection / 1024)} | ${extra} |`;
    rows.push(row(bare, 'baseline'), row(wasla, `${fmt(speed * 100, 0)}% of baseline ${met ? '✓' : '✗'}`));
  }
  process.stdout.write('Fan-out: one session change to N authenticated subscribers (latency in ms, memory in KiB per connection)\n\n');
  process.stdout.write('| clients | server | p50 | p99 | all reached (median) | deliveries/s | KiB/conn | vs baseline |\n|---|---|---|---|---|---|---|---|\n');
  process.stdout.write(`${rows.join('\n')}\n\nTarget at 10,000: p99 < 250 ms, ≥ 70% of the bare loop, < 30 KB per connection — ${allMet ? 'met' : 'NOT met'}\n\n`);
}

if (want('http')) {
  const [hello, state] = await httpBench(2);
  const ratio = state!.requestsPerSecond / hello!.requestsPerSecond;
  process.stdout.write('HTTP: 50 connections, 8 s a run, best of 2 interleaved runs\n\n| route | requests/s | p99 ms | answers |\n|---|---|---|---|\n');
  for (const r of [hello!, state!]) process.stdout.write(`| ${r.name} | ${fmt(r.requestsPerSecond, 0)} | ${fmt(r.p99Ms)} | ${r.statusCounts} |\n`);
  process.stdout.write(`\n304 route at ${fmt(ratio * 100, 0)}% of hello-world (target ≥ 70%) — ${ratio >= 0.7 ? 'met' : 'NOT met'}\n`);
}

// The browser benchmarks: the real stack in-process and Debian's Chromium (e2e/browser.ts).
if (want('propagation')) process.stdout.write(`\n${formatPropagation(await propagationBench())}\n`);
if (want('economy')) process.stdout.write(`\n${formatEconomy(await economyBench())}\n`);
if (want('js')) process.stdout.write(`\n${formatJsShipped(await jsShippedBench())}\n`);
if (want('csv')) process.stdout.write(`\n${formatCsvImport(await csvImportBench())}\n`);
if (want('outbox')) process.stdout.write(`\n${formatOutbox(await outboxBench())}\n`);
if (want('guesses')) process.stdout.write(`\n${formatGuessFlood(await guessFloodBench())}\n`);
// The cluster: separate main.ts processes on PostgreSQL and a redis-server of the bench's own.
if (want('failover')) process.stdout.write(`\n${formatFailover(await failoverBench())}\n`);
if (want('cluster-fanout')) process.stdout.write(`\n${formatClusterFanOut(await clusterFanOutBench())}\n`);
