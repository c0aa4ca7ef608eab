'use client';

import { Tag } from 'primereact/tag';
import type { CampaignStatus } from '@wasla/protocol';
import { useT } from '@/i18n';
import { CAMPAIGN_STATUS } from './campaign-status';

/** A campaign's status as a coloured tag; `data-campaign-status` for tests and tooling. */
export function CampaignStatusTag({ status }: { status: CampaignStatus }) {
  const t = useT();
  const look = CAMPAIGN_STATUS[status];
  return (
    <Tag
      className={`campaign-status campaign-status--${status}`}
      value={t(look.label)}
      icon={`pi ${look.icon}`}
      {...(look.severity ? { severity: look.severity } : {})}
      data-campaign-status={status}
      rounded
    />
  );
}
