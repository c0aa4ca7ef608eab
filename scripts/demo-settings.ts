/** The demo's fixed settings, shared by `npm run demo` and `npm run demo:link`. */
export const DEMO = {
  port: Number(process.env.PORT ?? 3000),
  emulatorPort: Number(process.env.EMULATOR_PORT ?? 4040),
  phone: process.env.DEMO_PHONE ?? '+966501234567',
  email: 'demo@wasla.local',
  password: 'wasla-demo-password',
} as const;
