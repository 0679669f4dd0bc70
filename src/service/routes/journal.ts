import type { FastifyInstance } from 'fastify';
import type { Journal } from '../../journal/journal.js';
import { BAD_REQUEST, JOURNAL_UNAVAILABLE } from '../errors.js';
import { snapshotEntries } from '../recovery.js';
import type { AgentRegistry } from '../registry.js';

export async function journalRoutes(app: FastifyInstance, opts: { registry: AgentRegistry; journal: Journal | null }): Promise<void> {
  /** Replaces the journal by a snapshot of every agent's state, atomically. */
  app.post('/v1/journal/compact', async (req) => {
    const { journal } = opts;
    if (journal === null) throw new BAD_REQUEST('the journal is off (journal.path is null)');
    const before = journal.sizeBytes;
    try {
      journal.compact(snapshotEntries(opts.registry));
    } catch (err) {
      throw new JOURNAL_UNAVAILABLE((err as Error).message);
    }
    req.log.info({ before, after: journal.sizeBytes }, 'journal compacted');
    return { path: journal.path, bytesBefore: before, bytesAfter: journal.sizeBytes };
  });
}
