'use client';

import { useEffect, useRef, useState } from 'react';
import { Button } from 'primereact/button';
import { InputTextarea } from 'primereact/inputtextarea';
import { TEMPLATE_MAX_LENGTH, templatePlaceholders } from '@wasla/protocol';
import type { Campaign, TemplatePreview } from '@wasla/protocol';
import { useFormat, useT } from '@/i18n';
import { useErrorText } from '@/i18n/errors';
import { campaignsApi } from '@/lib/campaigns';
import { formatPhone } from '@/lib/phone';

const PREVIEW_DELAY_MS = 350;

/** The `{{variables}}` a template uses, in order of first use; with `withoutFallback`, only those used somewhere without a `{{name|fallback}}`. */
export function templateVariables(template: string, withoutFallback = false): string[] {
  return [...new Set(templatePlaceholders(template).filter((p) => !withoutFallback || p.fallback === null).map((p) => p.name))];
}

interface TemplateSectionProps {
  campaign: Campaign | null;
  template: string;
  onTemplate(template: string): void;
  /** The audience's variable columns (every column but phone and name). */
  columns: string[];
  previewSeq: number;
  onPreviewSeq(seq: number): void;
  disabled?: boolean;
}

/** The message: a template with `{{variable}}` chips from the file's columns, and a live preview per recipient. */
export function TemplateSection({ campaign, template, onTemplate, columns, previewSeq, onPreviewSeq, disabled = false }: TemplateSectionProps) {
  const t = useT();
  const format = useFormat();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const total = campaign?.counts.total ?? 0;
  const known = ['name', 'phone', ...columns];
  const unknown = total > 0 ? templateVariables(template, true).filter((name) => !known.includes(name)) : [];

  const insert = (name: string) => {
    const element = textarea.current;
    const token = `{{${name}}}`;
    const start = element?.selectionStart ?? template.length;
    const end = element?.selectionEnd ?? template.length;
    onTemplate(template.slice(0, start) + token + template.slice(end));
    // Put the caret after the inserted variable once React has written the new value.
    requestAnimationFrame(() => {
      element?.focus();
      element?.setSelectionRange(start + token.length, start + token.length);
    });
  };

  return (
    <section className="card editor-section" aria-labelledby="template-title">
      <header className="card__header">
        <h2 id="template-title" className="card__title">
          <span className="step-number" aria-hidden="true">3</span>
          {t('template.title')}
        </h2>
      </header>
      <div className="template-grid">
        <div>
          <div className="field">
            <label htmlFor="campaign-template">{t('template.label')}</label>
            <InputTextarea
              ref={textarea}
              id="campaign-template"
              name="template"
              value={template}
              rows={6}
              autoResize
              dir="auto"
              maxLength={TEMPLATE_MAX_LENGTH}
              placeholder={t('template.placeholder')}
              disabled={disabled}
              aria-describedby="campaign-template-count"
              onChange={(event) => onTemplate(event.target.value)}
            />
            <small id="campaign-template-count" className="field__hint field__hint--end">
              {t('compose.counter', { count: format.number(template.length), max: format.number(TEMPLATE_MAX_LENGTH) })}
            </small>
          </div>
          <div className="variable-chips" role="group" aria-label={t('template.insert')}>
            <span className="muted">{t('template.insert')}</span>
            {known.map((name) => (
              <button key={name} type="button" className="variable-chip" disabled={disabled} onClick={() => insert(name)} title={t('template.insertOne', { name })}>
                <bdi dir="ltr">{`{{${name}}}`}</bdi>
              </button>
            ))}
          </div>
          {total === 0 ? <p className="field__hint">{t('template.chipsHint')}</p> : null}
          <p className="field__hint" data-fallback-hint>
            {t('template.fallbackHint')} <bdi dir="ltr">{'{{city|Riyadh}}'}</bdi>
          </p>
          {unknown.length > 0 ? (
            <p className="notice notice--warn" role="status">
              <i className="pi pi-exclamation-triangle" aria-hidden="true" />
              <span>{t('template.unknown', { names: format.list(unknown.map((name) => `{{${name}}}`)) })}</span>
            </p>
          ) : null}
        </div>
        <TemplatePreviewPanel campaign={campaign} template={template} seq={previewSeq} onSeq={onPreviewSeq} />
      </div>
    </section>
  );
}

