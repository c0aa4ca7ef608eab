// @ts-check
import { PHASE_DEVELOPMENT_SERVER } from 'next/constants.js';

/** Where `next dev` sends /api and /ws: the Wasla server, started on its own (`npm run demo`). */
const DEV_SERVER_ORIGIN = 'http://127.0.0.1:3000';

/**
 * Production is a static export into `out/`, served by the Wasla server on the API's
 * port, so no Next server features (route handlers, server actions, middleware).
 * `next dev` proxies the API instead; rewrites don't exist in an export.
 * @param {string} phase
 * @returns {import('next').NextConfig}
 */
export default function nextConfig(phase) {
  /** @type {import('next').NextConfig} */
  const common = {
    reactStrictMode: true,
    poweredByHeader: false,
    images: { unoptimized: true },
    // Don't let `next dev` write agent instruction files into the repository.
    agentRules: false,
    experimental: {
      // src/session and src/lib import each other as './x.js' (NodeNext style, for its
      // tests under tsx); the bundler must find the .ts/.tsx file behind each such name.
      extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
    },
  };
  if (phase === PHASE_DEVELOPMENT_SERVER) {
    return {
      ...common,
      // With trailing slashes on, `next dev` would redirect /api/x to /api/x/ before proxying.
      trailingSlash: false,
      async rewrites() {
        return [
          { source: '/api/:path*', destination: `${DEV_SERVER_ORIGIN}/api/:path*` },
          { source: '/ws', destination: `${DEV_SERVER_ORIGIN}/ws` },
        ];
      },
    };
  }
  return { ...common, output: 'export', trailingSlash: true };
}
