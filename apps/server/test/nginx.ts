// nginx (Debian's package) in front of Wasla instances, with the configuration that ships in
// deploy/nginx.conf.template (run by deploy/nginx.ts): on a free loopback port.
import { existsSync } from 'node:fs';
import { startNginx as startNginxOn } from '../../../deploy/nginx.js';
import type { RunningNginx } from '../../../deploy/nginx.js';
import { freePort } from './free-port.js';

export { nginxConfig } from '../../../deploy/nginx.js';

export const NGINX_BINARY = process.env.WASLA_TEST_NGINX ?? '/usr/sbin/nginx';

/** Why the nginx suites can't run here, or false. In CI a missing binary fails instead (like PostgreSQL). */
export const nginxSkip: string | false =
  existsSync(NGINX_BINARY) || process.env.CI ? false : `nginx not found at ${NGINX_BINARY} (apt-get install nginx, or set WASLA_TEST_NGINX)`;

export type TestNginx = RunningNginx;

/** Starts nginx in front of `upstreams` on a free port; the caller closes it. */
export async function startNginx(upstreams: string[]): Promise<TestNginx> {
  return startNginxOn({ binary: NGINX_BINARY, port: await freePort(), upstreams });
}
