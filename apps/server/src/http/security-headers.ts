import type { FastifyInstance } from 'fastify';

// Precomputed once: every answer carries these few; documents (HTML) get the full set.
// A JSON API gains nothing from the document-only headers, and they cost a kilobyte a
// response on the hottest route (the dashboard's ETag poll).
const ALWAYS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'same-origin',
};

const HSTS = { 'strict-transport-security': 'max-age=31536000; includeSubDomains' };

/** The policy for documents; pages with inline scripts add their hashes to script-src. */
export const DOCUMENT_CSP_BASE =
  "default-src 'self';base-uri 'self';font-src 'self' data:;form-action 'self';frame-ancestors 'none';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline';connect-src 'self'";

/** The headers every HTML document gets (the dashboard's pages, the API docs). */
export const DOCUMENT_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DOCUMENT_CSP_BASE,
  'cross-origin-opener-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-permitted-cross-domain-policies': 'none',
};

/** Sets the headers every answer gets; HSTS only when the cookie is HTTPS-only (i.e. behind TLS). */
export function registerSecurityHeaders(app: FastifyInstance, options: { https: boolean }): void {
  const always = options.https ? { ...ALWAYS, ...HSTS } : ALWAYS;
  // Callback-style hooks: an async hook costs a promise per request on the hottest route.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(always);
    done();
  });
}

/**
 * For a context that serves documents (the API docs): HTML answers get the document
 * headers. Registered there only, so JSON answers don't pay for the check.
 */
export function registerDocumentHeaders(app: FastifyInstance): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) {
      for (const [name, value] of Object.entries(DOCUMENT_HEADERS)) if (!reply.hasHeader(name)) reply.header(name, value);
    }
    done(null, payload);
  });
}

/** The API docs' policy: the document policy, whose script-src takes swagger-ui's script hashes. */
export function docsPolicy(swaggerPolicy: string): string {
  const scripts = /(?:^|;)\s*script-src ([^;]*)/.exec(swaggerPolicy)?.[1]?.trim() ?? "'self'";
  return DOCUMENT_CSP_BASE.replace("script-src 'self';", `script-src ${scripts};`);
}
