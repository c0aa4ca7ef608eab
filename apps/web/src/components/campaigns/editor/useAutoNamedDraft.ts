import { useEffect, useRef } from 'react';
import { withoutDirectionMarks } from '@wasla/protocol';
import type { Campaign } from '@wasla/protocol';
import { campaignsApi } from '@/lib/campaigns';

interface EditorNow {
  campaign: Campaign | null;
  /** The name field as it is now. */
  name: string;
}

/**
 * A draft the editor created under a made-up name (a file uploaded before the campaign had
 * one) is provisional. Leaving it unsaved deletes it, whether you leave inside the app,
 * close the tab or reload it. A name typed since is kept instead. While leaving would delete
 * it, the browser asks before the tab goes. The requests use keepalive so they outlive the page.
 */
export function useAutoNamedDraft(now: EditorNow) {
  const autoNamed = useRef<string | null>(null);
  const saved = useRef(false);
  const settled = useRef(false);
  const latest = useRef(now);
  latest.current = now;

  useEffect(() => {
    const typedName = (): string => withoutDirectionMarks(latest.current.name).trim();
    const provisional = (): Campaign | null => (settled.current || saved.current || autoNamed.current === null ? null : latest.current.campaign);
    const leave = () => {
      const draft = provisional();
      if (!draft) return;
      settled.current = true;
      const typed = typedName();
      if (typed && typed !== autoNamed.current) void campaignsApi.updateKeepalive(draft.id, { name: typed }).catch(() => undefined);
      else void campaignsApi.removeKeepalive(draft.id).catch(() => undefined);
    };
    const askFirst = (event: BeforeUnloadEvent) => {
      const typed = typedName();
      if (provisional() && (!typed || typed === autoNamed.current)) event.preventDefault();
    };
    // A page kept in the back/forward cache may come back: only a page really going leaves.
    const onPageHide = (event: PageTransitionEvent) => {
      if (!event.persisted) leave();
    };
    window.addEventListener('beforeunload', askFirst);
    window.addEventListener('pagehide', onPageHide);
    return () => {
      window.removeEventListener('beforeunload', askFirst);
      window.removeEventListener('pagehide', onPageHide);
      leave();
    };
  }, []);

  return {
    /** The draft was just created: under this made-up name, or null for a name the person typed. */
    created(madeUpName: string | null) {
      autoNamed.current = madeUpName;
    },
    /** Saved, started or deleted on purpose: leaving keeps it as it is. */
    settled() {
      saved.current = true;
    },
  };
}
