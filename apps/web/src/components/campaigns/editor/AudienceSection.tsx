'use client';

import { useEffect, useRef, useState } from 'react';
import type { ChangeEvent, DragEvent } from 'react';
import { Button } from 'primereact/button';
import { Column } from 'primereact/column';
import { DataTable } from 'primereact/datatable';
import { Tag } from 'primereact/tag';
import type { Campaign, ImportProblem, ImportResult } from '@wasla/protocol';
import { useFormat, useI18n, useT } from '@/i18n';
import { useErrorText } from '@/i18n/errors';
import { ApiError } from '@/lib/api';
import { MAX_CSV_BYTES, campaignsApi } from '@/lib/campaigns';
import { reasonLabel } from '../campaign-status';

interface AudienceSectionProps {
  campaign: Campaign | null;
  importResult: ImportResult | null;
  columns: string[];
  /** The draft to import into, created first when there is none yet. */
  ensureDraft(): Promise<Campaign>;
  onCampaign(campaign: Campaign): void;
  onImported(result: ImportResult): void;
  disabled?: boolean;
}

type FileError = { kind: 'csv'; message: string; line: number | null } | { kind: 'other'; message: string };

function lineOf(details: unknown): number | null {
  if (typeof details !== 'object' || details === null) return null;
  const line = (details as { line?: unknown }).line;
  return typeof line === 'number' ? line : null;
}

/**
 * The audience, from a CSV file: pick or drop it, and see what was read — how many will
 * receive the message, and every row that will not, by its line in the file.
 */
