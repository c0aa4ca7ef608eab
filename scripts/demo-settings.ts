import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** The demo's settings, shared by `npm run demo` and `npm run demo:link`. */
export interface DemoSettings {
  port: number;
  emulatorPort: number;
  phone: string;
  email: string;
  password: string;
}

export const DEMO_USAGE = `Usage: npm run demo -- [options]        (and npm run demo:link -- [options] in a second terminal)

Starts the WhatsApp emulator and Wasla, wired together, with a demo admin. No WhatsApp
account is needed. The demo starts fresh on every run: its data (./data/demo) is deleted
first, because the emulator keeps its own world in memory only.

Options (each also read from the environment variable in brackets):
  --port <port>            Wasla's dashboard and API              [PORT]           default 3000
  --emulator-port <port>   the emulator's WhatsApp server and     [EMULATOR_PORT]  default 4040
                           control API
  --phone <E.164 number>   the emulated phone's own number        [DEMO_PHONE]     default +966501234567
  -h, --help               show this and exit

Pass the same --port and --emulator-port to demo:link. Example, when 3000 is taken:
  npm run demo -- --port 3100 --emulator-port 4140
  npm run demo:link -- --port 3100 --emulator-port 4140
`;

/** The demo admin, the same for `npm run demo`, `npm run cluster` and `npm run demo:link`. */
export const DEMO_LOGIN = { email: 'demo@wasla.local', password: 'wasla-demo-password' } as const;

/** A port from a flag or the environment, or `fallback` when neither gives one. */
export function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535) throw new UsageError(`${name} must be a port number from 1 to 65535, not "${value}".`);
  return number;
}

/** The emulated phone's number from a flag or the environment, or the default. */
export function phoneNumber(value: string | undefined): string {
  const phone = value || '+966501234567';
  if (!/^\+[1-9]\d{7,14}$/.test(phone)) throw new UsageError(`--phone must be a number in international form such as +966501234567, not "${phone}".`);
  return phone;
}

export class UsageError extends Error {}

/** The command line's options (no positionals); throws UsageError for anything it doesn't understand. */
export function parseOptions<const O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Reads the options (flags win over the environment); throws UsageError for anything it doesn't understand. */
export function demoSettings(argv: string[], env: Record<string, string | undefined>): DemoSettings | 'help' {
  const values = parseOptions(argv, {
    port: { type: 'string' },
    'emulator-port': { type: 'string' },
    phone: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  const phone = phoneNumber(values.phone ?? env.DEMO_PHONE);
  return {
    port: port(values.port ?? env.PORT, 3000, '--port'),
    emulatorPort: port(values['emulator-port'] ?? env.EMULATOR_PORT, 4040, '--emulator-port'),
    phone,
    ...DEMO_LOGIN,
  };
}

/**
 * The settings `read` gives for this process's arguments and environment, or — for --help
 * or a mistake — `usage` printed, and exit.
 */
export function settingsOrExit<T>(read: (argv: string[], env: Record<string, string | undefined>) => T | 'help', usage: string): T {
  try {
    const settings = read(process.argv.slice(2), process.env);
    if (settings !== 'help') return settings;
    process.stdout.write(usage);
    process.exit(0);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${usage}`);
    process.exit(2);
  }
}

/** The demo's settings for this process, or the usage, and exit. */
export function demoSettingsOrExit(): DemoSettings {
  return settingsOrExit(demoSettings, DEMO_USAGE);
}
