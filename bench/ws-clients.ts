// Child process of the cluster fan-out benchmark: holds a share of the WebSocket
// subscribers (a few processes hold them all, so no one process runs out of file
// descriptors or does every client's reading on one core) and reports, for one session
// change, when each of its subscribers received it.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

type ToClients = { cmd: 'connect'; url: string; headers: Record<string, string>; count: number } | { cmd: 'expect'; status: string } | { cmd: 'close' };

/** The first subscriber's copy of the change: its stamp, and `lastUpdate`, when the owner made it. */
export interface ReachedChange {
  epoch: number;
  rev: number;
  lastUpdate: string;
  /** Date.now() at each subscriber's receipt (the clock `lastUpdate` is read from). */
  times: number[];
}

type FromClients = { event: 'connected'; count: number } | { event: 'expecting' } | ({ event: 'reached' } & ReachedChange) | { event: 'failed'; message: string };

const BATCH = 250;

/** The orchestrator's handle on one such process. */
export class ClientsChild {
  private constructor(private readonly child: ChildProcess) {}

  static start(): ClientsChild {
    const child = fork(fileURLToPath(import.meta.url), ['child'], {
      execArgv: ['--conditions=source', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new ClientsChild(child);
  }

  private next<E extends FromClients['event']>(event: E, message?: ToClients): Promise<Extract<FromClients, { event: E }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: FromClients): void => {
        if (reply.event !== event && reply.event !== 'failed') return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (reply.event === 'failed') reject(new Error(reply.message));
        else resolve(reply as Extract<FromClients, { event: E }>);
      };
      const onExit = (code: number | null): void => {
        this.child.off('message', onMessage);
        reject(new Error(`a WebSocket client process exited (${code})`));
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      if (message) this.child.send(message);
    });
  }

  /** Opens `count` subscribers of session_update; resolves once each has its first state. */
  async connect(url: string, headers: Record<string, string>, count: number): Promise<void> {
    await this.next('connected', { cmd: 'connect', url, headers, count });
  }

  /**
   * Arms every subscriber for the next session_update with `status`; resolves once armed,
   * with the promise of the moment all of them received it.
   */
  async expect(status: string): Promise<{ reached: Promise<ReachedChange> }> {
    const reached = this.next('reached');
    // Handled by whoever awaits it; a failure before then must not be an unhandled rejection.
    reached.catch(() => undefined);
    await this.next('expecting', { cmd: 'expect', status });
    return { reached };
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ cmd: 'close' } satisfies ToClients);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

function runChild(): void {
  const send = (message: FromClients): void => void process.send?.(message);
  const sockets: WebSocket[] = [];
  let expected: { status: string; times: number[]; left: number; stamp: Omit<ReachedChange, 'times'> | null } | null = null;
  const statusOf = /"status":"(\w+)"/;

  function onChange(index: number, text: string): void {
    const at = Date.now();
    if (!expected || !Number.isNaN(expected.times[index])) return;
    // Only the status is read per message; the stamp once, from the first copy.
    if (statusOf.exec(text)?.[1] !== expected.status) return;
    expected.times[index] = at;
    if (!expected.stamp) {
      const { data } = JSON.parse(text) as { data: { epoch: number; rev: number; lastUpdate: string } };
      expected.stamp = { epoch: data.epoch, rev: data.rev, lastUpdate: data.lastUpdate };
    }
    expected.left -= 1;
    if (expected.left === 0) {
      send({ event: 'reached', ...expected.stamp, times: expected.times });
      expected = null;
    }
  }

  function open(url: string, headers: Record<string, string>, index: number): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false });
      let subscribed = false;
      ws.on('message', (data) => {
        if (subscribed) return onChange(index, data.toString());
        subscribed = true;
        resolve(ws);
      });
      ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', events: ['session_update'] })));
      ws.once('error', reject);
      ws.once('close', (code, reason) => {
        if (!subscribed) reject(new Error(`the server closed a subscriber with ${code} ${reason.toString()}`));
        else if (expected) send({ event: 'failed', message: `subscriber ${index} closed with ${code} ${reason.toString()} while a change was awaited` });
      });
    });
  }

  process.on('message', (message: ToClients) => {
    if (message.cmd === 'connect') {
      void (async () => {
        for (let start = 0; start < message.count; start += BATCH) {
          const batch = Array.from({ length: Math.min(BATCH, message.count - start) }, (_, i) => open(message.url, message.headers, start + i));
          sockets.push(...(await Promise.all(batch)));
        }
        send({ event: 'connected', count: sockets.length });
      })().catch((error: unknown) => send({ event: 'failed', message: `after ${sockets.length} subscribers: ${String(error)}` }));
    } else if (message.cmd === 'expect') {
      expected = { status: message.status, times: sockets.map(() => NaN), left: sockets.length, stamp: null };
      send({ event: 'expecting' });
    } else {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
  });
}

if (process.argv[2] === 'child') runChild();
