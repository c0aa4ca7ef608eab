// `npm test`: typecheck and build, lint, then every test file with Node's test runner.
// Extra arguments are test files or folders to run instead of all of them.
//
// Each file runs in its own `node --test` process (two at a time) with a time limit: a file
// still running past it — a stuck test or hook, or a process kept alive by something left
// open — is stopped with everything it started and reported with the tests it had not
// finished. (Each integration and browser test also has its own limit: apps/server/test/suite.ts.) The last line is the whole
// run's count: `tests: N passed, N failed, N skipped`; the exit code is non-zero on any
// failure.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', '.git', '.next', 'data']);
const ROOTS = ['packages', 'apps', 'e2e', 'scripts'];
const seconds = (name, fallback) => Number(process.env[name] ?? fallback) * 1000;

// Limits for a loaded 2-core machine, several times what each takes there. The longest
// single test (200 recipients, on PostgreSQL, under load) takes about 40 s. On Node 20,
// `node --test --test-timeout` limits each file, not each test, and says only that the file
// timed out; so the integration and browser tests take their limit from
// apps/server/test/suite.ts, and this script limits and watches each file.
const TEST_TIMEOUT_MS = seconds('WASLA_TEST_TIMEOUT_S', 180);
/** Integration and browser files start servers, emulators and Chromium; the rest are unit tests. */
const HEAVY = /^(e2e|apps\/server\/test)\//;
const FILE_LIMIT_MS = { heavy: seconds('WASLA_TEST_FILE_LIMIT_S', 600), light: seconds('WASLA_TEST_FILE_LIMIT_S', 180) };
/** A file whose tests have all finished and that has not exited by then holds something open. */
const EXIT_GRACE_MS = seconds('WASLA_TEST_EXIT_GRACE_S', 60);
const KILL_GRACE_MS = 5000;

function findTests(dir, found = []) {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) findTests(full, found);
    else if (name.endsWith('.test.ts')) found.push(path.relative(root, full));
  }
  return found;
}

function summary(counts) {
  return `tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
}

function check(title, command, args) {
  process.stdout.write(`\n▶ ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } });
  if (result.status !== 0) {
    process.stdout.write(`\n✖ ${title} failed, so no tests ran\n${summary({ passed: 0, failed: 1, skipped: 0 })}\n`);
    process.exit(result.status || 1);
  }
}

/** One test file's run: its counts, its report, and what was still running. */
class FileRun {
  counts = { passed: 0, failed: 0, skipped: 0 };
  failures = [];
  /** Tests and suites started and not finished, by key; each with its suite path. */
  running = new Map();
  /** Every test's suite path, by key. */
  paths = new Map();
  /** The suite path at each nesting level, as tests start in order. */
  trail = [];
  /** Per nesting level: whether a failure below it was already counted. */
  failedBelow = [];
  finishedAny = false;
  lastFinished = null;
  output = [];
  problem = null;

  constructor(file) {
    this.file = file;
    this.absolute = path.resolve(root, file);
    this.events = { path: path.join(eventsDir, `${file.replace(/[^\w.-]/g, '_')}.jsonl`), offset: 0, partial: '', decoder: new StringDecoder('utf8') };
  }

  /** Takes in what the reporter wrote to the events file since the last look. */
  readEvents() {
    let fd;
    try {
      fd = openSync(this.events.path, 'r');
    } catch {
      return; // Not created yet.
    }
    try {
      const buffer = Buffer.alloc(64 * 1024);
      for (let read = readSync(fd, buffer, 0, buffer.length, this.events.offset); read > 0; read = readSync(fd, buffer, 0, buffer.length, this.events.offset)) {
        this.events.offset += read;
        const lines = (this.events.partial + this.events.decoder.write(buffer.subarray(0, read))).split('\n');
        this.events.partial = lines.pop() ?? '';
        for (const line of lines) if (line) this.onEvent(JSON.parse(line));
      }
    } finally {
      closeSync(fd);
    }
  }

