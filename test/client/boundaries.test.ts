/**
 * The client stands apart from the server: it imports nothing of
 * src/service, src/ledger or src/server.ts, and at run time nothing outside
 * src/client (type-only imports of the agent's pure types are erased); and its
 * reply types are the ones the routes produce.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { agentDetail, agentSummary } from '../../src/service/routes/agents.js';
import type { updateReply } from '../../src/service/routes/updates.js';
import type { AgentDetail, AgentSummary, UpdateReply } from '../../src/client/index.js';
import { repoPath } from '../support/ops.js';

const dir = repoPath('src/client');
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));

describe('src/client imports', () => {
  it('has files to check', () => {
    expect(files).toEqual(expect.arrayContaining(['index.ts', 'quoting-client.ts', 'subscription.ts']));
  });

  for (const f of files) {
    it(`${f}: no server path; run-time imports stay inside src/client and need no Node module`, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      const imports = [...text.matchAll(/^(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => ({ typeOnly: Boolean(m[2]), from: m[3]! }));
      for (const i of imports) {
        expect(i.from, f).not.toMatch(/service|ledger|journal|server|^node:|^fastify|^pino|^ws$/);
        if (!i.typeOnly) expect(i.from, `${f}: ${i.from}`).toMatch(/^\.\/[\w-]+\.js$/);
        else expect(i.from, `${f}: ${i.from}`).toMatch(/^\.\/[\w-]+\.js$|^\.\.\/agent\/[\w-]+\.js$/);
      }
    });
  }
});

describe('the client reply types are what the routes answer', () => {
  it('update, agent summary and agent detail', () => {
    expectTypeOf<ReturnType<typeof updateReply>>().toEqualTypeOf<UpdateReply>();
    expectTypeOf<ReturnType<typeof agentSummary>>().toEqualTypeOf<AgentSummary>();
    expectTypeOf<ReturnType<typeof agentDetail>>().toMatchTypeOf<AgentDetail>();
  });
});
