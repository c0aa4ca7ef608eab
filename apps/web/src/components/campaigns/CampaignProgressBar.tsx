'use client';

import type { RecipientCounts } from '@wasla/protocol';
import { useFormat, useT } from '@/i18n';
import type { MessageKey } from '@/i18n';
import { processedCount } from '@/lib/campaigns';

/** The bar's parts, in reading order: what reached WhatsApp (`sent` includes the delivered and read), then what did not. */
const SEGMENTS: Array<{ key: 'sent' | 'failed' | 'unknown' | 'skipped'; label: MessageKey; count(counts: RecipientCounts): number }> = [
  { key: 'sent', label: 'progress.sent', count: (c) => c.sent },
  { key: 'failed', label: 'progress.failed', count: (c) => c.failed },
  { key: 'unknown', label: 'progress.unknown', count: (c) => c.unknown },
  { key: 'skipped', label: 'progress.skipped', count: (c) => c.skipped },
];

/**
 * How far a campaign has got: one bar split into sent, failed, unknown and skipped, out
 * of every recipient. It fills from the start side, so from the right in Arabic.
 */
export function CampaignProgressBar({ counts, size = 'normal', legend = false }: { counts: RecipientCounts; size?: 'small' | 'normal'; legend?: boolean }) {
  const t = useT();
  const format = useFormat();
  const processed = processedCount(counts);
  const fraction = counts.total > 0 ? processed / counts.total : 0;
  const caption = t('progress.caption', { done: format.number(processed), total: format.number(counts.total) });
  return (
    <div className={`campaign-progress campaign-progress--${size}`} data-campaign-processed={processed} data-campaign-total={counts.total}>
      <div
        className="campaign-progress__bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={counts.total}
        aria-valuenow={processed}
        aria-valuetext={`${caption} (${format.percent(fraction)})`}
      >
        {SEGMENTS.map((segment) => {
          const count = segment.count(counts);
          if (count === 0 || counts.total === 0) return null;
          return <span key={segment.key} className={`campaign-progress__part campaign-progress__part--${segment.key}`} style={{ inlineSize: `${(count / counts.total) * 100}%` }} />;
        })}
      </div>
      <div className="campaign-progress__caption">
        <span>{caption}</span>
        <span className="campaign-progress__percent">{format.percent(fraction)}</span>
      </div>
      {legend ? (
        <ul className="campaign-progress__legend">
          {SEGMENTS.map((segment) => (
            <li key={segment.key}>
              <span className={`legend-dot campaign-progress__part--${segment.key}`} aria-hidden="true" />
              {t(segment.label)} <strong>{format.number(segment.count(counts))}</strong>
            </li>
          ))}
          <li>
            <span className="legend-dot legend-dot--pending" aria-hidden="true" />
            {t('progress.pending')} <strong>{format.number(counts.pending)}</strong>
          </li>
        </ul>
      ) : null}
    </div>
  );
}
