/**
 * Stream epochs: every stream message carries one, and it changes exactly when
 * an agent's quote numbering (`seq`) restarts — the service restarts, or the
 * agent is deleted and created again — so a subscriber that sees a new one
 * drops its seq baselines and takes the snapshot again (docs/api.md).
 */
import { randomUUID } from 'node:crypto';

export class Epochs {
  /** this run's id: a fresh random one at each start (tests may pass their own) */
  readonly run: string;
  /** each agent's epoch: the run's id and a count of the agents met in this run */
  private readonly agents = new Map<string, string>();
  private made = 0;

  constructor(run?: string) {
    this.run = run ?? randomUUID().slice(0, 8);
  }

  /** The epoch of `agent`'s messages: the same until the service restarts or the agent is deleted. */
  of(agent: string): string {
    let e = this.agents.get(agent);
    if (e === undefined) this.agents.set(agent, (e = `${this.run}.${++this.made}`));
    return e;
  }

  /** Forgets a deleted agent (a new one of the same id gets a new epoch); returns the epoch it had. */
  drop(agent: string): string {
    const e = this.of(agent);
    this.agents.delete(agent);
    return e;
  }
}
