import { z } from 'zod';

/** A message's lifecycle. Only moves forward: pending → sent → delivered → read (or failed). */
export const MESSAGE_STATUSES = ['pending', 'sent', 'delivered', 'read', 'failed', 'unknown'] as const;
export const messageStatusSchema = z.enum(MESSAGE_STATUSES);
export type MessageStatus = z.infer<typeof messageStatusSchema>;

/** Progress rank of a status; a status update is applied only when it raises the rank. */
export const MESSAGE_STATUS_RANK: Record<MessageStatus, number> = {
  pending: 0,
  unknown: 0,
  sent: 1,
  delivered: 2,
  read: 3,
  failed: 4,
};

export const sendMessageRequestSchema = z.object({
  to: z.string().min(1).max(40),
  text: z.string().min(1).max(4096),
  sessionId: z.string().optional(),
});
export type SendMessageRequest = z.infer<typeof sendMessageRequestSchema>;

export const messageSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  direction: z.enum(['out', 'in']),
  /**
   * The other party's number in E.164: the recipient of an outgoing message, the sender of an incoming one.
   * A sender WhatsApp names only by its LID shows as `<digits>@lid` until its number is known.
   */
  peer: z.string(),
  text: z.string(),
  status: messageStatusSchema,
  error: z.string().nullable(),
  errorCode: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Message = z.infer<typeof messageSchema>;

/**
 * WhatsApp told which number a sender it had named only by a LID (`<digits>@lid`) is: that
 * sender's stored messages now carry the number (`messages` of them), and an opt-out sent
 * under the LID now holds for the number (`optedOut`).
 */
export const senderIdentifiedSchema = z.object({
  sessionId: z.string(),
  lid: z.string(),
  phone: z.string(),
  messages: z.number().int().nonnegative(),
  optedOut: z.boolean(),
});
export type SenderIdentified = z.infer<typeof senderIdentifiedSchema>;

/** True for a sender WhatsApp names only by its LID, whose number is not known yet. */
export function isLidPeer(peer: string): boolean {
  return peer.endsWith('@lid');
}

export const messageStatusEventSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  status: messageStatusSchema,
  error: z.string().nullable(),
  errorCode: z.string().nullable(),
  updatedAt: z.string(),
});
export type MessageStatusEvent = z.infer<typeof messageStatusEventSchema>;

export const pageSchema = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
