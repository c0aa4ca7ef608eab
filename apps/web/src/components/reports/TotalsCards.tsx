'use client';

import type { ReportTotals } from '@wasla/protocol';
import { useFormat, useT } from '@/i18n';
import type { MessageKey } from '@/i18n';

interface Card {
  key: 'sent' | 'delivered' | 'read' | 'failed' | 'skipped';
  label: MessageKey;
  icon: string;
  /** Share of `sent`, shown under the number. */
  rate?: boolean;
}

const CARDS: Card[] = [
  { key: 'sent', label: 'report.sent', icon: 'pi-send' },
  { key: 'delivered', label: 'report.delivered', icon: 'pi-check', rate: true },
  { key: 'read', label: 'report.read', icon: 'pi-eye', rate: true },
  { key: 'failed', label: 'report.failed', icon: 'pi-times-circle' },
  { key: 'skipped', label: 'report.skipped', icon: 'pi-forward' },
];

/**
 * The totals as cards. `sent` counts every message WhatsApp accepted (delivered and
 * read among them), so delivered and read show as shares of it.
 */
export function TotalsCards({ totals, only }: { totals: ReportTotals; only?: Card['key'][] }) {
  const t = useT();
  const format = useFormat();
  const cards = only ? CARDS.filter((card) => only.includes(card.key)) : CARDS;
  return (
    <dl className="totals">
      {cards.map((card) => (
        <div key={card.key} className={`totals__card totals__card--${card.key}`} data-total={card.key}>
          <dt>
            <i className={`pi ${card.icon}`} aria-hidden="true" /> {t(card.label)}
          </dt>
          <dd>
            <span className="totals__value" data-total-value>{format.number(totals[card.key])}</span>
            {card.rate ? <span className="totals__rate">{totals.sent > 0 ? t('report.ofSent', { rate: format.percent(totals[card.key] / totals.sent) }) : '—'}</span> : null}
          </dd>
        </div>
      ))}
    </dl>
  );
}
