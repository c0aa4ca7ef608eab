import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { DOCUMENT_CSP_BASE, DOCUMENT_HEADERS } from './security-headers.js';

/** Sends the dashboard's own "page not found" page. */
export type NotFoundPage = (reply: FastifyReply) => FastifyReply;

/**
 * Serves the dashboard's static export (apps/web/out) on the API's port. Next inlines
 * small scripts in every page; each page gets a Content-Security-Policy that allows
 * exactly those scripts by hash, and nothing else inline. The files are public routes
 * of their own scope; nothing else becomes public by sharing their wildcard.
 * Returns how to answer with the 404 page, or null when the dashboard isn't built.
 */
export async function registerWebApp(app: FastifyInstance, webDir: string): Promise<NotFoundPage | null> {
  if (!existsSync(path.join(webDir, 'index.html'))) return null;
  const policies = pagePolicies(webDir);
  await app.register(async (site) => {
    site.addHook('onRoute', (route) => {
      // One `route` label in the metrics for every file, whatever the wildcard matched.
      route.config = { ...route.config, public: true, metricsRoute: 'static' };
    });
    await site.register(fastifyStatic, {
      root: webDir,
      redirect: true,
      dotfiles: 'ignore',
      cacheControl: false,
      setHeaders(reply, filePath) {
        const policy = policies.get(filePath);
        if (policy) {
          reply.headers(DOCUMENT_HEADERS);
          reply.header('content-security-policy', policy);
          reply.header('cache-control', 'no-cache');
        } else if (filePath.includes(`${path.sep}_next${path.sep}static${path.sep}`)) {
          // Content-hashed file names: safe to keep forever.
          reply.header('cache-control', 'public, max-age=31536000, immutable');
        } else {
          reply.header('cache-control', 'public, max-age=3600');
        }
      },
    });
  });
  const notFoundFile = path.join(webDir, '404.html');
  if (!existsSync(notFoundFile)) return null;
  const notFoundHtml = readFileSync(notFoundFile);
  const notFoundPolicy = policies.get(notFoundFile) ?? DOCUMENT_CSP_BASE;
  return (reply) =>
    reply.status(404).headers(DOCUMENT_HEADERS).header('content-security-policy', notFoundPolicy).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(notFoundHtml);
}

function pagePolicies(webDir: string): Map<string, string> {
  const policies = new Map<string, string>();
  for (const file of htmlFiles(webDir)) {
    const html = readFileSync(file, 'utf8');
    const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)]
      .map((match) => match[1] ?? '')
      .filter((body) => body.length > 0)
      .map((body) => `'sha256-${createHash('sha256').update(body).digest('base64')}'`);
    policies.set(file, DOCUMENT_CSP_BASE.replace("script-src 'self'", ["script-src 'self'", ...new Set(hashes)].join(' ')));
  }
  return policies;
}

function htmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return htmlFiles(full);
    return name.endsWith('.html') ? [full] : [];
  });
}
