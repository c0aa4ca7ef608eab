// One Wasla instance of `npm run cluster`: apps/server/src/main.ts as a process of its own,
// so an operator can kill -9 it, its log in a file beside the others.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const MAIN = ['--conditions=source', '--import', 'tsx', 'apps/server/src/main.ts'];
const START_TIMEOUT_MS = 90_000;
/** main.ts forces its own exit 10 s after SIGTERM; past this the process is stuck. */
const STOP_TIMEOUT_MS = 15_000;
const LISTENING = /"address":"(http:\/\/[^"]+)".*Wasla is listening/;

export class InstanceProcess {
  /** Resolves with the exit code, or the signal that ended it. */
  readonly exited: Promise<number | NodeJS.Signals>;
  private ended = false;

  private constructor(
    readonly id: string,
    readonly url: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
    exited: Promise<number | NodeJS.Signals>,
  ) {
    this.exited = exited;
    void exited.then(() => (this.ended = true));
  }

  /**
   * Starts main.ts with `env` on a free port; resolves once it listens. Its own process
   * group, so a Ctrl+C in the terminal reaches only the launcher, which stops the instances
   * in order (SIGTERM: they hand their sessions over).
   */
  static start(id: string, env: NodeJS.ProcessEnv, logDir: string): Promise<InstanceProcess> {
    const logFile = path.join(logDir, `${id}.log`);
    const log = createWriteStream(logFile);
    const child = spawn(process.execPath, MAIN, { cwd: root, env: { ...env, INSTANCE_ID: id, HOST: '127.0.0.1', PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // If the launcher exits without stopping it (an error of its own), the instance goes too.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const exited = new Promise<number | NodeJS.Signals>((resolve) =>
      child.once('exit', (code, signal) => {
        process.off('exit', killOnExit);
        resolve(code ?? signal ?? 'SIGKILL');
      }),
    );
    // The log is complete once the process's output ends (after its exit).
    const logged = new Promise<void>((resolve) => child.once('close', () => log.end(resolve)));
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = async (why: string) => {
        if (settled) return;
        settled = true;
        child.kill('SIGKILL');
        await logged;
        reject(new Error(`${id} ${why}. The end of its log (${logFile}):\n${tail(logFile)}`));
      };
      const timer = setTimeout(() => void fail(`did not listen within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
      let pending = '';
      const scan = (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        const url = lines.map((line) => LISTENING.exec(line)?.[1]).find(Boolean);
        if (!url || settled) return;
        settled = true;
        clearTimeout(timer);
        child.stdout?.off('data', scan);
        resolve(new InstanceProcess(id, url, logFile, child, exited));
      };
      child.stdout?.on('data', scan);
      void exited.then((code) => {
        clearTimeout(timer);
        void fail(`exited (${code}) before it listened`);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return !this.ended;
  }

  /** `host:port`, for nginx's upstream list. */
  get address(): string {
    return new URL(this.url).host;
  }

  /** SIGTERM, the stop that hands the instance's sessions over; SIGKILL if it hangs. */
  async stop(): Promise<number | NodeJS.Signals> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
