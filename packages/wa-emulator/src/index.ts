export { startEmulator, type Emulator, type EmulatorOptions } from './server.js';
export { EMULATOR_ROOT_PUBLIC_KEY_B64 } from './keys.js';
export type { InboundStatus, MessageStatus, ReceivedMessage, SentMessage } from './message-log.js';
export type { Resend, RetryRequest } from './retries.js';
