// A bare WebSocket subscriber in its own process: the propagation benchmark's baseline, the
// server push alone. In its own process so it reads each frame as soon as it arrives, as a
// browser does, not when the event loop shared with the server and the emulator gets to it.
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

type FromClient = { event: 'subscribed' } | { event: 'update'; rev: number; t: number };

export interface PushClient {
  /** The wall-clock time each rev first arrived. */
  arrivals: Map<number, number>;
  /** Resolves once `rev` (or a later one) has arrived. */
  until(rev: number): Promise<void>;
  stop(): void;
}

export async function startPushClient(wsUrl: string, cookie: string, origin: string): Promise<PushClient> {
  const arrivals = new Map<number, number>();
  let newest = -1;
  const waiters = new Set<{ rev: number; resolve: () => void }>();
  const child = fork(fileURLToPath(import.meta.url), [wsUrl, cookie, origin], {
    execArgv: ['--conditions=source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the push client exited with ${code}`)));
    child.on('message', (message: FromClient) => {
      if (message.event === 'subscribed') resolve();
      else if (!arrivals.has(message.rev)) {
        arrivals.set(message.rev, message.t);
        newest = Math.max(newest, message.rev);
        for (const waiter of waiters) {
          if (waiter.rev > newest) continue;
          waiters.delete(waiter);
          waiter.resolve();
        }
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    arrivals,
    until: (rev) => (rev <= newest ? Promise.resolve() : new Promise((resolve) => waiters.add({ rev, resolve }))),
    stop: () => void child.kill(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, cookie, origin] = process.argv.slice(2) as [string, string, string];
  const send = (message: FromClient): void => void process.send?.(message);
  // Like a browser tab: the login cookie and the page's Origin.
  const ws = new WebSocket(url, { headers: { cookie, origin } });
  let subscribed = false;
  ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', events: ['session_update'] })));
  ws.on('message', (data) => {
    const t = performance.timeOrigin + performance.now();
    const message = JSON.parse(data.toString()) as { type: string; rev?: number };
    if (message.type !== 'session_update' || message.rev === undefined) return;
    if (!subscribed) {
      subscribed = true;
      return send({ event: 'subscribed' });
    }
    send({ event: 'update', rev: message.rev, t });
  });
  ws.on('close', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
}
