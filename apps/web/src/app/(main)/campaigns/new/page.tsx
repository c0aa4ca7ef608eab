'use client';

import { Suspense, useEffect, useRef, useState } from 'react';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import type { Campaign } from '@wasla/protocol';
import { useT } from '@/i18n';
import { ApiError } from '@/lib/api';
import { usePageTitle } from '@/hooks/usePageTitle';
import { useApiResource } from '@/hooks/useApiResource';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { CampaignEditor } from '@/components/campaigns/editor/CampaignEditor';
import { campaignHref } from '@/components/campaigns/links';

/** `/campaigns/new/`: a new campaign; `?id=` a draft being edited (a query, as the export has no dynamic routes). */
export default function NewCampaignPage() {
  return (
    <Suspense fallback={<LoadingRows rows={6} />}>
      <NewCampaign />
    </Suspense>
  );
}

function NewCampaign() {
  const t = useT();
  const router = useRouter();
  const id = useSearchParams().get('id');
  // The draft this editor created itself: when the address catches up with it, the editor stays as it is.
  const [own, setOwn] = useState<{ id: string | null; round: number }>({ id: null, round: 0 });
  // Leaving a draft for a new campaign (the address loses its id): a fresh, empty editor.
  const previousId = useRef(id);
  useEffect(() => {
    if (previousId.current !== null && id === null) setOwn((current) => ({ id: null, round: current.round + 1 }));
    previousId.current = id;
  }, [id]);
  usePageTitle(t(id ? 'editor.editTitle' : 'editor.newTitle'));
  const fresh = id === null || id === own.id;

  return (
    <div className="page">
      <nav className="breadcrumb" aria-label={t('editor.breadcrumb')}>
        <Link href="/campaigns/">{t('menu.campaigns')}</Link>
        <i className="pi pi-angle-right icon-directional" aria-hidden="true" />
        <span aria-current="page">{t(id ? 'editor.editTitle' : 'editor.newTitle')}</span>
      </nav>
      <h1 className="page__title">{t(id ? 'editor.editTitle' : 'editor.newTitle')}</h1>
      {fresh ? (
        <CampaignEditor
          key={`new-${own.round}`}
          initial={null}
          onCreated={(campaign) => {
            setOwn((current) => ({ ...current, id: campaign.id }));
            router.replace(`/campaigns/new/?id=${encodeURIComponent(campaign.id)}`, { scroll: false });
          }}
        />
      ) : (
        <DraftLoader key={id} id={id} />
      )}
    </div>
  );
}

function DraftLoader({ id }: { id: string }) {
  const router = useRouter();
  const { resource, reload } = useApiResource<Campaign>(`/api/campaigns/${encodeURIComponent(id)}`);
  const started = resource.kind === 'ready' && resource.data.status !== 'draft' ? resource.data : null;
  // A draft that is no longer there (an unnamed one is deleted when its tab closes or reloads): a new campaign.
  const gone = resource.kind === 'error' && resource.error instanceof ApiError && resource.error.status === 404;
  useEffect(() => {
    // Only drafts are edited; a campaign that has started is watched on its own page.
    if (started) router.replace(campaignHref(started));
    else if (gone) router.replace('/campaigns/new/');
  }, [started, gone, router]);
  if (resource.kind === 'loading' || started || gone) return <LoadingRows rows={6} />;
  if (resource.kind === 'error') return <ErrorState error={resource.error} onRetry={reload} />;
  return <CampaignEditor initial={resource.data} />;
}
