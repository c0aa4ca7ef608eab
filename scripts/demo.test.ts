import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEMO_USAGE, UsageError, demoSettings } from './demo-settings.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** `npm run demo -- <args>`, as npm runs it (without npm's own banner). */
function demo(args: string[]) {
  return spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'scripts/demo.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PORT: '' } });
}

test('npm run demo -- --help explains the options and starts nothing', () => {
  for (const flag of ['--help', '-h']) {
    const run = demo([flag]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, DEMO_USAGE);
    for (const option of ['--port', '--emulator-port', '--phone', 'starts fresh', 'demo:link']) assert.ok(run.stdout.includes(option), option);
    assert.doesNotMatch(run.stdout, /is running/);
  }
});

test('an unknown or malformed option is refused with the usage, before anything starts', () => {
  for (const args of [['--prot', '3100'], ['--port', 'eighty'], ['--phone', '0501234567']]) {
    const run = demo(args);
    assert.equal(run.status, 2, args.join(' '));
    assert.ok(run.stderr.includes('Usage: npm run demo'), args.join(' '));
    assert.doesNotMatch(run.stdout, /is running/);
  }
});

test('flags win over the environment, which wins over the defaults', () => {
  assert.deepEqual(demoSettings([], {}), { port: 3000, emulatorPort: 4040, phone: '+966501234567', email: 'demo@wasla.local', password: 'wasla-demo-password' });
  const fromEnv = demoSettings([], { PORT: '3200', EMULATOR_PORT: '4200', DEMO_PHONE: '+971501234567' });
  assert.ok(fromEnv !== 'help');
  assert.deepEqual([fromEnv.port, fromEnv.emulatorPort, fromEnv.phone], [3200, 4200, '+971501234567']);
  const fromFlags = demoSettings(['--port', '3100', '--emulator-port=4140', '--phone', '+966551234567'], { PORT: '3200' });
  assert.ok(fromFlags !== 'help');
  assert.deepEqual([fromFlags.port, fromFlags.emulatorPort, fromFlags.phone], [3100, 4140, '+966551234567']);
  assert.equal(demoSettings(['--port', '1', '--help'], {}), 'help');
  assert.throws(() => demoSettings(['--port', '70000'], {}), UsageError);
  assert.throws(() => demoSettings(['extra'], {}), UsageError);
});
