'use client';

import { useEffect, useRef, useState } from 'react';
import { useRouter } from 'next/navigation';
import { Button } from 'primereact/button';
import { InputText } from 'primereact/inputtext';
import { Checkbox } from 'primereact/checkbox';
import { DEFAULT_CAMPAIGN_OPTIONS, withoutDirectionMarks } from '@wasla/protocol';
import type { Campaign, CampaignOptions, CampaignReadiness, ImportResult, UpdateCampaignRequest } from '@wasla/protocol';
import { useFormat, useT } from '@/i18n';
import { ApiError } from '@/lib/api';
import { campaignsApi } from '@/lib/campaigns';
import { useFormSubmit } from '@/hooks/useFormSubmit';
import { useNotify } from '@/components/common/ToastProvider';
import { ConfirmDelete } from '@/components/settings/ConfirmDelete';
import { campaignHref } from '../links';
import { AudienceSection } from './AudienceSection';
import { DEFAULT_LIMITS_FORM, formToLimits, limitsErrors, limitsToForm } from './limits';
import type { LimitsForm } from './limits';
import { LimitsSection } from './LimitsSection';
import { ScheduleSection, scheduleFromCampaign, scheduleToIso } from './ScheduleSection';
import type { ScheduleForm } from './ScheduleSection';
import { TemplateSection } from './TemplateSection';
import { MissingVariables, missingFrom } from './MissingVariables';
import { useAutoNamedDraft } from './useAutoNamedDraft';
import type { MissingVariable } from './MissingVariables';

interface CampaignEditorProps {
  /** The draft to edit; null for a new campaign, created on the server at its first upload or save. */
  initial: Campaign | null;
  /** The draft now exists on the server (so the address can name it). */
  onCreated?(campaign: Campaign): void;
}

/**
 * A draft campaign, top to bottom: name, audience (CSV), message with a live preview,
 * sending limits, schedule, then Start. Each part saves with the draft; Start saves
 * first, so what starts is what is on screen.
 */
