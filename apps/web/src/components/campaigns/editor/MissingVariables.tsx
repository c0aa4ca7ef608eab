'use client';

import { Button } from 'primereact/button';
import { useFormat, useT } from '@/i18n';

/** A variable some recipients have no value for, as `start` reports it (422 missing_variables). */
export interface MissingVariable {
  variable: string;
  count: number;
  firstSeq: number;
}

/** The `details.missing` of a missing_variables error, when it has that shape. */
export function missingFrom(details: unknown): MissingVariable[] | null {
  const missing = typeof details === 'object' && details !== null ? (details as { missing?: unknown }).missing : undefined;
  if (!Array.isArray(missing)) return null;
  const items = missing.filter(
    (item): item is MissingVariable => typeof item === 'object' && item !== null && typeof item.variable === 'string' && typeof item.count === 'number' && typeof item.firstSeq === 'number',
  );
  return items.length > 0 ? items : null;
}

/** Why the campaign did not start: who lacks which variable, with a way to look at the first one. */
export function MissingVariables({ missing, onPreview }: { missing: MissingVariable[]; onPreview(seq: number): void }) {
  const t = useT();
  const format = useFormat();
  return (
    <div className="notice notice--error" role="alert" data-missing-variables>
      <i className="pi pi-exclamation-triangle" aria-hidden="true" />
      <div>
        <p className="notice__title">{t('missing.title')}</p>
        <ul className="missing-list">
          {missing.map((item) => (
            <li key={item.variable}>
              {t('missing.item', { count: format.number(item.count), name: `{{${item.variable}}}` })}{' '}
              <Button type="button" link size="small" className="inline-link" label={t('missing.show', { seq: format.number(item.firstSeq) })} onClick={() => onPreview(item.firstSeq)} />
            </li>
          ))}
        </ul>
        <p className="muted">{t('missing.fix')}</p>
      </div>
    </div>
  );
}
