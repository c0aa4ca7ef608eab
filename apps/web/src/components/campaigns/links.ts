import type { Campaign } from '@wasla/protocol';

/** A draft opens in the editor; any other campaign on its live page. */
export function campaignHref(campaign: Pick<Campaign, 'id' | 'status'>): string {
  return `/campaigns/${campaign.status === 'draft' ? 'new' : 'view'}/?id=${encodeURIComponent(campaign.id)}`;
}

/** One campaign's report. */
export function reportHref(campaignId: string): string {
  return `/reports/campaign/?id=${encodeURIComponent(campaignId)}`;
}
