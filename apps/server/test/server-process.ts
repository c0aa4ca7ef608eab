// A Wasla server as its own operating-system process (`src/main.ts`), so a test can do to
// it what happens to real servers: kill -9, SIGSTOP and SIGCONT.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestSocket } from './ws-client.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = ['--conditions=source', '--import', 'tsx', 'apps/server/src/main.ts'];
const START_TIMEOUT_MS = 60_000;

export class ServerProcess {
  /** Every log line the server wrote (pino JSON), for a failing test to show. */
  readonly logs: string[] = [];
  private readonly exit: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    exit: Promise<number | null>,
  ) {
    this.exit = exit;
    void exit.then((code) => (this.exitCode = code));
  }

  /** Starts `main.ts` with `env` (PORT=0 chooses a free port); resolves once it listens. */
  static start(name: string, env: Record<string, string>): Promise<ServerProcess> {
    const child = spawn(process.execPath, MAIN, {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: string[] = [];
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} did not start in ${START_TIMEOUT_MS} ms:\n${logs.slice(-20).join('\n')}`));
      }, START_TIMEOUT_MS);
      let buffered = '';
      const read = (chunk: Buffer): void => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          logs.push(line);
          if (process.env.WASLA_TEST_LOG) process.stderr.write(`[${name}] ${line}\n`);
          const address = /"address":"(http:\/\/[^"]+)".*Wasla is listening/.exec(line)?.[1];
          if (address) {
            clearTimeout(timer);
            const server = new ServerProcess(name, child, address, exit);
            server.logs.push(...logs);
            child.stdout?.on('data', (more: Buffer) => server.logs.push(more.toString('utf8')));
            resolve(server);
          }
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
      void exit.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}) before it listened:\n${logs.slice(-20).join('\n')}`));
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  get wsUrl(): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}/ws`;
  }

  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.child.kill(signal);
  }

  /** kill -9: no hand-over, no goodbye; resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exit;
  }

  /** SIGTERM: the graceful stop an operator does; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.running) return this.exitCode ?? null;
    this.child.kill('SIGTERM');
    return this.exit;
  }

  async login(email: string, password: string): Promise<string> {
    const response = await fetch(`${this.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: this.baseUrl },
      body: JSON.stringify({ email, password }),
    });
    if (response.status !== 200) throw new Error(`login on ${this.name} failed: ${response.status} ${await response.text()}`);
    return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  }

  async api(cookie: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${this.baseUrl}${url}`, {
      method,
      headers: { cookie, origin: this.baseUrl, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : null };
  }

  async socket(cookie: string, events: string[] = ['session_update', 'qr_code', 'campaign_progress']): Promise<TestSocket> {
    const socket = await TestSocket.open(this.wsUrl, { cookie, origin: this.baseUrl });
    socket.send({ type: 'subscribe', events });
    await socket.waitFor((m) => m.type === 'session_update');
    return socket;
  }
}
