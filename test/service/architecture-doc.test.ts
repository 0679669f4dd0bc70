/**
 * docs/ARCHITECTURE.md matches the code: every source file it names exists,
 * and every decorator its plugin table lists is one the app has.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type Built } from '../helper.js';

const root = join(import.meta.dirname, '../..');
const doc = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');

let s: Built;
beforeAll(async () => {
  s = await build({ ledger: { path: null } });
});
afterAll(() => s.close());

describe('docs/ARCHITECTURE.md', () => {
  it('names only files that exist (paths relative to src/service unless they start with src/ or test/)', () => {
    const named = [...new Set([...doc.matchAll(/`((?:src\/|test\/)?[a-z/-]+\.ts)`/g)].map((m) => m[1]!))];
    expect(named.length).toBeGreaterThan(10);
    const missing = named.filter((f) => !existsSync(join(root, /^(src|test)\//.test(f) ? f : `src/service/${f}`)));
    expect(missing).toEqual([]);
  });

  it('lists the decorators the app has', () => {
    const decorators = [...doc.matchAll(/\| `app\.([a-zA-Z]+)` \|/g)].map((m) => m[1]!);
    expect(decorators).toEqual(['apiRoutes', 'metrics', 'hub', 'ledger', 'quoting', 'auth']);
    for (const d of decorators) expect(s.app.hasDecorator(d), d).toBe(true);
  });
});
