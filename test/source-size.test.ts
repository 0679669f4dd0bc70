import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const MAX_LINES = 300;

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (e.name.endsWith('.ts')) yield p;
  }
}

it(`no file in src/ is over ${MAX_LINES} lines (small files named for what they hold: docs/ARCHITECTURE.md)`, () => {
  const files = [...sources(join(ROOT, 'src'))];
  expect(files.length).toBeGreaterThan(50);
  const over = files
    .map((f) => ({ file: relative(ROOT, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > MAX_LINES);
  expect(over).toEqual([]);
});
