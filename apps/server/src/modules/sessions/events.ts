import { EventEmitter } from 'node:events';
import type { CampaignProgress, Message, MessageStatusEvent, SenderIdentified, SessionState, SessionTransition } from '@wasla/protocol';

/** What the server publishes to its subscribers (the WebSocket hub, metrics, later Redis). */
export interface ServerEvents {
  session_update: [SessionState];
  session_transition: [SessionTransition];
  message_status: [MessageStatusEvent];
  message_received: [Message];
  /** WhatsApp told which number a LID is: that many stored messages moved from the LID to it. */
  sender_identified: [SenderIdentified];
  campaign_progress: [CampaignProgress];
}

/** A typed in-process event bus, created once per app in `buildApp`. */
export class EventBus extends EventEmitter<ServerEvents> {
  constructor() {
    super({ captureRejections: false });
    // One listener per subsystem, not per client: the hub fans out to clients itself.
    this.setMaxListeners(50);
  }
}
