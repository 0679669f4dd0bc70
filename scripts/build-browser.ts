/**
 * The browser builds, run by `npm run build` after tsc: the client as one ES
 * module (dist/browser/quoting-client.js, the package's
 * `mm-quoting-service/client/browser`), and the quote board (ui/ →
 * dist/ui/: index.html, board.css, and board.js bundling the client).
 * esbuild bundles; it only strips types, which `npm run typecheck` checks
 * (ui/tsconfig.json, with the DOM library and without Node's types).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common: BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
};

export async function buildBrowser(): Promise<void> {
  await build({ ...common, entryPoints: [join(root, 'src/client/index.ts')], outfile: join(root, 'dist/browser/quoting-client.js') });
  await build({ ...common, entryPoints: [join(root, 'ui/board.ts')], outfile: join(root, 'dist/ui/board.js') });
  mkdirSync(join(root, 'dist/ui'), { recursive: true });
  for (const f of ['index.html', 'board.css']) copyFileSync(join(root, 'ui', f), join(root, 'dist/ui', f));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildBrowser();
}
