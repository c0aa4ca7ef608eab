'use client';

import { useMemo } from 'react';
import { Button } from 'primereact/button';
import { Checkbox } from 'primereact/checkbox';
import { Dropdown } from 'primereact/dropdown';
import { InputNumber } from 'primereact/inputnumber';
import { InputText } from 'primereact/inputtext';
import { DEFAULT_CAMPAIGN_LIMITS } from '@wasla/protocol';
import { useFormat, useI18n } from '@/i18n';
import { sameClock, viewerTimeZone } from '@/i18n/format';
import { DEFAULT_LIMITS_FORM, riskierThanDefaults } from './limits';
import type { LimitsErrors, LimitsField, LimitsForm } from './limits';

function timeZones(current: string): string[] {
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    // Older browsers: the current zone and the defaults' only.
  }
  return [...new Set([current, DEFAULT_CAMPAIGN_LIMITS.quietHours?.timeZone ?? 'Asia/Riyadh', ...zones])].sort();
}

interface LimitsSectionProps {
  form: LimitsForm;
  errors: LimitsErrors;
  disabled?: boolean;
  onChange(form: LimitsForm): void;
}

/** The sending limits, prefilled with the safe defaults and saying in plain words why they are safe. */
export function LimitsSection({ form, errors, disabled = false, onChange }: LimitsSectionProps) {
  const { t, locale } = useI18n();
  const format = useFormat();
  const zones = useMemo(() => timeZones(form.timeZone), [form.timeZone]);
  const set = (patch: Partial<LimitsForm>) => onChange({ ...form, ...patch });
  const quiet = DEFAULT_CAMPAIGN_LIMITS.quietHours;
  // Quiet hours in another zone than the viewer's: the same hours on the viewer's clock.
  const validTimes = /^\d{2}:\d{2}$/.test(form.quietStart) && /^\d{2}:\d{2}$/.test(form.quietEnd);
  const quietHere =
    form.quietHoursOn && validTimes && form.timeZone && !sameClock(form.timeZone, viewerTimeZone())
      ? t('limits.quietHere', { start: format.wallTimeHere(form.quietStart, form.timeZone), end: format.wallTimeHere(form.quietEnd, form.timeZone), zone: form.timeZone })
      : null;
  const why = t('limits.why', {
    min: format.number(DEFAULT_CAMPAIGN_LIMITS.minGapMs / 1000),
    max: format.number(DEFAULT_CAMPAIGN_LIMITS.maxGapMs / 1000),
    hourly: format.number(DEFAULT_CAMPAIGN_LIMITS.hourlyCap),
    daily: format.number(DEFAULT_CAMPAIGN_LIMITS.dailyCap),
    start: quiet?.start ?? '',
    end: quiet?.end ?? '',
  });
  const errorFor = (field: LimitsField) =>
    errors[field] ? (
      <small id={`limits-${field}-error`} className="field__hint field__hint--error">
        <i className="pi pi-exclamation-circle" aria-hidden="true" /> {t(errors[field])}
      </small>
    ) : null;
  const numberProps = (field: LimitsField) => ({
    inputId: `limits-${field}`,
    locale,
    useGrouping: false,
    disabled,
    invalid: Boolean(errors[field]),
    'aria-describedby': errors[field] ? `limits-${field}-error` : undefined,
  });

  return (
    <section className="card editor-section" aria-labelledby="limits-title">
      <header className="card__header">
        <h2 id="limits-title" className="card__title">
          <span className="step-number" aria-hidden="true">4</span>
          {t('limits.title')}
        </h2>
        <Button type="button" text size="small" icon="pi pi-shield" label={t('limits.useDefaults')} disabled={disabled} onClick={() => onChange(DEFAULT_LIMITS_FORM)} />
      </header>
      <p className="notice notice--info limits-why">
        <i className="pi pi-shield" aria-hidden="true" />
        <span>{why}</span>
      </p>
      <div className="limits-grid">
        <fieldset className="field">
          <legend>{t('limits.gap')}</legend>
          <div className="limits-range">
            <label htmlFor="limits-minGapSeconds" className="visually-hidden">{t('limits.gapMin')}</label>
            <InputNumber {...numberProps('minGapSeconds')} value={form.minGapSeconds} min={0} max={3600} suffix={` ${t('limits.seconds')}`} onValueChange={(event) => set({ minGapSeconds: event.value ?? null })} />
            <span aria-hidden="true">{t('limits.to')}</span>
            <label htmlFor="limits-maxGapSeconds" className="visually-hidden">{t('limits.gapMax')}</label>
            <InputNumber {...numberProps('maxGapSeconds')} value={form.maxGapSeconds} min={0} max={3600} suffix={` ${t('limits.seconds')}`} onValueChange={(event) => set({ maxGapSeconds: event.value ?? null })} />
          </div>
          <small className="field__hint">{t('limits.gapHint')}</small>
          {errorFor('minGapSeconds')}
          {errorFor('maxGapSeconds')}
        </fieldset>
        <div className="field">
          <label htmlFor="limits-hourlyCap">{t('limits.hourly')}</label>
          <InputNumber {...numberProps('hourlyCap')} value={form.hourlyCap} min={1} max={100_000} onValueChange={(event) => set({ hourlyCap: event.value ?? null })} />
          {errorFor('hourlyCap')}
        </div>
        <div className="field">
          <label htmlFor="limits-dailyCap">{t('limits.daily')}</label>
          <InputNumber {...numberProps('dailyCap')} value={form.dailyCap} min={1} max={1_000_000} onValueChange={(event) => set({ dailyCap: event.value ?? null })} />
          {errorFor('dailyCap')}
        </div>
      </div>
      <fieldset className="field quiet-hours">
        <legend className="quiet-hours__legend">
          <Checkbox inputId="limits-quiet" checked={form.quietHoursOn} disabled={disabled} onChange={(event) => set({ quietHoursOn: Boolean(event.checked) })} />
          <label htmlFor="limits-quiet">{t('limits.quiet')}</label>
        </legend>
        {form.quietHoursOn ? (
          <div className="quiet-hours__fields">
            <div className="field">
              <label htmlFor="limits-quiet-start">{t('limits.quietFrom')}</label>
              <InputText id="limits-quiet-start" type="time" value={form.quietStart} disabled={disabled} onChange={(event) => set({ quietStart: event.target.value })} />
            </div>
            <div className="field">
              <label htmlFor="limits-quietEnd">{t('limits.quietTo')}</label>
              <InputText id="limits-quietEnd" type="time" value={form.quietEnd} disabled={disabled} invalid={Boolean(errors.quietEnd)} onChange={(event) => set({ quietEnd: event.target.value })} />
              {errorFor('quietEnd')}
            </div>
            <div className="field quiet-hours__zone">
              <label htmlFor="limits-zone">{t('limits.timeZone')}</label>
              <Dropdown inputId="limits-zone" value={form.timeZone} options={zones} filter disabled={disabled} onChange={(event) => set({ timeZone: String(event.value) })} />
            </div>
            {quietHere ? (
              <small className="field__hint quiet-hours__here" data-quiet-here>
                {quietHere}
              </small>
            ) : null}
          </div>
        ) : (
          <small className="field__hint">{t('limits.quietOff')}</small>
        )}
      </fieldset>
      {riskierThanDefaults(form) ? (
        <p className="notice notice--warn" role="status">
          <i className="pi pi-exclamation-triangle" aria-hidden="true" />
          <span>{t('limits.risky')}</span>
        </p>
      ) : null}
    </section>
  );
}
