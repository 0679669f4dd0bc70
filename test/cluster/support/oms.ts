/**
 * An OMS that streams fills to any quoting instance and retries each one, with the same id and
 * contents, until some instance acknowledges it (2xx): the discipline the service's acknowledgements
 * are for. It records what was acknowledged, so a test can compare an inventory with it.
 */
import { seededRandom } from '../../support/seeded-random.js';

export interface SentFill {
  id: string;
  side: 'buy' | 'sell';
  quantity: number;
  price: number;
  /** the outcome of the acknowledgement: 'duplicate' when a retry found it already applied */
  outcome?: string;
}

export class FillStream {
  readonly acknowledged: SentFill[] = [];
  /** refusals and connection failures met (each was retried) */
  failures = 0;
  private next = 0;
  private readonly random;

  constructor(private readonly agent: string, private readonly symbol: string, seed: number) {
    this.random = seededRandom(seed);
  }

  /** Net position of what was acknowledged, in units. */
  position(): number {
    return this.acknowledged.reduce((p, f) => p + (f.side === 'buy' ? f.quantity : -f.quantity), 0);
  }

  /** Sends `count` fills one after another, each to the instances in turn, retried until acknowledged; gives up on one after `giveUpMs`. */
  async send(count: number, instances: () => string[], giveUpMs = 60_000): Promise<void> {
    for (let n = 0; n < count; n++) {
      const f: SentFill = {
        id: `fill-${this.next++}`,
        side: this.random.uniform() < 0.5 ? 'buy' : 'sell',
        quantity: 1 + Math.floor(this.random.uniform() * 5),
        price: 100,
      };
      let tries = 0;
      const deadline = performance.now() + giveUpMs;
      for (;;) {
        const urls = instances();
        const url = urls[(this.next + tries) % urls.length]!;
        try {
          const res = await fetch(`${url}/v1/agents/${this.agent}/symbols/${this.symbol}/fills`, {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ id: f.id, side: f.side, price: f.price, quantity: f.quantity }),
            signal: AbortSignal.timeout(10_000),
          });
          const body = (await res.json()) as { outcome?: string };
          if (res.ok) {
            f.outcome = body.outcome;
            this.acknowledged.push(f);
            break;
          }
        } catch {
          // the instance is gone: the next try goes to another
        }
        this.failures++;
        if (++tries > 0 && performance.now() > deadline) throw new Error(`fill ${f.id} not acknowledged after ${tries} tries in ${giveUpMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }
}
