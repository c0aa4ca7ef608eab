'use client';

// Loaded on demand (see LazyCharts.tsx): PrimeReact's Chart imports chart.js itself, as a
// chunk of its own, so no page pays for chart.js until it draws a chart.
import { Chart } from 'primereact/chart';
import type { ChartData, ChartOptions, TooltipItem } from 'chart.js';
import { useFormat, useI18n } from '@/i18n';
import { useLayout } from '@/layout/LayoutProvider';
import type { Theme } from '@/layout/theme';

/** Series colours, the same in both themes (each reads on light and dark surfaces). */
export const SERIES_COLORS = {
  sent: '#3b82f6',
  delivered: '#14b8a6',
  read: '#22c55e',
  failed: '#ef4444',
  skipped: '#94a3b8',
  unknown: '#f59e0b',
} as const;

/** For reasons: a palette that stays apart on a doughnut. */
const REASON_COLORS = ['#ef4444', '#f59e0b', '#8b5cf6', '#0ea5e9', '#ec4899', '#64748b', '#84cc16', '#14b8a6'];

const INK: Record<Theme, { text: string; muted: string; grid: string }> = {
  light: { text: '#334155', muted: '#64748b', grid: 'rgba(100, 116, 139, 0.18)' },
  dark: { text: 'rgba(255, 255, 255, 0.87)', muted: 'rgba(255, 255, 255, 0.6)', grid: 'rgba(255, 255, 255, 0.1)' },
};

function pageFont(): string {
  return typeof document === 'undefined' ? 'sans-serif' : getComputedStyle(document.body).fontFamily;
}

/** Colours, font and direction shared by every chart, for the current theme and language. */
function useChartLook() {
  const { dir, locale } = useI18n();
  const { theme } = useLayout();
  const ink = INK[theme];
  const rtl = dir === 'rtl';
  const font = { family: pageFont(), size: 12 };
  return { ink, rtl, font, locale, theme };
}

export interface DaySeries {
  day: string;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
}

/** Sent, delivered, read and failed per day; days run right to left in Arabic. */
export function DailyChart({ days, labels }: { days: DaySeries[]; labels: { sent: string; delivered: string; read: string; failed: string; title: string } }) {
  const format = useFormat();
  const { ink, rtl, font, locale, theme } = useChartLook();
  const series = (['sent', 'delivered', 'read', 'failed'] as const).map((key) => ({
    label: labels[key],
    data: days.map((day) => day[key]),
    backgroundColor: SERIES_COLORS[key],
    borderRadius: 4,
    maxBarThickness: 28,
  }));
  const data: ChartData<'bar'> = { labels: days.map((day) => format.day(day.day)), datasets: series };
  const options: ChartOptions<'bar'> = {
    maintainAspectRatio: false,
    locale,
    animation: false,
    plugins: {
      legend: { position: 'bottom', rtl, textDirection: rtl ? 'rtl' : 'ltr', labels: { color: ink.text, font, usePointStyle: true, pointStyle: 'rectRounded' } },
      tooltip: { rtl, textDirection: rtl ? 'rtl' : 'ltr', titleFont: font, bodyFont: font },
    },
    scales: {
      x: { reverse: rtl, ticks: { color: ink.muted, font }, grid: { display: false } },
      y: { position: rtl ? 'right' : 'left', beginAtZero: true, ticks: { color: ink.muted, font, precision: 0 }, grid: { color: ink.grid } },
    },
  };
  // A new key when the look changes: chart.js keeps its first options otherwise.
  return <Chart key={`${theme}-${locale}`} type="bar" data={data} options={options} className="chart chart--daily" aria-label={labels.title} role="img" />;
}

/** A reason breakdown as a doughnut, its legend in the reading direction. */
export function ReasonDoughnut({ entries, title }: { entries: Array<{ label: string; count: number }>; title: string }) {
  const format = useFormat();
  const { ink, rtl, font, locale, theme } = useChartLook();
  const data: ChartData<'doughnut'> = {
    labels: entries.map((entry) => entry.label),
    datasets: [{ data: entries.map((entry) => entry.count), backgroundColor: entries.map((_, index) => REASON_COLORS[index % REASON_COLORS.length] ?? '#64748b'), borderWidth: 0 }],
  };
  const options: ChartOptions<'doughnut'> = {
    maintainAspectRatio: false,
    locale,
    animation: false,
    cutout: '62%',
    plugins: {
      legend: { position: 'bottom', rtl, textDirection: rtl ? 'rtl' : 'ltr', labels: { color: ink.text, font, usePointStyle: true, boxWidth: 8 } },
      tooltip: {
        rtl,
        textDirection: rtl ? 'rtl' : 'ltr',
        titleFont: font,
        bodyFont: font,
        callbacks: { label: (item: TooltipItem<'doughnut'>) => ` ${item.label}: ${format.number(Number(item.raw))}` },
      },
    },
  };
  return <Chart key={`${theme}-${locale}`} type="doughnut" data={data} options={options} className="chart chart--doughnut" aria-label={title} role="img" />;
}
