// Propagation: session changes made on the server, timed until the DOM of each of 5 open
// tabs (one browser: a leader WebSocket + BroadcastChannel) shows them, beside the time
// the same changes take to reach a bare WebSocket client in Node (the server push alone).
import type { SessionState, SessionStatus } from '@wasla/protocol';
import { waitForStatus } from '../e2e/browser.js';
import { percentile } from './child.js';
import { startPushClient } from './web-push-client.js';
import { fmt, openTabs, startWebBench, wallNow } from './web-stack.js';

const CHANGES = 50;
const TABS = 5;

/**
 * Runs in every page before its scripts: records each status the topbar badge (on every
 * page of the app) shows, with the wall-clock time of the DOM mutation. A string, not a
 * function, so no transpiler helper leaks into the page.
 */
const RECORD_STATUSES = `(() => {
  const log = []; let last = null;
  window.__waslaStatusLog = log;
  const check = () => {
    const status = document.querySelector('.layout-topbar [data-session-status]')?.getAttribute('data-session-status') ?? null;
    if (status !== null && status !== last) { last = status; log.push({ status, t: performance.timeOrigin + performance.now() }); }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-session-status'] });
})();`;

interface ServerChange {
  rev: number;
  status: SessionStatus;
  t: number;
  /** Which API command caused it: statuses only repeat across commands, never within one. */
  command: number;
}
interface Seen {
  status: string;
  t: number;
}

export interface Receiver {
  name: string;
  latencies: number[];
}
export interface PropagationResult {
  receivers: Receiver[];
  /** Every (change, tab) latency of the 5 tabs together. */
  allTabs: number[];
  /** The 5 tabs' latencies, by the status the change was to. */
  byStatus: Record<string, number[]>;
  /** Times a tab went straight to a newer status of the same command, skipping this one. */
  superseded: number;
  otherUpdates: number;
  visibility: string[];
}

/** First DOM status after the change that is this change or a newer one of the same command. */
function domTime(change: ServerChange, later: ServerChange[], seen: Seen[]): { t: number; superseded: boolean } {
  const statuses = new Set<string>([change.status, ...later.filter((c) => c.command === change.command).map((c) => c.status)]);
  const hit = seen.find((s) => s.t >= change.t - 1 && statuses.has(s.status));
  if (!hit) throw new Error(`a tab never showed ${change.status} (rev ${change.rev})`);
  return { t: hit.t, superseded: hit.status !== change.status };
}

