import type { Logger } from 'pino';
import type { Campaign, CampaignProgress, CampaignWaitCode } from '@wasla/protocol';
import type { EventBus } from '../../events/events.js';
import { DAY_MS, estimateFinish } from './pacing.js';

/** Sends counted for the rate: the last five minutes. */
const RATE_WINDOW_MS = 5 * 60_000;
/** Sends kept for the estimate: the caps' longest window, at most this many. */
const KEPT_SENDS = 100_000;

export interface LiveProgressOptions {
  bus: EventBus;
  /** Reads a campaign with its counts, to publish. */
  read(campaignId: string): Promise<Campaign>;
  logger: Logger;
  /**
   * Whether this instance runs the session (one process runs all). What a campaign of a
   * session run elsewhere waits for is what its owner's `campaign_progress` said last.
   */
  runsHere(sessionId: string): boolean;
  /** Longest a `campaign_progress` stream is quiet while recipients change (default 250 ms). */
  intervalMs?: number;
  now?: () => Date;
}

/**
 * What `campaign_progress` says beyond the stored counts — the recent sends (for the
 * rate and ETA) and what a running campaign waits for — and publishing it, throttled.
 */
export class LiveProgress {
  private readonly waits = new Map<string, { code: CampaignWaitCode; until: Date | null }>();
  private readonly sends = new Map<string, number[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastProgress = new Map<string, number>();
  private closed = false;
  private readonly stopHearing: () => void;

  constructor(private readonly options: LiveProgressOptions) {
    this.stopHearing = options.bus.subscribe('campaign_progress', (progress) => {
      if (options.runsHere(progress.sessionId)) return;
      if (progress.waiting) this.waits.set(progress.campaignId, { code: progress.waiting.code, until: progress.waiting.until ? new Date(progress.waiting.until) : null });
      else this.waits.delete(progress.campaignId);
    });
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  waitOf(campaignId: string): { code: CampaignWaitCode; until: Date | null } | undefined {
    return this.waits.get(campaignId);
  }

  close(): void {
    this.closed = true;
    this.stopHearing();
    for (const timer of this.timers.values()) clearTimeout(timer);
  }

  sent(campaignId: string, at: Date): void {
    const times = this.sends.get(campaignId) ?? [];
    times.push(at.getTime());
    // The caps count the last 24 hours' sends; one array shift per old send is cheap enough at these rates.
    while (times.length > 0 && ((times[0] ?? 0) <= at.getTime() - DAY_MS || times.length > KEPT_SENDS)) times.shift();
    this.sends.set(campaignId, times);
    this.soon(campaignId);
  }

  waiting(campaignId: string, wait: { code: CampaignWaitCode; until: Date | null } | null): void {
    const before = this.waits.get(campaignId);
    if (!wait) {
      if (!before) return;
      this.waits.delete(campaignId);
    } else {
      // A gap is waited before every message: not worth an event of its own.
      if (before?.code === wait.code && before.until?.getTime() === wait.until?.getTime()) return;
      this.waits.set(campaignId, wait);
      if (wait.code === 'gap' && before?.code === 'gap') return;
    }
    this.soon(campaignId);
  }

  /** Publishes the campaign's progress soon: at most once per interval, the last change always. */
  soon(campaignId: string): void {
    if (this.timers.has(campaignId) || this.closed) return;
    const interval = this.options.intervalMs ?? 250;
    const since = Date.now() - (this.lastProgress.get(campaignId) ?? 0);
    const timer = setTimeout(() => {
      this.timers.delete(campaignId);
      this.lastProgress.set(campaignId, Date.now());
      this.options.read(campaignId).then(
        (campaign) => this.publish(campaign),
        (error: unknown) => this.options.logger.error({ err: error, campaignId }, 'could not publish campaign progress'),
      );
    }, Math.max(0, interval - since));
    timer.unref();
    this.timers.set(campaignId, timer);
  }

  /** Publishes the campaign's progress now (after a change of status). */
  publish(campaign: Campaign): void {
    this.options.bus.publish('campaign_progress', this.progressOf(campaign));
  }

  private progressOf(campaign: Campaign): CampaignProgress {
    const now = this.now().getTime();
    const kept = this.sends.get(campaign.id) ?? [];
    const times = kept.filter((t) => t >= now - RATE_WINDOW_MS);
    const first = times[0];
    // Over the window, or since the first send in it when that is more recent (at least 10 s).
    const spanMs = first === undefined ? 0 : Math.max(10_000, Math.min(RATE_WINDOW_MS, now - first));
    const ratePerMinute = spanMs > 0 ? (times.length * 60_000) / spanMs : 0;
    const { pending } = campaign.counts;
    let etaSeconds: number | null = null;
    if (campaign.status === 'running' && pending > 0) {
      // Waiting for the session: no one knows when it is back.
      const { waiting } = campaign;
      const until = waiting ? (waiting.until === null ? null : new Date(waiting.until)) : undefined;
      if (until !== null) {
        const finish = estimateFinish({ now: new Date(now), pending, limits: campaign.limits, recentSends: kept, nextAt: until ?? null });
        etaSeconds = finish ? Math.max(0, Math.round((finish.getTime() - now) / 1000)) : null;
      }
    } else if (pending === 0) {
      etaSeconds = 0;
    }
    return {
      campaignId: campaign.id,
      sessionId: campaign.sessionId,
      status: campaign.status,
      pause: campaign.pause,
      waiting: campaign.waiting,
      counts: campaign.counts,
      ratePerMinute: Math.round(ratePerMinute * 10) / 10,
      etaSeconds,
      at: new Date(now).toISOString(),
    };
  }
}
