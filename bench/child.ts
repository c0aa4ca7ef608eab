import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromServer, ServerKind, ToServer } from './servers.js';

/** A benchmark server in its own process, so it has a core to itself. */
export class ServerChild {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly cookie: string | null,
  ) {}

  static start(kind: ServerKind): Promise<ServerChild> {
    const child = fork(fileURLToPath(new URL('./servers.ts', import.meta.url)), [kind], {
      execArgv: ['--conditions=source', '--import', 'tsx', '--expose-gc', '--max-old-space-size=4096'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
      child.once('message', (message: FromServer) => {
        if (message.event === 'listening') resolve(new ServerChild(child, message.port, message.cookie));
      });
    });
  }

  request<E extends FromServer['event']>(message: ToServer, event: E): Promise<Extract<FromServer, { event: E }>> {
    return new Promise((resolve) => {
      const onMessage = (reply: FromServer): void => {
        if (reply.event !== event) return;
        this.child.off('message', onMessage);
        resolve(reply as Extract<FromServer, { event: E }>);
      };
      this.child.on('message', onMessage);
      this.child.send(message);
    });
  }

  async stop(): Promise<void> {
    this.child.removeAllListeners('exit');
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ cmd: 'stop' } satisfies ToServer);
    await exited;
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