type PreviewState = { kind: 'idle' } | { kind: 'loading'; last: TemplatePreview | null } | { kind: 'ready'; preview: TemplatePreview } | { kind: 'error'; error: unknown };

/** The message as one recipient will get it, rendered by the server, with what that recipient lacks. */
function TemplatePreviewPanel({ campaign, template, seq, onSeq }: { campaign: Campaign | null; template: string; seq: number; onSeq(seq: number): void }) {
  const t = useT();
  const format = useFormat();
  const errorText = useErrorText();
  const [state, setState] = useState<PreviewState>({ kind: 'idle' });
  const total = campaign?.counts.total ?? 0;
  const id = campaign?.id ?? null;
  const canPreview = id !== null && total > 0 && template.trim().length > 0;

  useEffect(() => {
    if (!canPreview || id === null) {
      setState({ kind: 'idle' });
      return;
    }
    const controller = new AbortController();
    setState((current) => ({ kind: 'loading', last: current.kind === 'ready' ? current.preview : current.kind === 'loading' ? current.last : null }));
    const timer = window.setTimeout(() => {
      campaignsApi
        .preview(id, template, Math.min(seq, total), controller.signal)
        .then((preview) => setState({ kind: 'ready', preview }))
        .catch((error: unknown) => {
          if (!controller.signal.aborted) setState({ kind: 'error', error });
        });
    }, PREVIEW_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [canPreview, id, template, seq, total]);

  const preview = state.kind === 'ready' ? state.preview : state.kind === 'loading' ? state.last : null;
  const recipient = preview?.recipient ?? null;
  return (
    <aside className="template-preview" aria-labelledby="preview-title" aria-busy={state.kind === 'loading'}>
      <div className="template-preview__head">
        <h3 id="preview-title" className="section-subtitle">
          <i className="pi pi-eye" aria-hidden="true" /> {t('preview.title')}
        </h3>
        {total > 0 ? (
          <div className="template-preview__stepper">
            <Button type="button" text rounded size="small" icon="pi pi-angle-left icon-directional" aria-label={t('preview.previous')} disabled={seq <= 1} onClick={() => onSeq(seq - 1)} />
            <span className="template-preview__seq">{t('preview.recipientOf', { seq: format.number(Math.min(seq, total)), total: format.number(total) })}</span>
            <Button type="button" text rounded size="small" icon="pi pi-angle-right icon-directional" aria-label={t('preview.next')} disabled={seq >= total} onClick={() => onSeq(seq + 1)} />
          </div>
        ) : null}
      </div>
      {!canPreview ? <p className="template-preview__empty muted">{total === 0 ? t('preview.needAudience') : t('preview.needTemplate')}</p> : null}
      {canPreview && state.kind === 'error' ? <p className="form-error" role="alert">{errorText(state.error)}</p> : null}
      {canPreview && preview ? (
        <>
          {recipient ? (
            <p className="template-preview__to">
              <span className="muted">{t('preview.to')}</span> {recipient.name ? <strong>{recipient.name}</strong> : null}{' '}
              <bdi dir="ltr" className="phone-number">{formatPhone(recipient.phone)}</bdi>
            </p>
          ) : null}
          <div className="chat-bubble" dir="auto" data-preview-text>
            {preview.text}
          </div>
          {preview.missing.length > 0 ? (
            <p className="notice notice--warn" role="status" data-preview-missing={preview.missing.join(',')}>
              <i className="pi pi-exclamation-triangle" aria-hidden="true" />
              <span>{t('preview.missing', { names: format.list(preview.missing.map((name) => `{{${name}}}`)) })}</span>
            </p>
          ) : null}
        </>
      ) : null}
      {canPreview && !preview && state.kind === 'loading' ? <div className="chat-bubble chat-bubble--loading" aria-hidden="true" /> : null}
    </aside>
  );
}
