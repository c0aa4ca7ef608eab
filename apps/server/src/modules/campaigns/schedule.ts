import type { CampaignRecord } from './repository.js';

// setTimeout's largest delay; a later start is armed again when it fires.
const MAX_TIMER_MS = 2_147_483_647;

/** One timer per scheduled campaign, which calls `due` when its time comes. */
export class ScheduledStarts {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; sessionId: string }>();

  constructor(
    private readonly due: (campaignId: string) => void,
    private readonly now: () => Date,
  ) {}

  arm(record: CampaignRecord): void {
    this.disarm(record.id);
    const wait = record.scheduledAt ? new Date(record.scheduledAt).getTime() - this.now().getTime() : 0;
    const timer = setTimeout(() => {
      this.timers.delete(record.id);
      if (wait > MAX_TIMER_MS) this.arm(record);
      else this.due(record.id);
    }, Math.min(Math.max(0, wait), MAX_TIMER_MS));
    timer.unref();
    this.timers.set(record.id, { timer, sessionId: record.sessionId });
  }

  disarm(campaignId: string): void {
    const armed = this.timers.get(campaignId);
    if (armed) clearTimeout(armed.timer);
    this.timers.delete(campaignId);
  }

  /** The session runs elsewhere now (cluster mode): its owner starts its campaigns. */
  disarmSession(sessionId: string): void {
    for (const [campaignId, armed] of this.timers) if (armed.sessionId === sessionId) this.disarm(campaignId);
  }

  close(): void {
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
