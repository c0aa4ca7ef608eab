import { sessionStateSchema } from '@wasla/protocol';
import type { SessionState } from '@wasla/protocol';
import { apiFetch } from '../lib/api.js';
import { sessionPath } from './poller.js';
import type { SessionStore } from './store.js';

/** What an admin can do to the session. Each resolves with the state the server answered. */
export interface SessionActions {
  start(): Promise<SessionState>;
  stop(): Promise<SessionState>;
  restart(): Promise<SessionState>;
  /** Unlinks the phone and wipes the credentials. */
  logout(): Promise<SessionState>;
  /** Link by pairing code instead of QR; the code appears in the state as `pairingCode`. */
  requestPairingCode(phoneNumber: string): Promise<SessionState>;
  /** Ends the number's restriction by WhatsApp (463): sending may go on. Any user. */
  liftRestriction(): Promise<SessionState>;
}

/** POSTs a session route and returns the answered state. */
export type PostSessionRoute = (path: string, body?: unknown) => Promise<unknown>;

const postWithApi: PostSessionRoute = (path, body) => apiFetch<unknown>(path, { method: 'POST', ...(body === undefined ? {} : { body }) });

/**
 * The session commands. The answered state goes straight into the store (source
 * 'action'), so the page that pressed the button sees the result before the WebSocket
 * echoes it; the store drops the echo as not newer. Failures throw `ApiError`
 * (409 "already running", 403 for operators…) for the UI to show.
 */
export function createSessionActions(store: SessionStore, post: PostSessionRoute = postWithApi): SessionActions {
  const run = async (route: string, body?: unknown): Promise<SessionState> => {
    const state = sessionStateSchema.parse(await post(sessionPath(store.sessionId, route), body));
    store.apply(state, 'action');
    return state;
  };
  return Object.freeze({
    start: () => run('start'),
    stop: () => run('stop'),
    restart: () => run('restart'),
    logout: () => run('logout'),
    requestPairingCode: (phoneNumber: string) => run('pairing-code', { phoneNumber }),
    liftRestriction: () => run('restriction/lift'),
  });
}