export function CampaignEditor({ initial, onCreated }: CampaignEditorProps) {
  const t = useT();
  const format = useFormat();
  const router = useRouter();
  const notify = useNotify();
  const { pending, error, setError, run } = useFormSubmit();
  const [campaign, setCampaign] = useState<Campaign | null>(initial);
  const [name, setName] = useState(initial?.name ?? '');
  const [template, setTemplate] = useState(initial?.template ?? '');
  const [limits, setLimits] = useState<LimitsForm>(initial ? limitsToForm(initial.limits) : DEFAULT_LIMITS_FORM);
  const [schedule, setSchedule] = useState<ScheduleForm>(scheduleFromCampaign(initial?.scheduledAt ?? null));
  const [importResult, setImportResult] = useState<ImportResult | null>(null);
  const [columns, setColumns] = useState<string[]>([]);
  const [previewSeq, setPreviewSeq] = useState(1);
  const [missing, setMissing] = useState<MissingVariable[] | null>(null);
  const [action, setAction] = useState<'save' | 'start' | 'delete' | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const creating = useRef<Promise<Campaign> | null>(null);
  const [missingValues, setMissingValues] = useState<CampaignOptions['missingValues']>(initial?.options.missingValues ?? DEFAULT_CAMPAIGN_OPTIONS.missingValues);
  const [readiness, setReadiness] = useState<CampaignReadiness | null>(null);
  const provisional = useAutoNamedDraft({ campaign, name });

  // A draft opened again: its columns come from a recipient's variables.
  const draftId = initial?.id ?? null;
  const hasAudience = (initial?.counts.total ?? 0) > 0;
  useEffect(() => {
    if (!draftId || !hasAudience) return;
    const controller = new AbortController();
    campaignsApi
      .recipients(draftId, { limit: 1, signal: controller.signal })
      .then((page) => setColumns(Object.keys(page.items[0]?.variables ?? {})))
      .catch(() => undefined);
    return () => controller.abort();
  }, [draftId, hasAudience]);

  const errors = limitsErrors(limits);
  const limitsValid = Object.keys(errors).length === 0;
  const scheduledAt = scheduleToIso(schedule);
  const recipients = campaign ? campaign.counts.total - campaign.counts.skipped : 0;
  const scheduledPast = scheduledAt ? Date.parse(scheduledAt) < Date.now() : false;

  // Who will receive it and whether Start will work, for what is on screen: the check Start makes.
  const campaignId = campaign?.id ?? null;
  const total = campaign?.counts.total ?? 0;
  useEffect(() => {
    if (!campaignId || total === 0 || !template.trim()) {
      setReadiness(null);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      campaignsApi
        .readiness(campaignId, { template, options: { missingValues } }, controller.signal)
        .then(setReadiness)
        .catch(() => setReadiness(null));
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [campaignId, total, template, missingValues]);

  const fields = (): UpdateCampaignRequest => ({
    name: name.trim(),
    template,
    ...(limitsValid ? { limits: formToLimits(limits) } : {}),
    ...(scheduledAt !== undefined ? { scheduledAt } : {}),
    options: { missingValues },
  });

  const ensureDraft = (): Promise<Campaign> => {
    if (campaign) return Promise.resolve(campaign);
    creating.current ??= (async () => {
      const typed = withoutDirectionMarks(name).trim();
      // Formatted dates carry direction marks in Arabic: the name is stored without them.
      const draftName = typed || withoutDirectionMarks(t('editor.defaultName', { date: format.dateTime(Date.now()) }));
      provisional.created(typed ? null : draftName);
      const draftTemplate = template.trim() ? template : t('template.starter');
      const created = await campaignsApi.create({ ...fields(), name: draftName, template: draftTemplate });
      setCampaign(created);
      setName(draftName);
      setTemplate(draftTemplate);
      onCreated?.(created);
      return created;
    })().finally(() => {
      creating.current = null;
    });
    return creating.current;
  };

  const save = () => {
    setAction('save');
    setMissing(null);
    void run(async () => {
      const draft = await ensureDraft();
      setCampaign(await campaignsApi.update(draft.id, fields()));
      provisional.settled();
      notify({ severity: 'success', summary: t('editor.saved') });
    });
  };

  const problems = [
    !name.trim() ? t('editor.need.name') : null,
    recipients === 0 ? t('editor.need.audience') : null,
    !template.trim() ? t('editor.need.template') : null,
    !limitsValid ? t('editor.need.limits') : null,
    scheduledAt === undefined ? t('editor.need.schedule') : null,
    scheduledPast ? t('editor.need.futureTime') : null,
    readiness?.problems.includes('no_recipients') && recipients > 0 ? t('editor.need.someoneToReceive') : null,
  ].filter((problem): problem is string => problem !== null);

  const start = () => {
    setAction('start');
    setMissing(null);
    // keepPending: on success the page moves on to the running campaign.
    void run(
      async () => {
        const draft = await ensureDraft();
        await campaignsApi.update(draft.id, fields());
        provisional.settled();
        try {
          router.push(campaignHref(await campaignsApi.command(draft.id, 'start')));
        } catch (caught) {
          if (caught instanceof ApiError && caught.code === 'missing_variables') setMissing(missingFrom(caught.details));
          throw caught;
        }
      },
      { keepPending: true },
    );
  };

  const remove = () => {
    if (!campaign) return router.push('/campaigns/');
    setAction('delete');
    void run(async () => {
      await campaignsApi.remove(campaign.id);
      provisional.settled();
      notify({ severity: 'success', summary: t('editor.deleted', { name: campaign.name }) });
      router.push('/campaigns/');
    });
  };

  const busy = pending;
  return (
    <div className="campaign-editor">
      <section className="card editor-section" aria-labelledby="details-title">
        <header className="card__header">
          <h2 id="details-title" className="card__title">
            <span className="step-number" aria-hidden="true">1</span>
            {t('editor.details')}
          </h2>
        </header>
        <div className="field">
          <label htmlFor="campaign-name">{t('editor.name')}</label>
          <InputText id="campaign-name" name="name" value={name} maxLength={120} placeholder={t('editor.namePlaceholder')} disabled={busy} onChange={(event) => setName(event.target.value)} />
          <small className="field__hint">{t('editor.nameHint')}</small>
        </div>
      </section>
      <AudienceSection
        campaign={campaign}
        importResult={importResult}
        columns={columns}
        ensureDraft={ensureDraft}
        disabled={busy}
        onCampaign={(next) => {
          setCampaign(next);
          setImportResult(null);
          setPreviewSeq(1);
        }}
        onImported={(result) => {
          setCampaign(result.campaign);
          setImportResult(result);
          setColumns(result.variables);
          setPreviewSeq(1);
          setMissing(null);
        }}
      />
      <TemplateSection campaign={campaign} template={template} onTemplate={setTemplate} columns={columns} previewSeq={previewSeq} onPreviewSeq={setPreviewSeq} disabled={busy} />
      <LimitsSection form={limits} errors={errors} disabled={busy} onChange={setLimits} />
      <ScheduleSection form={schedule} disabled={busy} onChange={setSchedule} />
      <section className="card editor-actions" aria-label={t('editor.actions')}>
        <div className="field-checkbox skip-missing">
          <Checkbox inputId="skip-missing" checked={missingValues === 'skip'} disabled={busy} onChange={(event) => setMissingValues(event.checked ? 'skip' : 'refuse')} />
          <label htmlFor="skip-missing">{t('editor.skipMissing')}</label>
        </div>
        {missing ?? (readiness && readiness.missing.length > 0 && missingValues === 'refuse' && !readiness.problems.includes('no_recipients') ? readiness.missing : null) ? (
          <MissingVariables missing={missing ?? readiness?.missing ?? []} onPreview={(seq) => setPreviewSeq(seq)} />
        ) : null}
        {error && !missing ? (
          <p className="form-error" role="alert">
            <i className="pi pi-exclamation-triangle" aria-hidden="true" /> {error}
          </p>
        ) : null}
        {problems.length > 0 ? (
          <ul className="editor-checklist" aria-label={t('editor.before')}>
            {problems.map((problem) => (
              <li key={problem}>
                <i className="pi pi-circle" aria-hidden="true" /> {problem}
              </li>
            ))}
          </ul>
        ) : missing || !readiness || !readiness.ready ? null : (
          <div className="editor-ready" data-ready data-will-receive={readiness.willReceive}>
            <p>
              <i className="pi pi-check-circle" aria-hidden="true" />{' '}
              {schedule.mode === 'later' && scheduledAt
                ? t('editor.readyLater', { count: format.number(readiness.willReceive), when: format.dateTime(scheduledAt) })
                : t('editor.readyNow', { count: format.number(readiness.willReceive) })}
            </p>
            {readiness.optedOut > 0 || readiness.missingValues > 0 ? (
              <ul className="editor-ready__left-out muted">
                {readiness.optedOut > 0 ? <li data-left-out="opted_out">{t('editor.leftOut.optedOut', { count: format.number(readiness.optedOut) })}</li> : null}
                {readiness.missingValues > 0 ? <li data-left-out="missing_variable">{t('editor.leftOut.missing', { count: format.number(readiness.missingValues) })}</li> : null}
              </ul>
            ) : null}
          </div>
        )}
        <div className="form-actions">
          <Button type="button" text severity="danger" icon="pi pi-trash" label={campaign ? t('editor.delete') : t('actions.cancel')} disabled={busy} onClick={() => (campaign ? setConfirmingDelete(true) : router.push('/campaigns/'))} />
          <Button type="button" outlined icon="pi pi-save" label={t('editor.save')} loading={busy && action === 'save'} disabled={busy} onClick={save} />
          <Button
            type="button"
            icon={schedule.mode === 'later' ? 'pi pi-calendar-clock' : 'pi pi-send icon-directional'}
            label={schedule.mode === 'later' ? t('editor.schedule') : t('editor.start')}
            loading={busy && action === 'start'}
            disabled={busy || problems.length > 0 || !readiness?.ready}
            onClick={start}
          />
        </div>
      </section>
      <ConfirmDelete
        visible={confirmingDelete}
        header={t('editor.deleteConfirmTitle')}
        message={t('editor.deleteConfirm', { name: campaign?.name ?? '' })}
        acceptLabel={t('editor.delete')}
        onAccept={remove}
        onHide={() => {
          setConfirmingDelete(false);
          setError(null);
        }}
      />
    </div>
  );
}
