// nginx in front of Wasla instances, with the configuration that ships beside this file
// (nginx.conf.template): its files in a directory of its own, so nothing of the machine's
// nginx is used or touched. The tests (apps/server/test/nginx.ts) and `npm run cluster` run it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TEMPLATE = new URL('./nginx.conf.template', import.meta.url);

export interface RunningNginx {
  /** `http://127.0.0.1:<port>`: the one address of every instance behind it. */
  readonly url: string;
  readonly pid: number;
  /** Resolves when nginx exits, for whatever reason, with its exit code or signal. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** Points nginx at these instances (`host:port` each) and reloads it (SIGHUP, after `nginx -t` accepted the file). */
  route(upstreams: string[]): Promise<void>;
  /** Stops it (SIGQUIT: open requests finish) and removes its directory. */
  close(): Promise<void>;
}

/** The configuration for these instances, from the template the deployment guide uses. */
export function nginxConfig(input: { listen: string; upstreams: string[]; prefix: string }): string {
  const servers = input.upstreams.map((upstream) => `    server ${upstream} max_fails=1 fail_timeout=5s;`).join('\n');
  const values: Record<string, string> = {
    listen: input.listen,
    servers,
    prefix: input.prefix,
    user: process.getuid?.() === 0 ? 'user root;' : '',
  };
  // Comments keep their placeholders: the header names them, and a list of several
  // servers put into a comment would end it after the first.
  return readFileSync(TEMPLATE, 'utf8')
    .split('\n')
    .map((line) => (line.trimStart().startsWith('#') ? line : line.replace(/\{\{(\w+)\}\}/g, (placeholder, name: string) => values[name] ?? placeholder)))
    .join('\n');
}

async function waitUntilListening(port: number, child: ChildProcess, errorLog: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nginx exited (${child.exitCode ?? child.signalCode}): ${readLog(errorLog)}`);
    const answered = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => true,
      () => false,
    );
    if (answered) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within 10 s: ${readLog(errorLog)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function readLog(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-2000) : '(no error log)';
}

/**
 * Starts `binary` (Debian's nginx, say) on 127.0.0.1:`port` in front of `upstreams`;
 * resolves once it answers. The caller closes it; if this process exits first, nginx goes too.
 */
export async function startNginx(options: {
  binary: string;
  port: number;
  upstreams: string[];
  /** In a process group of its own, so a Ctrl+C in the terminal reaches only its starter, which stops it in turn. */
  ownProcessGroup?: boolean;
}): Promise<RunningNginx> {
  const { binary, port } = options;
  if (!existsSync(binary)) throw new Error(`nginx not found at ${binary} (apt-get install nginx)`);
  const prefix = mkdtempSync(path.join(os.tmpdir(), 'wasla-nginx-'));
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(prefix, dir));
  const file = path.join(prefix, 'nginx.conf');
  const errorLog = path.join(prefix, 'error.log');
  const write = (list: string[]) => writeFileSync(file, nginxConfig({ listen: `127.0.0.1:${port}`, upstreams: list, prefix }));
  write(options.upstreams);
  const child = spawn(binary, ['-c', file, '-p', prefix, '-e', errorLog], { stdio: 'ignore', detached: options.ownProcessGroup ?? false });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await waitUntilListening(port, child, errorLog);
  } catch (error) {
    process.off('exit', killOnExit);
    child.kill('SIGKILL');
    rmSync(prefix, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    exited,
    async route(list) {
      write(list);
      const tested = spawn(binary, ['-t', '-c', file, '-p', prefix, '-e', errorLog], { stdio: 'ignore' });
      const code = await new Promise<number | null>((resolve) => tested.once('exit', resolve));
      if (code !== 0) throw new Error(`nginx refused the new configuration: ${readLog(errorLog)}`);
      child.kill('SIGHUP');
      await waitUntilListening(port, child, errorLog);
    },
    async close() {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
