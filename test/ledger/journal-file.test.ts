/**
 * The journal of an earlier version is read a chunk at a time (a journal of
 * hundreds of MiB is never one string): entries that straddle chunks, and
 * multi-byte characters cut by a chunk's end, come out exactly as written.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../src/ledger/journal-file.js';
import { tempDir } from '../support/server.js';

describe('readJournal', () => {
  it('gives back every entry, whatever the chunk size, across multi-byte characters', () => {
    const dir = tempDir();
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), symbol: fc.string({ unit: 'grapheme', maxLength: 6 }) }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 64 }),
        (rows, chunk) => {
          const entries = rows.map((r) => ({ t: 'delete', id: `${r.id}€${r.symbol}😀` }));
          const path = join(dir, 'j.jsonl');
          writeFileSync(path, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
          const warnings: string[] = [];
          expect([...readJournal(path, (w) => warnings.push(w), chunk)]).toEqual(entries);
          expect(warnings).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a torn last line is reported and left out, even when it ends inside a character', () => {
    const path = join(tempDir(), 'j.jsonl');
    const whole = `${JSON.stringify({ t: 'delete', id: 'a' })}\n`;
    writeFileSync(path, Buffer.concat([Buffer.from(whole), Buffer.from('{"t":"delete","id":"€').subarray(0, -1)]));
    const warnings: string[] = [];
    expect([...readJournal(path, (w) => warnings.push(w), 7)]).toEqual([{ t: 'delete', id: 'a' }]);
    expect(warnings).toEqual([expect.stringMatching(/torn last line \(\d+ bytes without a newline\) left out/)]);
  });
});
