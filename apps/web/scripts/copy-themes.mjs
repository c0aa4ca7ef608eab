// Copies the two PrimeReact themes (theme.css and its bundled Inter fonts) into
// public/themes/, where the root layout's <link id="theme-link"> loads them and the
// theme switch swaps between them at runtime. Run before `next dev` and `next build`.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const THEMES = ['lara-light-indigo', 'lara-dark-indigo'];

const require = createRequire(import.meta.url);
const source = path.join(path.dirname(require.resolve('primereact/package.json')), 'resources', 'themes');
const target = fileURLToPath(new URL('../public/themes/', import.meta.url));

rmSync(target, { recursive: true, force: true });
for (const theme of THEMES) {
  mkdirSync(path.join(target, theme), { recursive: true });
  cpSync(path.join(source, theme, 'theme.css'), path.join(target, theme, 'theme.css'));
  cpSync(path.join(source, theme, 'fonts'), path.join(target, theme, 'fonts'), { recursive: true });
}
console.log(`copy-themes: ${THEMES.join(', ')} → public/themes/`);
