// `npm test`: typecheck and build, lint, then every test file with Node's test runner.
// Extra arguments are test files or folders to run instead of all of them.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', '.git', '.next', 'data']);
const ROOTS = ['packages', 'apps', 'e2e', 'scripts'];

function findTests(dir, found = []) {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) findTests(full, found);
    else if (name.endsWith('.test.ts')) found.push(path.relative(root, full));
  }
  return found;
}

function run(title, command, args) {
  process.stdout.write(`\n▶ ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } });
  if (result.status !== 0) {
    process.stdout.write(`\n✖ ${title} failed\n`);
    process.exit(result.status ?? 1);
  }
}

const selected = process.argv.slice(2);
const quick = process.env.WASLA_TEST_SKIP_CHECKS === '1';
if (!quick) {
  // The browser tests run against the production build, so build everything first.
  run('typecheck and build (npm run build)', 'npm', ['run', 'build']);
  run('typecheck tests, benchmarks and scripts', 'npx', ['tsc', '-p', 'tsconfig.tests.json']);
  run('lint (eslint)', 'npx', ['eslint', '.', '--max-warnings=0']);
}
const files = (selected.length ? selected.flatMap((entry) => (statSync(entry).isDirectory() ? findTests(entry) : [entry])) : ROOTS.flatMap((dir) => findTests(path.join(root, dir)))).sort();
run(`tests (${files.length} files)`, process.execPath, [
  '--conditions=source',
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  `--test-concurrency=${process.env.WASLA_TEST_CONCURRENCY ?? 2}`,
  ...files,
]);
