import type { WebSocket } from 'ws';
import type { WsEvent } from '@wasla/protocol';
import type { Principal } from '../modules/auth/principal.js';
import type { Credential } from '../modules/auth/service.js';

/** What the hub remembers about one socket; kept small, there may be tens of thousands. */
export interface WsClient {
  socket: WebSocket;
  /** Who holds the socket; looked at again whenever their credentials change. */
  principal: Principal;
  credential: Credential;
  /** Whose sockets count together against the per-caller cap. */
  owner: string;
  /** sessionId → subscribed events */
  subscriptions: Map<string, Set<WsEvent>>;
  alive: boolean;
  /** Token bucket against floods: refilled over time, one token per message. */
  tokens: number;
  refilledAt: number;
  /** Messages refused for the rate limit in a row; too many closes the socket. */
  strikes: number;
}

export const RATE = { perSecond: 20, burst: 40, maxStrikes: 200 } as const;

/** Takes one token; false when the client is over its rate. */
export function takeToken(client: WsClient, now: number): boolean {
  const elapsed = (now - client.refilledAt) / 1000;
  client.tokens = Math.min(RATE.burst, client.tokens + elapsed * RATE.perSecond);
  client.refilledAt = now;
  if (client.tokens < 1) return false;
  client.tokens -= 1;
  return true;
}
