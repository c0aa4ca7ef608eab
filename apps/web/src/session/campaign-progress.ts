import type { Campaign, CampaignProgress } from '@wasla/protocol';

/** How many campaigns the book remembers; the oldest heard of goes first. */
export const CAMPAIGNS_REMEMBERED = 200;

function time(iso: string): number {
  const parsed = Date.parse(iso);
  return Number.isNaN(parsed) ? 0 : parsed;
}

/**
 * The latest live progress of every campaign heard of since the page opened, kept so a
 * page that mounts later (the campaign a person just started, the dashboard they came
 * back to) shows the newest counts at once. A progress older (by `at`) than the one held
 * is dropped, so a late event can't move a bar backwards. Framework-free; React reads it
 * through `subscribe` / `get` / `getAll`.
 */
export class CampaignProgressBook {
  // Replaced, never changed in place: the Map itself is the snapshot React compares.
  private latest: ReadonlyMap<string, CampaignProgress> = new Map();
  private readonly listeners = new Set<() => void>();

  /** Takes `progress` unless an equally new or newer one is held; true when taken. */
  record(progress: CampaignProgress): boolean {
    const held = this.latest.get(progress.campaignId);
    if (held && time(held.at) > time(progress.at)) return false;
    const next = new Map(this.latest);
    next.delete(progress.campaignId);
    next.set(progress.campaignId, progress);
    while (next.size > CAMPAIGNS_REMEMBERED) next.delete(next.keys().next().value ?? '');
    this.replace(next);
    return true;
  }

  /** The newest progress heard for `campaignId`, or null. */
  readonly get = (campaignId: string): CampaignProgress | null => this.latest.get(campaignId) ?? null;

  /** Every campaign's newest progress: the same Map object until something changes. */
  readonly getAll = (): ReadonlyMap<string, CampaignProgress> => this.latest;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Forgets everything (the login changed). */
  clear(): void {
    if (this.latest.size > 0) this.replace(new Map());
  }

  private replace(next: ReadonlyMap<string, CampaignProgress>): void {
    this.latest = next;
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * The campaign as it stands now: the fetched campaign, with the live progress laid over
 * it when that progress is at least as new. A fetch answered after the last event (a
 * pause just pressed) wins over that event; an event after the fetch wins over it.
 */
export function withProgress(campaign: Campaign, progress: CampaignProgress | null | undefined): Campaign {
  if (!progress || progress.campaignId !== campaign.id || time(progress.at) < time(campaign.updatedAt)) return campaign;
  const finished = (progress.status === 'completed' || progress.status === 'cancelled') && campaign.finishedAt === null;
  return {
    ...campaign,
    status: progress.status,
    pause: progress.pause,
    waiting: progress.waiting,
    counts: progress.counts,
    updatedAt: progress.at,
    // The event that tells of the end is the end: no need to fetch the campaign again for its time.
    finishedAt: finished ? progress.at : campaign.finishedAt,
  };
}