  onEvent(event) {
    // `node --test` wraps each file in a test named after its path; it ends when the process does.
    if (event.nesting === 0 && event.name === this.absolute && event.type !== 'test:fail') return;
    const key = `${event.nesting}|${event.at}|${event.name}`;
    if (event.type === 'test:dequeue') {
      this.trail.length = event.nesting;
      this.trail[event.nesting] = event.name;
      this.running.set(key, this.trail.join(' › '));
      this.paths.set(key, this.trail.join(' › '));
    } else if (event.type === 'test:complete') {
      this.lastFinished = this.running.get(key) ?? event.name;
      this.running.delete(key);
      this.finishedAny = true;
      this.lastActivity = Date.now();
    } else if (event.type === 'test:pass' || event.type === 'test:fail') {
      // Reported in order, children before their suite: count tests, and a suite's own
      // failure (a failed `after` hook) only when none of its tests failed.
      const below = this.failedBelow[event.nesting + 1] ?? false;
      this.failedBelow[event.nesting + 1] = false;
      let counted = below;
      // As node:test counts: a skipped or todo test never fails the run.
      const failed = event.type === 'test:fail' && !event.skip && !event.todo;
      if (!event.suite) {
        if (failed) this.counts.failed += 1;
        else if (event.skip || event.todo) this.counts.skipped += 1;
        else this.counts.passed += 1;
      }
      if (failed && (!event.suite || !below)) {
        if (event.suite) this.counts.failed += 1;
        this.failures.push(`${this.paths.get(key) ?? event.name}${event.message ? `: ${event.message}` : ''}`);
        counted = true;
      }
      this.failedBelow[event.nesting] = (this.failedBelow[event.nesting] ?? false) || counted;
    }
  }

  /** The innermost tests and suites still running (a suite that runs a test is not listed). */
  unfinished() {
    const paths = [...this.running.values()];
    return paths.filter((candidate) => !paths.some((other) => other.startsWith(`${candidate} › `)));
  }

  /** Why this file is stuck, or null: still running past its limit, or not exiting after its tests. */
  stuck(now, startedAt, limit) {
    if (now - startedAt > limit) return `still running after its limit of ${limit / 1000} s`;
    if (this.finishedAny && this.running.size === 0 && now - this.lastActivity > EXIT_GRACE_MS) {
      return `every test it started had finished, but the process did not exit within ${EXIT_GRACE_MS / 1000} s: a server, socket, timer, child process or database pool was left open`;
    }
    return null;
  }
}

