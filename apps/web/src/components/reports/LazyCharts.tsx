'use client';

import dynamic from 'next/dynamic';
import { Skeleton } from 'primereact/skeleton';

function ChartPlaceholder() {
  return <Skeleton className="chart-placeholder" height="100%" />;
}

/** The charts, fetched with chart.js only when a page draws one. */
export const DailyChart = dynamic(() => import('./charts').then((module) => module.DailyChart), { ssr: false, loading: ChartPlaceholder });
export const ReasonDoughnut = dynamic(() => import('./charts').then((module) => module.ReasonDoughnut), { ssr: false, loading: ChartPlaceholder });
