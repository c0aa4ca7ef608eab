import { z } from 'zod';
import { sessionStateSchema, qrPayloadSchema } from './session.js';
import { messageSchema, messageStatusEventSchema, senderIdentifiedSchema } from './messages.js';
import { campaignProgressSchema } from './campaigns.js';

/** Events a client may subscribe to on `/ws`. */
export const WS_EVENTS = ['session_update', 'qr_code', 'message_status', 'message_received', 'sender_identified', 'campaign_progress'] as const;
export const wsEventSchema = z.enum(WS_EVENTS);
export type WsEvent = z.infer<typeof wsEventSchema>;

/** Largest client message the server reads; anything bigger is refused with an error. */
export const WS_MAX_CLIENT_MESSAGE_BYTES = 4096;

// Client → server
export const wsClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), events: z.array(wsEventSchema).min(1).max(WS_EVENTS.length), sessionId: z.string().optional() }),
  z.object({ type: z.literal('unsubscribe'), events: z.array(wsEventSchema).min(1).max(WS_EVENTS.length), sessionId: z.string().optional() }),
  z.object({ type: z.literal('ping'), t: z.number().optional() }),
  z.object({ type: z.literal('pong'), t: z.number().optional() }),
]);
export type WsClientMessage = z.infer<typeof wsClientMessageSchema>;

// Server → client
export const wsSessionUpdateSchema = z.object({
  type: z.literal('session_update'),
  epoch: z.number(),
  rev: z.number(),
  data: sessionStateSchema,
});
export const wsQrCodeSchema = z.object({
  type: z.literal('qr_code'),
  epoch: z.number(),
  rev: z.number(),
  sessionId: z.string(),
  data: qrPayloadSchema,
});
export const wsMessageStatusSchema = z.object({ type: z.literal('message_status'), data: messageStatusEventSchema });
/** A message someone sent to the linked number. */
export const wsMessageReceivedSchema = z.object({ type: z.literal('message_received'), data: messageSchema });
/** A sender known only by its LID is now known by its number: earlier messages from it carry the number. */
export const wsSenderIdentifiedSchema = z.object({ type: z.literal('sender_identified'), data: senderIdentifiedSchema });
export const wsCampaignProgressSchema = z.object({ type: z.literal('campaign_progress'), data: campaignProgressSchema });
export const wsPingSchema = z.object({ type: z.literal('ping'), t: z.number() });
export const wsPongSchema = z.object({ type: z.literal('pong'), t: z.number().optional() });
export const wsErrorSchema = z.object({
  type: z.literal('error'),
  data: z.object({ code: z.string(), message: z.string() }),
});
export const wsServerMessageSchema = z.discriminatedUnion('type', [
  wsSessionUpdateSchema,
  wsQrCodeSchema,
  wsMessageStatusSchema,
  wsMessageReceivedSchema,
  wsSenderIdentifiedSchema,
  wsCampaignProgressSchema,
  wsPingSchema,
  wsPongSchema,
  wsErrorSchema,
]);
export type WsServerMessage = z.infer<typeof wsServerMessageSchema>;
export type WsSessionUpdate = z.infer<typeof wsSessionUpdateSchema>;
export type WsQrCode = z.infer<typeof wsQrCodeSchema>;

/** Close codes the server uses. */
export const WS_CLOSE = {
  serverShutdown: 1001,
  /** No credential, or the one used has ended (logout, user deleted, key revoked, password changed). */
  notAuthenticated: 4401,
  notAllowed: 4403,
  /** This user (or API key) already holds as many sockets as the server allows one caller. */
  tooManyConnections: 4429,
} as const;

/** Seconds between server heartbeats; a client silent for two of them is dropped. */
export const WS_HEARTBEAT_INTERVAL_MS = 15_000;
