import type { Campaign } from '@wasla/protocol';
import type { CampaignRecord } from './repository.js';

/**
 * What the parts of the campaign service share: the one queue that changes campaigns'
 * status, in order, and reading a campaign to publish it after a change.
 */
export interface CampaignChanges {
  /** Runs a change of campaign status after the ones queued before it. */
  serial<T>(work: () => Promise<T>): Promise<T>;
  /** The stored campaign; a 404 when there is none. */
  record(id: string): Promise<CampaignRecord>;
  /** The campaign as the API answers it (counts, variables, what it waits for). */
  present(record: CampaignRecord): Promise<Campaign>;
  /** Reads the campaign as the API answers it and publishes its progress. */
  published(id: string): Promise<Campaign>;
  now(): Date;
}
