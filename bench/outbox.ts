// The campaign outbox end to end (start → every message acknowledged by WhatsApp),
// beside bare Baileys send loops against an identical emulator. Each row runs in a
// fresh process with its own emulator (one linked device each, so no row encrypts
// copies for the other's device): link by QR, warm up with 20 messages, then N messages
// to N new numbers — the same numbers and texts in every row. Best of two interleaved
// rounds per row.
//
// "Acknowledged" is the same clock in every row: the emulator stamps each message when
// it acks it (ackDelayMs 0), so a row's time runs from the first message handed over
// (the outbox: the start request; bare: the first sendMessage) to the N-th ack stamp.
// "Sender done" is when the sender itself knew: the last ack it awaited, or the
// campaign's `completed` on /ws. Delivery receipts follow each ack after
// BENCH_OUTBOX_DELIVERED_MS (default 0) and read receipts only after the run, in every row.
//
// Baileys rc14 turns a successful server ack into no status at all (only an error ack
// becomes ERROR), so the first status the outbox sees for a message is its delivery
// receipt. The baseline awaits the `ack` stanza itself; the "first status" row paces
// the bare loop the way the outbox is actually paced. BENCH_OUTBOX_CPU_PROF=<dir> writes
// a CPU profile per row process and prints the measured window on the profile's clock.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BinaryNode, WASocket } from 'baileys';
import type { Emulator, EmulatorOptions, ReceivedMessage } from '@wasla/wa-emulator';
import type { Stack } from '../apps/server/test/harness.js';
import type { TestSocket } from '../apps/server/test/ws-client.js';
import { createCampaign, testNumber, waitForProgress } from '../apps/server/test/campaign-flows.js';

// Baileys, the server and the test harnesses (which patch setTimeout) load only in the
// row's own process, not in `npm run bench`'s.
const baileys = () => import('baileys');

const MESSAGES = Number(process.env.BENCH_OUTBOX_MESSAGES ?? 500);
const WARM_UP = 20;
const DELIVERED_MS = Number(process.env.BENCH_OUTBOX_DELIVERED_MS ?? 0);
const TARGET = 0.8;
/** Longest a row may take per message before it is declared stuck. */
const PER_MESSAGE_TIMEOUT_MS = 20_000;

export type RowKind = 'outbox' | 'bare-ack' | 'bare-status' | 'bare-pipelined';
const ROWS: Record<RowKind, string> = {
  outbox: 'Wasla outbox (FAST_LIMITS)',
  'bare-ack': 'bare Baileys, paced by the server ack (baseline)',
  'bare-status': "bare Baileys, paced by Baileys' first status ≥ 2",
  'bare-pipelined': 'bare Baileys, pipelined (all sends, then all acks)',
};

export interface OutboxRow {
  kind: RowKind;
  messages: number;
  /** First message handed over → the emulator acked the N-th. */
  ms: number;
  /** First message handed over → the sender knew all were done. */
  senderMs: number;
  /** When the first message was handed over (epoch ms), to cut a CPU profile to the measured part. */
  startedAt: number;
}
export interface OutboxBenchResult {
  rows: OutboxRow[];
}

const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const template = 'Hello {{name}}, your order is ready for pickup.';
const textFor = (name: string): string => `Hello ${name}, your order is ready for pickup.`;
/** Warm-up numbers and measured numbers never overlap: every measured send opens a new chat. */
const audience = (warm: boolean): { phone: string; name: string }[] =>
  Array.from({ length: warm ? WARM_UP : MESSAGES }, (_, i) => ({ phone: testNumber(warm ? 9_000 + i : 10_000 + i), name: `N${i}` }));

function emulatorOptions(): EmulatorOptions {
  return { phone: '+966501234567', qrRefs: 3, ackDelayMs: 0, deliveredDelayMs: DELIVERED_MS, readDelayMs: 600_000 };
}

/** The end of a row by the emulator's clock; checks every measured message was acked without error. */
async function lastAck(emulator: Emulator): Promise<number> {
  const wanted = new Set(audience(false).map((r) => r.phone));
  const response = await fetch(`${emulator.controlUrl}/control/messages`);
  const { messages } = (await response.json()) as { messages: ReceivedMessage[] };
  const measured = messages.filter((m) => wanted.has(m.to));
  const failed = measured.filter((m) => m.status === 'error').length;
  if (measured.length !== MESSAGES || failed > 0) throw new Error(`the emulator acked ${measured.length} of ${MESSAGES} messages (${failed} with an error)`);
  return Math.max(...measured.map((m) => Date.parse(m.receivedAt)));
}

// ---- Wasla: the real server (SQLite) with the outbox ----

