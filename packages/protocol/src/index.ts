export * from './session.js';
export * from './messages.js';
export * from './campaigns.js';
export * from './ws.js';
export * from './errors.js';

/** Bumped on every change to the wire protocol. */
export const PROTOCOL_VERSION = 4;
