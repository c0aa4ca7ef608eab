// nginx (Debian's package) in front of Wasla instances, with the configuration that ships in
// deploy/nginx.conf.template: on a free loopback port, its files in a directory of its own.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

export const NGINX_BINARY = process.env.WASLA_TEST_NGINX ?? '/usr/sbin/nginx';
const TEMPLATE = new URL('../../../deploy/nginx.conf.template', import.meta.url);

/** Why the nginx suites can't run here, or false. In CI a missing binary fails instead (like PostgreSQL). */
export const nginxSkip: string | false =
  existsSync(NGINX_BINARY) || process.env.CI ? false : `nginx not found at ${NGINX_BINARY} (apt-get install nginx, or set WASLA_TEST_NGINX)`;

export interface TestNginx {
  /** `http://127.0.0.1:<port>`: the one address of every instance behind it. */
  readonly url: string;
  /** Points nginx at these instances (`host:port` each) and reloads it (SIGHUP, after `nginx -t` accepted the file). */
  route(upstreams: string[]): Promise<void>;
  close(): Promise<void>;
}


/** The configuration for these instances, from the template the deployment guide uses. */
export function nginxConfig(input: { listen: string; upstreams: string[]; prefix: string }): string {
  const servers = input.upstreams.map((upstream) => `    server ${upstream} max_fails=1 fail_timeout=5s;`).join('\n');
  return readFileSync(TEMPLATE, 'utf8')
    .replaceAll('{{listen}}', input.listen)
    .replaceAll('{{servers}}', servers)
    .replaceAll('{{prefix}}', input.prefix)
    .replaceAll('{{user}}', process.getuid?.() === 0 ? 'user root;' : '');
}

async function waitUntilListening(port: number, child: ChildProcess, errorLog: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${readLog(errorLog)}`);
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

/** Starts nginx in front of `upstreams`; the caller closes it. */
export async function startNginx(upstreams: string[]): Promise<TestNginx> {
  if (!existsSync(NGINX_BINARY)) throw new Error(`nginx not found at ${NGINX_BINARY} (apt-get install nginx)`);
  const prefix = mkdtempSync(path.join(os.tmpdir(), 'wasla-nginx-'));
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(prefix, dir));
  const port = await freePort();
  const file = path.join(prefix, 'nginx.conf');
  const errorLog = path.join(prefix, 'error.log');
  const write = (list: string[]) => writeFileSync(file, nginxConfig({ listen: `127.0.0.1:${port}`, upstreams: list, prefix }));
  write(upstreams);
  const child = spawn(NGINX_BINARY, ['-c', file, '-p', prefix, '-e', errorLog], { stdio: 'ignore' });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await waitUntilListening(port, child, errorLog);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(prefix, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async route(list) {
      write(list);
      const tested = spawn(NGINX_BINARY, ['-t', '-c', file, '-p', prefix, '-e', errorLog], { stdio: 'ignore' });
      const code = await new Promise<number | null>((resolve) => tested.once('exit', resolve));
      if (code !== 0) throw new Error(`nginx refused the new configuration: ${readLog(errorLog)}`);
      child.kill('SIGHUP');
      await waitUntilListening(port, child, errorLog);
    },
    async close() {
      process.off('exit', killOnExit);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
