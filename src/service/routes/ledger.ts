import type { FastifyInstance } from 'fastify';
import { BAD_REQUEST, LEDGER_UNAVAILABLE } from '../errors.js';

export async function ledgerRoutes(app: FastifyInstance): Promise<void> {
  const { quoting } = app;
  /**
   * Writes a snapshot of every agent now. Snapshots are also written by
   * themselves while the service runs and at shutdown; this one is for an
   * operator about to copy the file or restart. History is kept.
   */
  app.post('/v1/ledger/snapshot', async (req) => {
    const { ledger } = quoting;
    if (ledger === null) throw new BAD_REQUEST('the ledger is off (ledger.path is null)');
    let written;
    try {
      written = await quoting.snapshot();
    } catch (err) {
      throw new LEDGER_UNAVAILABLE((err as Error).message);
    }
    req.log.info(written, 'ledger snapshot written');
    return { location: ledger.location, sequence: written.sequence, agents: written.agents };
  });
}
