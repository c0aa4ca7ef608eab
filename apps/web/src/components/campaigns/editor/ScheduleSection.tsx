'use client';

import { InputText } from 'primereact/inputtext';
import { RadioButton } from 'primereact/radiobutton';
import { useT } from '@/i18n';

/** When to start sending: at once, or at a local date and time (`datetime-local` text). */
export interface ScheduleForm {
  mode: 'now' | 'later';
  at: string;
}

/** `YYYY-MM-DDTHH:MM` in the browser's time zone, as a `datetime-local` input holds it. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function scheduleFromCampaign(scheduledAt: string | null): ScheduleForm {
  return scheduledAt ? { mode: 'later', at: toLocalInput(scheduledAt) } : { mode: 'now', at: '' };
}

/** The API's `scheduledAt`: null for now, else the local time as an ISO instant (undefined when not a valid time). */
export function scheduleToIso(form: ScheduleForm): string | null | undefined {
  if (form.mode === 'now') return null;
  const date = new Date(form.at);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function ScheduleSection({ form, disabled = false, onChange }: { form: ScheduleForm; disabled?: boolean; onChange(form: ScheduleForm): void }) {
  const t = useT();
  const invalid = form.mode === 'later' && scheduleToIso(form) === undefined;
  return (
    <section className="card editor-section" aria-labelledby="schedule-title">
      <header className="card__header">
        <h2 id="schedule-title" className="card__title">
          <span className="step-number" aria-hidden="true">5</span>
          {t('schedule.title')}
        </h2>
      </header>
      <fieldset className="field schedule">
        <legend className="visually-hidden">{t('schedule.title')}</legend>
        <div className="schedule__option">
          <RadioButton inputId="schedule-now" name="schedule" value="now" checked={form.mode === 'now'} disabled={disabled} onChange={() => onChange({ ...form, mode: 'now' })} />
          <label htmlFor="schedule-now">{t('schedule.now')}</label>
        </div>
        <div className="schedule__option">
          <RadioButton inputId="schedule-later" name="schedule" value="later" checked={form.mode === 'later'} disabled={disabled} onChange={() => onChange({ ...form, mode: 'later' })} />
          <label htmlFor="schedule-later">{t('schedule.later')}</label>
        </div>
        {form.mode === 'later' ? (
          <div className="field schedule__at">
            <label htmlFor="schedule-at">{t('schedule.at')}</label>
            <InputText id="schedule-at" type="datetime-local" value={form.at} disabled={disabled} invalid={invalid} aria-describedby="schedule-at-hint" onChange={(event) => onChange({ ...form, at: event.target.value })} />
            <small id="schedule-at-hint" className={`field__hint${invalid ? ' field__hint--error' : ''}`}>{invalid ? t('schedule.invalid') : t('schedule.hint')}</small>
          </div>
        ) : null}
      </fieldset>
    </section>
  );
}