async function runCampaign(stack: Stack, cookie: string, socket: TestSocket, recipients: { phone: string; name: string }[]): Promise<number> {
  const csv = ['phone,name', ...recipients.map((r) => `${r.phone},${r.name}`)].join('\n');
  const { campaign } = await createCampaign(stack, cookie, { name: 'Bench', template, csv });
  const from = socket.received.length;
  const started = Date.now();
  const answer = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`);
  if (answer.status !== 200) throw new Error(`start: ${answer.status} ${JSON.stringify(answer.json)}`);
  const done = await waitForProgress(socket, campaign.id, (p) => p.status === 'completed', 60_000 + recipients.length * PER_MESSAGE_TIMEOUT_MS, from);
  // `sent` includes the delivered and read.
  const { sent } = done.data.counts as { sent: number };
  if (sent !== recipients.length) throw new Error(`the campaign completed with ${JSON.stringify(done.data.counts)}`);
  return started;
}

async function outboxRow(emulator: Emulator): Promise<OutboxRow> {
  const { Stack } = await import('../apps/server/test/harness.js');
  const { linkByQr } = await import('../apps/server/test/flows.js');
  const stack = await Stack.start({ database: { name: 'sqlite', url: null, skip: false }, emulator });
  try {
    const cookie = await stack.login();
    const socket = await stack.socket(cookie, ['session_update', 'qr_code', 'campaign_progress']);
    await linkByQr(stack, cookie, socket);
    await runCampaign(stack, cookie, socket, audience(true));
    const started = await runCampaign(stack, cookie, socket, audience(false));
    const senderDone = Date.now();
    socket.close();
    return { kind: 'outbox', messages: MESSAGES, ms: (await lastAck(emulator)) - started, senderMs: senderDone - started, startedAt: started };
  } finally {
    await stack.close();
  }
}

// ---- Bare Baileys: in-memory keys, nothing stored ----

/** Resolves per message id on the server's `ack` stanza itself (Baileys rc14 emits no status for a successful one). */
function serverAcks(sock: WASocket): (id: string) => Promise<void> {
  const waiting = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  sock.ws.on('CB:ack,class:message', (node: BinaryNode) => {
    const waiter = waiting.get(node.attrs.id ?? '');
    if (!waiter) return;
    waiting.delete(node.attrs.id ?? '');
    if (node.attrs.error) waiter.reject(new Error(`ack error ${node.attrs.error}`));
    else waiter.resolve();
  });
  return (id) => new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}

/** Resolves per message id on the first status Baileys reports for it — what the outbox waits for. */
async function firstStatuses(sock: WASocket): Promise<(id: string) => Promise<void>> {
  const { toReceiptUpdates, toReceiptUpdatesFromUpsert } = await import('../apps/server/src/whatsapp/baileys-adapter.js');
  const waiting = new Map<string, () => void>();
  const settle = (ids: string[]): void => {
    for (const id of ids) {
      waiting.get(id)?.();
      waiting.delete(id);
    }
  };
  sock.ev.on('messages.update', (updates) => settle(toReceiptUpdates(updates).map((u) => u.messageId)));
  sock.ev.on('messages.upsert', ({ messages }) => settle(toReceiptUpdatesFromUpsert(messages).map((u) => u.messageId)));
  return (id) => new Promise((resolve) => waiting.set(id, resolve));
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** One message at a time: register the wait, send, await it (the outbox's order). */
async function pacedLoop(sock: WASocket, waitFor: (id: string) => Promise<void>, recipients: { phone: string; name: string }[]): Promise<number> {
  const { generateMessageIDV2 } = await baileys();
  const started = Date.now();
  for (const { phone, name } of recipients) {
    const messageId = generateMessageIDV2();
    const acked = withTimeout(waitFor(messageId), PER_MESSAGE_TIMEOUT_MS, `message ${messageId}`);
    await sock.sendMessage(`${phone.slice(1)}@s.whatsapp.net`, { text: textFor(name) }, { messageId });
    await acked;
  }
  return started;
}

async function pipelined(sock: WASocket, waitFor: (id: string) => Promise<void>, recipients: { phone: string; name: string }[]): Promise<number> {
  const { generateMessageIDV2 } = await baileys();
  const started = Date.now();
  const acks: Promise<void>[] = [];
  const sends: Promise<unknown>[] = [];
  for (const { phone, name } of recipients) {
    const messageId = generateMessageIDV2();
    acks.push(waitFor(messageId));
    sends.push(sock.sendMessage(`${phone.slice(1)}@s.whatsapp.net`, { text: textFor(name) }, { messageId }));
  }
  await withTimeout(Promise.all([...sends, ...acks]), 60_000 + recipients.length * 1_000, 'the pipelined sends');
  return started;
}

async function bareRow(kind: Exclude<RowKind, 'outbox'>, emulator: Emulator): Promise<OutboxRow> {
  const { Browsers } = await baileys();
  const { openSocket, pairByQr } = await import('../packages/wa-emulator/src/testing/harness.js');
  // As in the server: libsignal's session dumps stay off the console.
  (await import('../apps/server/src/whatsapp/quiet-libsignal.js')).quietLibsignal();
  const auth = await pairByQr(emulator);
  const sock = await openSocket(emulator, auth, { browser: Browsers.ubuntu('Wasla'), syncFullHistory: false });
  try {
    const acks = serverAcks(sock);
    const waitFor = kind === 'bare-status' ? await firstStatuses(sock) : acks;
    await pacedLoop(sock, waitFor, audience(true));
    const started = kind === 'bare-pipelined' ? await pipelined(sock, acks, audience(false)) : await pacedLoop(sock, waitFor, audience(false));
    const senderDone = Date.now();
    return { kind, messages: MESSAGES, ms: (await lastAck(emulator)) - started, senderMs: senderDone - started, startedAt: started };
  } finally {
    sock.end(undefined);
  }
}

// ---- Runs: one fresh process per row ----

function runInChild(kind: RowKind): Promise<OutboxRow> {
  const profile = process.env.BENCH_OUTBOX_CPU_PROF;
  const child = fork(fileURLToPath(import.meta.url), [kind], {
    execArgv: ['--conditions=source', '--import', 'tsx', ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}/${kind}-${Date.now()}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (row: OutboxRow | { error: string }) => ('error' in row ? reject(new Error(`${kind}: ${row.error}`)) : resolve(row)));
    child.once('exit', (code) => reject(new Error(`the ${kind} run exited with ${code} before reporting`)));
  });
}

export async function outboxBench(kinds: RowKind[] = ['outbox', 'bare-ack', 'bare-status', 'bare-pipelined']): Promise<OutboxBenchResult> {
  const best = new Map<RowKind, OutboxRow>();
  // Interleaved, so a busy moment or a warm disk favours no row.
  for (let round = 0; round < 2; round += 1) {
    for (const kind of kinds) {
      const row = await runInChild(kind);
      process.stderr.write(`outbox bench, round ${round + 1}: ${ROWS[kind]} — ${fmt(row.messages / (row.ms / 1000))} msg/s\n`);
      const previous = best.get(kind);
      if (!previous || row.ms < previous.ms) best.set(kind, row);
    }
  }
  return { rows: kinds.map((kind) => best.get(kind)!) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const kind = process.argv[2] as RowKind;
  const { startEmulator } = await import('@wasla/wa-emulator');
  const emulator = await startEmulator(emulatorOptions());
  let report: OutboxRow | { error: string };
  try {
    report = kind === 'outbox' ? await outboxRow(emulator) : await bareRow(kind, emulator);
  } catch (error) {
    report = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  await emulator.close();
  if (process.env.BENCH_OUTBOX_CPU_PROF && 'startedAt' in report) {
    // The profile's clock is the monotonic one: the measured window on it, in µs.
    const start = Number(process.hrtime.bigint() / 1000n) - (Date.now() - report.startedAt) * 1000;
    process.stderr.write(`${kind} profile window (µs): ${start} ${start + report.senderMs * 1000}\n`);
  }
  process.send?.(report, () => process.exit(0));
}

export function formatOutbox(result: OutboxBenchResult): string {
  const baseline = result.rows.find((r) => r.kind === 'bare-ack');
  const rate = (r: OutboxRow): number => r.messages / (r.ms / 1000);
  const lines = result.rows.map((r) => {
    const share = baseline ? `${fmt((rate(r) / rate(baseline)) * 100, 0)}%` : '–';
    return `| ${ROWS[r.kind]} | ${fmt(r.messages, 0)} | ${fmt(r.ms / 1000, 2)} | ${fmt(rate(r))} | ${share} | ${fmt(r.senderMs / 1000, 2)} |`;
  });
  const outbox = result.rows.find((r) => r.kind === 'outbox');
  const verdict = outbox && baseline ? `outbox at ${fmt((rate(outbox) / rate(baseline)) * 100, 0)}% of the ack-paced bare loop — ${rate(outbox) >= TARGET * rate(baseline) ? 'met' : 'NOT met'}` : 'not measured';
  return [
    `Campaign outbox: ${fmt(MESSAGES, 0)} messages to new chats after a ${WARM_UP}-message warm-up, each row in a fresh process with its own emulator (ack 0 ms, delivery receipt ${DELIVERED_MS} ms after the ack, read receipts after the run), best of 2 interleaved runs`,
    '',
    '| row | messages | s to the last ack | msg/s | % of ack-paced bare loop | s until the sender knew |',
    '|---|---|---|---|---|---|',
    ...lines,
    '',
    `Target: the outbox at ≥ ${TARGET * 100}% of the ack-paced bare loop — ${verdict}`,
    '',
  ].join('\n');
}