function runFile(file) {
  const run = new FileRun(file);
  const startedAt = Date.now();
  run.lastActivity = startedAt;
  const limit = HEAVY.test(file) ? FILE_LIMIT_MS.heavy : FILE_LIMIT_MS.light;
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${path.join(root, 'scripts/test-events.mjs')}`,
      `--test-reporter-destination=${run.events.path}`,
      file,
    ],
    // Its own process group, so a stuck file is stopped with everything it started.
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'test', WASLA_TEST_TIMEOUT_S: String(TEST_TIMEOUT_MS / 1000), ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}) } },
  );
  children.add(child);
  child.stdout.on('data', (chunk) => run.output.push(chunk));
  child.stderr.on('data', (chunk) => run.output.push(chunk));

  return new Promise((resolve) => {
    const watchdog = setInterval(() => {
      run.readEvents();
      const reason = run.stuck(Date.now(), startedAt, limit);
      if (!reason || run.problem) return;
      const unfinished = run.unfinished();
      run.problem = `stopped: ${reason}.${unfinished.length ? `\n  Not finished:\n${unfinished.map((name) => `    - ${name}`).join('\n')}` : run.lastFinished ? `\n  The last test to finish: ${run.lastFinished}` : ''}`;
      stop(child);
    }, 1000);
    child.on('error', (error) => {
      run.problem = `could not start: ${error.message}`;
    });
    child.on('close', (code, signal) => {
      clearInterval(watchdog);
      run.readEvents();
      children.delete(child);
      run.seconds = (Date.now() - startedAt) / 1000;
      if (run.problem) {
        // Each test it never finished failed; if none, the file itself did.
        run.counts.failed += Math.max(1, run.unfinished().length);
        run.failures.push(run.problem);
      } else if (code !== 0 && run.counts.failed === 0) {
        run.counts.failed += 1;
        run.failures.push(`the test process exited with ${code ?? signal} although no test failed`);
      }
      resolve(run);
    });
  });
}

function stop(child) {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return; // Already gone.
  }
  setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, KILL_GRACE_MS).unref();
}

const children = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) stop(child);
    process.exit(130);
  });
}

function report(run) {
  const { passed, failed, skipped } = run.counts;
  const mark = failed ? '✖' : '✔';
  process.stdout.write(`\n${mark} ${run.file} — ${passed} passed, ${failed} failed, ${skipped} skipped (${run.seconds.toFixed(1)} s)\n`);
  process.stdout.write(Buffer.concat(run.output));
  if (run.problem) process.stdout.write(`\n✖ ${run.file} ${run.problem}\n`);
}

const selected = process.argv.slice(2);
const quick = process.env.WASLA_TEST_SKIP_CHECKS === '1';
if (!quick) {
  // The browser tests run against the production build, so build everything first.
  check('typecheck and build (npm run build)', 'npm', ['run', 'build']);
  check('typecheck tests, benchmarks and scripts', 'npx', ['tsc', '-p', 'tsconfig.tests.json']);
  check('lint (eslint)', 'npx', ['eslint', '.', '--max-warnings=0']);
}
const files = (selected.length ? selected.flatMap((entry) => (statSync(entry).isDirectory() ? findTests(entry) : [path.relative(root, path.resolve(entry))])) : ROOTS.flatMap((dir) => findTests(path.join(root, dir)))).sort();
// The long files first, so the short ones fill in around them.
const queue = [...files.filter((file) => HEAVY.test(file)), ...files.filter((file) => !HEAVY.test(file))];
const concurrency = Math.max(1, Number(process.env.WASLA_TEST_CONCURRENCY ?? 2));
process.stdout.write(`\n▶ tests (${files.length} files, ${concurrency} at a time; each test may take ${TEST_TIMEOUT_MS / 1000} s, each file ${FILE_LIMIT_MS.light / 1000} s or ${FILE_LIMIT_MS.heavy / 1000} s for integration and browser files)\n`);

const eventsDir = mkdtempSync(path.join(os.tmpdir(), 'wasla-test-events-'));
process.on('exit', () => rmSync(eventsDir, { recursive: true, force: true }));
const startedAt = Date.now();
const runs = [];
await Promise.all(
  Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const run = await runFile(file);
      report(run);
      runs.push(run);
    }
  }),
);

const total = { passed: 0, failed: 0, skipped: 0 };
for (const run of runs) for (const key of Object.keys(total)) total[key] += run.counts[key];
const failedRuns = runs.filter((run) => run.counts.failed > 0);
process.stdout.write(`\n${files.length} files in ${((Date.now() - startedAt) / 1000).toFixed(0)} s. Slowest: ${[...runs].sort((a, b) => b.seconds - a.seconds).slice(0, 3).map((run) => `${run.file} ${run.seconds.toFixed(0)} s`).join(', ')}\n`);
if (failedRuns.length) {
  process.stdout.write('\nFailed:\n');
  for (const run of failedRuns) for (const failure of run.failures) process.stdout.write(`  ✖ ${run.file}: ${failure.split('\n').join('\n    ')}\n`);
}
process.stdout.write(`\n${summary(total)}\n`);
process.exitCode = total.failed > 0 ? 1 : 0;
