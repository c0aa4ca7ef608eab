import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { CampaignProgress, CampaignStatus, RecipientCounts } from '@wasla/protocol';
import type { EventBus } from '../../events/events.js';
import type { RecipientsRepository } from '../campaigns/recipients-repository.js';
import type { CampaignsRepository } from '../campaigns/repository.js';

/** The outcomes counted, as the campaign's counts define them (`countRecipient`). */
export const CAMPAIGN_OUTCOMES = ['sent', 'delivered', 'read', 'failed', 'skipped', 'unknown'] as const;
type Outcome = (typeof CAMPAIGN_OUTCOMES)[number];
type Outcomes = Record<Outcome, number>;

/** A campaign and its counts as stored now. */
export interface CampaignCounts {
  id: string;
  counts: RecipientCounts;
}

export interface CampaignOutcomesOptions {
  bus: EventBus;
  registry: Registry;
  /** The unfinished campaigns (of one session, or all) with their counts now. */
  unfinished(sessionId?: string): Promise<CampaignCounts[]>;
  /**
   * Whether this instance sends the session's campaigns (cluster mode: it holds the
   * session's lease), so each outcome is counted on one instance. Default: every session.
   */
  sends?(sessionId: string): boolean;
}

const UNFINISHED: CampaignStatus[] = ['scheduled', 'running', 'paused'];

/** Reads the unfinished campaigns (of one session, or all) with their counts, for `CampaignOutcomes.follow`. */
export function unfinishedCampaigns(campaigns: CampaignsRepository, recipients: RecipientsRepository): (sessionId?: string) => Promise<CampaignCounts[]> {
  return async (sessionId) => {
    const found: CampaignCounts[] = [];
    for (const session of sessionId === undefined ? await campaigns.sessionsWithStatus(UNFINISHED) : [sessionId]) {
      for (const campaign of await campaigns.bySessionAndStatus(session, UNFINISHED)) found.push({ id: campaign.id, counts: await recipients.counts(campaign.id) });
    }
    return found;
  };
}

function outcomesOf(counts: RecipientCounts): Outcomes {
  return { sent: counts.sent, delivered: counts.delivered, read: counts.read, failed: counts.failed, skipped: counts.skipped, unknown: counts.unknown };
}

/**
 * `wasla_campaign_messages_total{outcome}`: campaign recipients by the outcome they
 * reached, in the campaign counts' own terms — a read message was also delivered and
 * sent, so over a campaign the counter grows by its counts.
 *
 * Every change of a recipient's status is followed by a `campaign_progress` with the
 * campaign's stored counts (throttled, the last change always), so the counter grows by
 * what the counts grew since the last one seen here: one place, whichever part of the
 * campaign service changed the recipient, and nothing in it changes. The counts seen
 * are kept per outcome as the highest so far, so a progress read earlier but published
 * later counts nothing twice; a count that falls (a sent message failing later) leaves
 * the outcomes already counted as they are — a counter only grows.
 *
 * What was counted before this process started is unknown: `follow()` takes the unfinished
 * campaigns' counts as they are (before recovery, so what recovery changes is counted);
 * a campaign first seen later was a draft then, and counts from zero — except one already
 * finished (a late receipt), whose counts are taken as they are.
 */
export class CampaignOutcomes {
  private readonly counted = new Map<string, Outcomes>();
  private readonly counter: Counter<'outcome'>;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: CampaignOutcomesOptions) {
    this.counter = new Counter({
      name: 'wasla_campaign_messages_total',
      help: 'Campaign recipients by the outcome they reached (a read message was also sent and delivered)',
      labelNames: ['outcome'],
      registers: [options.registry],
    });
    for (const outcome of CAMPAIGN_OUTCOMES) this.counter.inc({ outcome }, 0);
    this.unsubscribe = options.bus.subscribe('campaign_progress', (progress) => this.onProgress(progress));
  }

  /**
   * Counts the unfinished campaigns (of one session, or all) from their counts now: at
   * boot, and in cluster mode when this instance takes a session — before either
   * recovers the campaigns' interrupted messages.
   */
  async follow(sessionId?: string): Promise<void> {
    for (const campaign of await this.options.unfinished(sessionId)) this.counted.set(campaign.id, outcomesOf(campaign.counts));
  }

  close(): void {
    this.unsubscribe();
  }

  private onProgress(progress: CampaignProgress): void {
    if (this.options.sends && !this.options.sends(progress.sessionId)) return;
    const seen = outcomesOf(progress.counts);
    let counted = this.counted.get(progress.campaignId);
    if (!counted) {
      if (progress.status === 'completed' || progress.status === 'cancelled') {
        this.counted.set(progress.campaignId, seen);
        return;
      }
      counted = { sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, unknown: 0 };
      this.counted.set(progress.campaignId, counted);
    }
    for (const outcome of CAMPAIGN_OUTCOMES) {
      const grown = seen[outcome] - counted[outcome];
      if (grown <= 0) continue;
      this.counter.inc({ outcome }, grown);
      counted[outcome] = seen[outcome];
    }
  }
}
