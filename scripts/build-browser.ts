/**
 * The browser builds, run by `npm run build` after tsc: the client as one ES
 * module (dist/browser/quoting-client.js, the package's
 * `mm-quoting-service/client/browser`), and the quote board (ui/ →
 * dist/ui/: index.html, board.css, and board.js bundling the client).
 * esbuild bundles; it only strips types, which `npm run typecheck` checks
 * (ui/tsconfig.json, with the DOM library and without Node's types).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/**
 * Each file is written to a temporary name and renamed into place, so a
 * service serving dist/ui (a test, while another test packs the package and
 * so rebuilds) never reads half a file.
 */
function writeAtomically(path: string, contents: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

async function bundle(entry: string, outfile: string): Promise<void> {
  const r = await build({ ...common, entryPoints: [join(root, entry)], outfile: join(root, outfile), write: false });
  for (const f of r.outputFiles) writeAtomically(f.path, f.contents);
}

export async function buildBrowser(): Promise<void> {
  await bundle('src/client/index.ts', 'dist/browser/quoting-client.js');
  await bundle('ui/board.ts', 'dist/ui/board.js');
  for (const f of ['index.html', 'board.css']) writeAtomically(join(root, 'dist/ui', f), readFileSync(join(root, 'ui', f)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildBrowser();
}
