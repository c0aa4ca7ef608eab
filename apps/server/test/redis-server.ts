// A Redis server of the test's own: Debian's redis-server on a free loopback port, keeping
// nothing on disk, that a test can stop, kill and start again on the same port (an outage
// the clients must ride out). The machine's own Redis (6379) is never touched.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

export const REDIS_SERVER_BINARY = process.env.WASLA_TEST_REDIS_SERVER ?? '/usr/bin/redis-server';

/**
 * Why the Redis suites can't run here, or false. Pass it as a suite's `skip`
 * (`describe(name, { skip: redisServerSkip }, …)`). In CI a missing binary is a broken
 * machine, not a reason to skip: the suites run, and `startRedisServer` says what is missing.
 */
export const redisServerSkip: string | false =
  existsSync(REDIS_SERVER_BINARY) || process.env.CI
    ? false
    : `redis-server not found at ${REDIS_SERVER_BINARY} (apt-get install redis-server, or set WASLA_TEST_REDIS_SERVER)`;

const MACHINE_REDIS_PORT = 6379;
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5000;
const READY = /Ready to accept connections/;

export interface TestRedisServer {
  /** The same across restarts. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Whether the server process is running now. */
  readonly running: boolean;
  /** Starts it again on the same port, empty; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it (SIGTERM: it closes its clients; SIGKILL: it vanishes), resolving once it exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops it and starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops it for good and removes its directory; safe to call more than once. */
  close(): Promise<void>;
}

/** Starts a redis-server of the test's own on a free port; the caller closes it. */
export async function startRedisServer(): Promise<TestRedisServer> {
  if (!existsSync(REDIS_SERVER_BINARY)) throw new Error(`redis-server not found at ${REDIS_SERVER_BINARY} (apt-get install redis-server)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wasla-redis-'));
  let child: ChildProcess | null = null;
  let port = 0;
  // If the test process dies without closing, the server goes with it.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const launch = (onPort: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const args = ['--port', String(onPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', '', '--loglevel', 'notice'];
      const started = spawn(REDIS_SERVER_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const timer = setTimeout(() => {
        started.kill('SIGKILL');
        reject(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms on port ${onPort}:\n${output}`));
      }, START_TIMEOUT_MS);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (READY.test(output)) {
          clearTimeout(timer);
          started.stdout?.off('data', read);
          // Drained and dropped from now on, so a chatty server never blocks on a full pipe.
          started.stdout?.resume();
          resolve();
        }
      };
      started.stdout?.on('data', read);
      started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      started.once('exit', (code, signal) => {
        if (child === started) child = null;
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${signal ?? code}) before it was ready on port ${onPort}:\n${output}`));
      });
      child = started;
    });

  // Another process may take the free port before redis-server binds it: pick again.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    if (port === MACHINE_REDIS_PORT) continue;
    try {
      await launch(port);
      break;
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/i.test(String(error))) {
        process.off('exit', killOnExit);
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  let closed = false;
  const isRunning = () => child !== null && child.exitCode === null && child.signalCode === null;
  const start = async (): Promise<void> => {
    if (closed) throw new Error('This Redis server was closed');
    if (!isRunning()) await launch(port);
  };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return isRunning();
    },
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      if (closed) return;
      closed = true;
      await stop();
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
