// `npm run demo`: the WhatsApp emulator and Wasla wired together, with a demo admin.
// Link the emulated phone afterwards with `npm run demo:link`.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@wasla/wa-emulator';
import { loadConfig } from '../apps/server/src/config/config.js';
import { buildApp } from '../apps/server/src/app.js';
import { createLogger } from '../apps/server/src/logger.js';
import { demoSettingsOrExit } from './demo-settings.js';

// Before anything starts: --help (or a mistake) only prints the options.
const DEMO = demoSettingsOrExit();

const root = fileURLToPath(new URL('..', import.meta.url));
// The emulator keeps its world in memory, so links from an earlier run are gone: start fresh.
const dataDir = path.join(root, 'data', 'demo');
rmSync(dataDir, { recursive: true, force: true });
const emulator = await startEmulator({ port: DEMO.emulatorPort, phone: DEMO.phone });
const config = loadConfig({
  PORT: String(DEMO.port),
  HOST: '127.0.0.1',
  NODE_ENV: 'development',
  DATA_DIR: dataDir,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  WA_SERVER_URL: emulator.url,
  WA_SERVER_CERT_KEY: Buffer.from(emulator.rootPublicKey).toString('base64'),
  WASLA_ADMIN_EMAIL: DEMO.email,
  WASLA_ADMIN_PASSWORD: DEMO.password,
  // For `npm run dev` on :3001 (its WebSocket comes from that origin).
  PUBLIC_ORIGIN: process.env.PUBLIC_ORIGIN,
});
const app = await buildApp(config, { logger: createLogger(config.logLevel) });
const address = await app.listen();

process.stdout.write(`
  Wasla demo is running — no WhatsApp account needed.

  Wasla        ${address}   (API docs: ${address}/api/docs)
  Log in as    ${DEMO.email} / ${DEMO.password}
  Emulator     ${emulator.controlUrl}   (a WhatsApp server and the phone ${DEMO.phone})

  Demo data starts fresh on every run. Other ports: npm run demo -- --help

  Link the emulated phone (in another terminal):   npm run demo:link${DEMO.port === 3000 && DEMO.emulatorPort === 4040 ? '' : ` -- --port ${DEMO.port} --emulator-port ${DEMO.emulatorPort}`}
  Then send a message:
    curl -s -c /tmp/wasla.cookie -H 'content-type: application/json' -d '{"email":"${DEMO.email}","password":"${DEMO.password}"}' ${address}/api/auth/login
    curl -s -b /tmp/wasla.cookie -H 'origin: ${address}' -H 'content-type: application/json' -d '{"to":"0551234567","text":"Hello from Wasla"}' ${address}/api/messages
    curl -s ${emulator.controlUrl}/control/messages

  "Live" in the dashboard's top bar means your browser is connected to Wasla and
  receives every change as it happens; whether WhatsApp is linked is the session's
  own badge beside it.

  Ctrl+C stops both.
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void app.close().then(() => emulator.close()).then(() => process.exit(0));
  });
}