export async function propagationBench(): Promise<PropagationResult> {
  const bench = await startWebBench({ linkPhone: true, initScript: RECORD_STATUSES });
  let stopPushClient = (): void => undefined;
  try {
    const { stack, cookie } = bench;
    const tabs = [bench.first, ...(await openTabs(bench, TABS - 1, '/', 'ready'))];

    const server: ServerChange[] = [];
    let command = 0;
    // The bus calls listeners in the order they subscribed, so this one runs just after the
    // hub wrote the change to the few sockets of this bench (microseconds, not the milliseconds measured).
    const onUpdate = (state: SessionState): void => void server.push({ rev: state.rev, status: state.status, t: wallNow(), command });
    const stopRecording = stack.app.bus.subscribe('session_update', onUpdate);
    const pushClient = await startPushClient(stack.wsUrl, cookie, stack.baseUrl);
    stopPushClient = pushClient.stop;

    // Alternate stop (→ stopped) and start (→ connecting → ready, with the saved login),
    // each awaited in all 5 tabs and the bare client before the next one.
    const warmUp = 2;
    let measuredFrom = 0;
    const statusChanges = (): ServerChange[] => server.slice(measuredFrom).filter((c, i, all) => c.status !== (all[i - 1] ?? server[measuredFrom - 1])?.status);
    while (statusChanges().length < CHANGES) {
      if (command === warmUp) measuredFrom = server.length;
      const action = command % 2 === 0 ? 'stop' : 'start';
      const final: SessionStatus = action === 'stop' ? 'stopped' : 'ready';
      const answer = await stack.api(cookie, 'POST', `/api/session/${action}`);
      if (answer.status !== 200) throw new Error(`POST /api/session/${action} answered ${answer.status}`);
      await Promise.all(tabs.map((page) => waitForStatus(page, final)));
      await pushClient.until(server.at(-1)!.rev);
      command += 1;
    }
    stopRecording();
    stopPushClient();

    const changes = statusChanges().slice(0, CHANGES);
    const logs = await Promise.all(tabs.map((page) => page.evaluate(() => (window as unknown as { __waslaStatusLog: Seen[] }).__waslaStatusLog)));
    const visibility = await Promise.all(tabs.map((page) => page.evaluate(() => `${document.visibilityState}${document.hasFocus() ? ', focused' : ''}`)));
    const leaders = tabs.map((page) => (bench.socketsOpened.get(page) ?? 0) > 0);
    if (leaders.filter(Boolean).length !== 1) throw new Error(`${leaders.filter(Boolean).length} tabs opened a WebSocket; expected exactly one leader`);

    const push: Receiver = { name: 'bare WebSocket client, own Node process (server push alone) — baseline', latencies: [] };
    // Opened last, tab 5 is the front tab of the window; the others are behind it, though visible.
    const role = (i: number): string => `${leaders[i] ? 'leader: WebSocket' : 'follower: BroadcastChannel'}${i === TABS - 1 ? ', front tab' : ''}`;
    const receivers: Receiver[] = tabs.map((_, i) => ({ name: `tab ${i + 1} (${role(i)})`, latencies: [] }));
    let superseded = 0;
    const byStatus: Record<string, number[]> = {};
    changes.forEach((change, index) => {
      const at = pushClient.arrivals.get(change.rev);
      if (at === undefined) throw new Error(`the Node client never got rev ${change.rev}`);
      push.latencies.push(at - change.t);
      logs.forEach((seen, tab) => {
        const shown = domTime(change, changes.slice(index + 1), seen);
        if (shown.superseded) superseded += 1;
        receivers[tab]!.latencies.push(shown.t - change.t);
        (byStatus[change.status] ??= []).push(shown.t - change.t);
      });
    });
    const otherUpdates = server.slice(measuredFrom).length - statusChanges().length;
    return { receivers: [push, ...receivers], allTabs: receivers.flatMap((r) => r.latencies), byStatus, superseded, otherUpdates, visibility };
  } finally {
    stopPushClient();
    await bench.close();
  }
}

export function formatPropagation(result: PropagationResult): string {
  const row = (name: string, values: number[]): string => {
    const sorted = [...values].sort((a, b) => a - b);
    return `| ${name} | ${sorted.length} | ${fmt(percentile(sorted, 50))} | ${fmt(percentile(sorted, 99))} | ${fmt(sorted.at(-1) ?? NaN)} |`;
  };
  const allSorted = [...result.allTabs].sort((a, b) => a - b);
  const p99 = percentile(allSorted, 99);
  const counts = Object.entries(result.byStatus).map(([status, list]) => `${list.length / TABS}× ${status}`).join(', ');
  return [
    `Propagation: ${CHANGES} session changes (POST /api/session/stop and /start; ${counts}) → the DOM of ${TABS} tabs of one browser (ms from the server's session_update)`,
    '',
    '| receiver | samples | p50 | p99 | max |',
    '|---|---|---|---|---|',
    ...result.receivers.map((r) => row(r.name, r.latencies)),
    ...Object.entries(result.byStatus).map(([status, list]) => row(`all ${TABS} tabs, changes to ${status}`, list)),
    row(`**all ${TABS} tabs**`, result.allTabs),
    '',
    `Tabs: ${result.visibility.map((v, i) => `${i + 1}: ${v}`).join('; ')}. Shown as a newer status of the same command (skipped): ${result.superseded}. Server updates that changed no status: ${result.otherUpdates}.`,
    '',
    `Target: p99 < 150 ms over all tabs — ${fmt(p99)} ms — ${p99 < 150 ? 'met' : 'NOT met'}`,
    '',
  ].join('\n');
}
