// `npm run demo:link`: the emulated phone scans the QR that Wasla shows, as a person would.
import { decodeQrDataUrl } from '../apps/server/test/qr.js';
import { demoSettingsOrExit } from './demo-settings.js';

const DEMO = demoSettingsOrExit();

const wasla = `http://127.0.0.1:${DEMO.port}`;
const emulator = `http://127.0.0.1:${DEMO.emulatorPort}`;

async function call(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    throw new Error(`Nothing answers at ${new URL(url).origin}. Is \`npm run demo\` running?`);
  }
}

const login = await call(`${wasla}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: DEMO.email, password: DEMO.password }) });
if (!login.ok) throw new Error(`Could not log in to Wasla (${login.status}).`);
const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
const headers = { cookie, origin: wasla };

const IDLE = new Set(['stopped', 'logged_out', 'failed', 'disconnected']);
const deadline = Date.now() + 30_000;
let qr: { qr: string } | null = null;
while (!qr) {
  if (Date.now() > deadline) throw new Error('Wasla showed no QR code within 30 s.');
  const state = (await (await call(`${wasla}/api/session/state`, { headers })).json()) as { status: string; phoneNumber: string | null };
  if (state.status === 'ready') {
    process.stdout.write(`Already linked: ${state.phoneNumber}\n`);
    process.exit(0);
  }
  if (IDLE.has(state.status)) await call(`${wasla}/api/session/start`, { method: 'POST', headers });
  const response = await call(`${wasla}/api/session/qr`, { headers });
  if (response.ok) qr = (await response.json()) as { qr: string };
  else await new Promise((resolve) => setTimeout(resolve, 300));
}

const text = decodeQrDataUrl(qr.qr);
const scan = await call(`${emulator}/control/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr: text }) });
if (!scan.ok) throw new Error(`The phone could not scan the QR: ${await scan.text()}`);
process.stdout.write(`The phone ${DEMO.phone} scanned the QR. Watch the session turn ready: ${wasla}/api/session/state\n`);
