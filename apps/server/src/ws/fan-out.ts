import type { SessionState, WsEvent } from '@wasla/protocol';
import type { WsClient } from './client.js';

type Deliver = (client: WsClient, frame: string) => void;

/** The QR and pairing code are admin-only: whoever holds them owns the number. */
export function redactForOperator(state: SessionState): SessionState {
  return state.qrCode === null && state.pairingCode === null ? state : { ...state, qrCode: null, pairingCode: null };
}

/**
 * Who is subscribed to what, indexed by session and event so a change costs one
 * serialisation per audience and one send per subscribed client.
 */
export class FanOut {
  private readonly bySession = new Map<string, Map<WsEvent, Set<WsClient>>>();

  subscribe(client: WsClient, sessionId: string, events: WsEvent[]): void {
    const mine = client.subscriptions.get(sessionId) ?? new Set<WsEvent>();
    client.subscriptions.set(sessionId, mine);
    for (const event of events) {
      mine.add(event);
      this.audience(sessionId, event).add(client);
    }
  }

  unsubscribe(client: WsClient, sessionId: string, events: WsEvent[]): void {
    const mine = client.subscriptions.get(sessionId);
    for (const event of events) {
      mine?.delete(event);
      this.bySession.get(sessionId)?.get(event)?.delete(client);
    }
  }

  removeClient(client: WsClient): void {
    for (const [sessionId, events] of client.subscriptions) this.unsubscribe(client, sessionId, [...events]);
    client.subscriptions.clear();
  }

  sessionUpdateFrame(state: SessionState, admin: boolean): string {
    const data = admin ? state : redactForOperator(state);
    return JSON.stringify({ type: 'session_update', epoch: state.epoch, rev: state.rev, data });
  }

  qrFrame(state: SessionState): string {
    return JSON.stringify({
      type: 'qr_code',
      epoch: state.epoch,
      rev: state.rev,
      sessionId: state.sessionId,
      data: { qr: state.qrCode, expiresAt: state.qrExpiresAt },
    });
  }

  publishSession(state: SessionState, deliver: Deliver): void {
    const updates = this.bySession.get(state.sessionId)?.get('session_update');
    if (updates?.size) {
      let adminFrame: string | null = null;
      let operatorFrame: string | null = null;
      for (const client of updates) {
        const admin = client.principal.role === 'admin';
        const frame = admin ? (adminFrame ??= this.sessionUpdateFrame(state, true)) : (operatorFrame ??= this.sessionUpdateFrame(state, false));
        deliver(client, frame);
      }
    }
    const qrAudience = this.bySession.get(state.sessionId)?.get('qr_code');
    if (state.qrCode && qrAudience?.size) {
      const frame = this.qrFrame(state);
      for (const client of qrAudience) deliver(client, frame);
    }
  }

  /** Sends `{type, data}` to the clients subscribed to `type` for the session; one frame for all. */
  publishEvent(sessionId: string, type: Exclude<WsEvent, 'session_update' | 'qr_code'>, data: unknown, deliver: Deliver): void {
    const audience = this.bySession.get(sessionId)?.get(type);
    if (!audience?.size) return;
    const frame = JSON.stringify({ type, data });
    for (const client of audience) deliver(client, frame);
  }

  private audience(sessionId: string, event: WsEvent): Set<WsClient> {
    let events = this.bySession.get(sessionId);
    if (!events) {
      events = new Map();
      this.bySession.set(sessionId, events);
    }
    let clients = events.get(event);
    if (!clients) {
      clients = new Set();
      events.set(event, clients);
    }
    return clients;
  }
}