export function AudienceSection({ campaign, importResult, columns, ensureDraft, onCampaign, onImported, disabled = false }: AudienceSectionProps) {
  const t = useT();
  const format = useFormat();
  const errorText = useErrorText();
  const input = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState<string | null>(null);
  const [fileError, setFileError] = useState<FileError | null>(null);
  const [dragging, setDragging] = useState(false);
  const total = campaign?.counts.total ?? 0;
  const busy = disabled || uploading !== null;

  const upload = async (file: File) => {
    setFileError(null);
    if (file.size > MAX_CSV_BYTES) {
      setFileError({ kind: 'other', message: t('audience.tooBig', { size: format.number(Math.round(file.size / 1024 / 1024)) }) });
      return;
    }
    setUploading(file.name);
    try {
      let draft = await ensureDraft();
      // A new file replaces the audience: importing adds to what is there.
      if (draft.counts.total > 0) {
        draft = await campaignsApi.clearRecipients(draft.id);
        onCampaign(draft);
      }
      onImported(await campaignsApi.importCsv(draft.id, file));
    } catch (error) {
      if (error instanceof ApiError && error.code === 'invalid_csv') setFileError({ kind: 'csv', message: error.message, line: lineOf(error.details) });
      else setFileError({ kind: 'other', message: errorText(error) });
    } finally {
      setUploading(null);
      if (input.current) input.current.value = '';
    }
  };

  const picked = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file) void upload(file);
  };
  const dropped = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file && !busy) void upload(file);
  };

  const clear = async () => {
    if (!campaign) return;
    setFileError(null);
    try {
      onCampaign(await campaignsApi.clearRecipients(campaign.id));
    } catch (error) {
      setFileError({ kind: 'other', message: errorText(error) });
    }
  };

  return (
    <section className="card editor-section" aria-labelledby="audience-title" aria-busy={uploading !== null}>
      <header className="card__header">
        <h2 id="audience-title" className="card__title">
          <span className="step-number" aria-hidden="true">2</span>
          {t('audience.title')}
        </h2>
        {total > 0 ? <Button type="button" text size="small" severity="danger" icon="pi pi-times" label={t('audience.clear')} disabled={busy} onClick={() => void clear()} /> : null}
      </header>
      <div
        className={`dropzone${dragging ? ' dropzone--over' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          if (!busy) setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={dropped}
      >
        <i className="pi pi-file-import dropzone__icon" aria-hidden="true" />
        <p className="dropzone__text">{t('audience.intro')}</p>
        <pre className="dropzone__example" dir="ltr" aria-label={t('audience.example')}>{'phone,name,city\n0551234567,Sara,Riyadh\n+966509876543,Omar,Jeddah'}</pre>
        <input ref={input} id="audience-file" name="audience" type="file" accept=".csv,text/csv" className="visually-hidden" disabled={busy} onChange={picked} />
        <label htmlFor="audience-file" className={`p-button p-component${total > 0 ? ' p-button-outlined' : ''}${busy ? ' p-disabled' : ''}`}>
          <i className={`pi ${uploading ? 'pi-spin pi-spinner' : 'pi-upload'} p-button-icon p-button-icon-left`} aria-hidden="true" />
          <span className="p-button-label">{uploading ? t('audience.uploading', { file: uploading }) : total > 0 ? t('audience.replace') : t('audience.choose')}</span>
        </label>
        <small className="field__hint">{t('audience.limits')}</small>
      </div>
      {fileError ? (
        <div className="notice notice--error" role="alert" data-file-error={fileError.kind}>
          <i className="pi pi-times-circle" aria-hidden="true" />
          <div>
            <p className="notice__title">{fileError.kind === 'csv' ? t('audience.fileFailed') : fileError.message}</p>
            {fileError.kind === 'csv' ? <p>{fileError.line !== null ? t('audience.fileFailedAt', { line: format.number(fileError.line), message: fileError.message }) : fileError.message}</p> : null}
            {fileError.kind === 'csv' ? <p className="muted">{t('audience.nothingImported')}</p> : null}
          </div>
        </div>
      ) : null}
      {importResult ? <ImportSummary result={importResult} /> : total > 0 && campaign ? <AudienceCounts campaign={campaign} columns={columns} /> : null}
    </section>
  );
}

/** What the import read: counts, the columns found, and the rows that will not be sent. */
function ImportSummary({ result }: { result: ImportResult }) {
  const t = useT();
  const format = useFormat();
  const stats = [
    { key: 'rows', label: t('audience.rows'), value: result.rows, tone: 'neutral' },
    { key: 'accepted', label: t('audience.accepted'), value: result.accepted, tone: 'good' },
    { key: 'invalid', label: t('audience.invalid'), value: result.invalid, tone: result.invalid > 0 ? 'bad' : 'neutral' },
    { key: 'duplicates', label: t('audience.duplicates'), value: result.duplicates, tone: result.duplicates > 0 ? 'warn' : 'neutral' },
  ];
  return (
    <div className="import-summary" data-import-accepted={result.accepted}>
      <dl className="stat-row">
        {stats.map((stat) => (
          <div key={stat.key} className={`stat stat--${stat.tone}`} data-stat={stat.key}>
            <dt>{stat.label}</dt>
            <dd>{format.number(stat.value)}</dd>
          </div>
        ))}
      </dl>
      <Columns columns={result.variables} />
      {result.problems.length > 0 ? <ProblemsTable problems={result.problems} total={result.invalid + result.duplicates} /> : <p className="field__hint field__hint--success"><i className="pi pi-check" aria-hidden="true" /> {t('audience.noProblems')}</p>}
    </div>
  );
}

function Columns({ columns }: { columns: string[] }) {
  const t = useT();
  return (
    <p className="import-columns">
      <span className="muted">{t('audience.columns')}</span>{' '}
      {['name', 'phone', ...columns].map((column) => (
        <code key={column} className="variable-name" dir="ltr">{column}</code>
      ))}
    </p>
  );
}

function ProblemsTable({ problems, total }: { problems: ImportProblem[]; total: number }) {
  const t = useT();
  const format = useFormat();
  // The server explains each row in English: in full in English, as a tooltip otherwise.
  const serverWords = useI18n().locale === 'en';
  return (
    <div className="import-problems">
      <h3 className="section-subtitle">
        <i className="pi pi-exclamation-triangle" aria-hidden="true" /> {t('audience.problemsTitle', { count: format.number(total) })}
      </h3>
      <p className="muted">{t('audience.problemsIntro')}</p>
      <div className="table-scroll">
        <DataTable value={problems} size="small" paginator={problems.length > 10} rows={10} className="problems-table" dataKey="line">
          <Column header={t('audience.line')} body={(problem: ImportProblem) => <span className="cell-number" data-problem-line={problem.line ?? ''}>{problem.line === null ? '—' : format.number(problem.line)}</span>} />
          <Column header={t('audience.phone')} body={(problem: ImportProblem) => (problem.phone ? <bdi dir="ltr" className="phone-number">{problem.phone}</bdi> : <span className="muted">—</span>)} />
          <Column
            header={t('audience.problem')}
            body={(problem: ImportProblem) => (
              <span className="problem-cell" title={problem.message}>
                <Tag severity={problem.code === 'invalid' ? 'danger' : 'warning'} value={t(problem.code === 'invalid' ? 'reason.invalid' : 'reason.duplicate')} />
                {serverWords ? <span>{problem.message}</span> : null}
              </span>
            )}
          />
        </DataTable>
      </div>
    </div>
  );
}

/** A draft opened again: the audience's counts, and the rows skipped, by line. */
function AudienceCounts({ campaign, columns }: { campaign: Campaign; columns: string[] }) {
  const t = useT();
  const format = useFormat();
  const { total, skipped } = campaign.counts;
  const [problems, setProblems] = useState<ImportProblem[] | null>(null);
  useEffect(() => {
    if (skipped === 0) return;
    const controller = new AbortController();
    campaignsApi
      .recipients(campaign.id, { status: 'skipped', limit: 100, signal: controller.signal })
      .then((page) =>
        setProblems(
          page.items.map((recipient) => ({
            line: recipient.line,
            code: recipient.reason === 'duplicate' ? 'duplicate' : 'invalid',
            message: recipient.error ?? (recipient.reason ? reasonLabel(t, recipient.reason) : ''),
            phone: recipient.phone,
          })),
        ),
      )
      .catch(() => setProblems(null));
    return () => controller.abort();
  }, [campaign.id, skipped, t]);
  return (
    <div className="import-summary" data-import-accepted={total - skipped}>
      <dl className="stat-row">
        <div className="stat stat--good" data-stat="accepted">
          <dt>{t('audience.accepted')}</dt>
          <dd>{format.number(total - skipped)}</dd>
        </div>
        <div className={`stat stat--${skipped > 0 ? 'warn' : 'neutral'}`} data-stat="skipped">
          <dt>{t('audience.skipped')}</dt>
          <dd>{format.number(skipped)}</dd>
        </div>
      </dl>
      <Columns columns={columns} />
      {problems && problems.length > 0 ? <ProblemsTable problems={problems} total={skipped} /> : null}
    </div>
  );
}
