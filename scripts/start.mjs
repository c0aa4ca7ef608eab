// `npm start`: builds only when there is no build yet, then runs the production server.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = new URL('../apps/server/dist/main.js', import.meta.url);
const webPage = new URL('../apps/web/out/index.html', import.meta.url);

if (!existsSync(entry) || !existsSync(webPage)) {
  process.stdout.write('No build found: building Wasla first (npm run build)…\n');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
await import(entry.href);
