import type { CampaignRecord } from './repository.js';

// setTimeout's largest delay; a later start is armed again when it fires.
const MAX_TIMER_MS = 2_147_483_647;

/** One timer per scheduled campaign, which calls `due` when its time comes. */
export class ScheduledStarts {
  private readonly timers = new Map<string, NodeJS.Timeout>();

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
    this.timers.set(record.id, timer);
  }

  disarm(campaignId: string): void {
    const timer = this.timers.get(campaignId);
    if (timer) clearTimeout(timer);
    this.timers.delete(campaignId);
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
