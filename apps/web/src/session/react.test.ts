import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { SessionProvider, useSession, useSessionActions } from './index.js';

// Node has no DOM, so these render on the "server", as Next's static export does:
// proof that the provider does no browser I/O while rendering.
describe('React layer (server render)', () => {
  test('useSession outside <SessionProvider> throws a clear error', () => {
    const Orphan = () => createElement('span', null, useSession().status);
    assert.throws(() => renderToString(createElement(Orphan)), { message: 'useSession must be used inside <SessionProvider>' });
    const OrphanActions = () => createElement('span', null, typeof useSessionActions().start);
    assert.throws(() => renderToString(createElement(OrphanActions)), /useSessionActions must be used inside <SessionProvider>/);
  });

  test("inside the provider: loading, status 'connecting', selectors work", () => {
    const Badge = () => {
      const status = useSession((s) => s.status);
      const { isLoading, health, refreshSession } = useSession();
      const picked = useSession((s) => ({ isReady: s.isReady, phoneNumber: s.phoneNumber }));
      return createElement('span', { 'data-session-status': status }, `${isLoading}|${health.kind}|${typeof refreshSession}|${picked.isReady}`);
    };
    const html = renderToString(createElement(SessionProvider, { sessionId: 'default', children: createElement(Badge) }));
    assert.match(html, /data-session-status="connecting"/);
    assert.match(html, />true\|connecting\|function\|false</);
  });
});
