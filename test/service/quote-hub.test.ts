import { describe, expect, it, vi } from 'vitest';
import type { Quote } from '../../src/agent/quote.js';
import { QuoteHub, type Socket } from '../../src/service/quote-hub.js';

class FakeSocket implements Socket {
  bufferedAmount = 0;
  readyState = 1;
  sent: string[] = [];
  pings = 0;
  terminated = false;
  send(data: string) { this.sent.push(data); }
  ping() { this.pings++; }
  terminate() { this.terminated = true; this.readyState = 3; }
  close() { this.readyState = 3; }
}

const quote = (symbol: string, seq: number): Quote => ({
  symbol, seq, time: 0, mid: 100, bidPrice: 99, bidSize: 1, askPrice: 101, askSize: 1, reservation: 100, spread: 2, spreadBps: 200,
  model: 'avellaneda-stoikov', sigma: 2, sigmaSource: 'pushed', horizon: 'infinite', tau: 1, inventory: 0, toxicity: 0,
  adjustments: { inventorySkew: 0, toxicityMultiplier: 1, spreadClamp: 'none', crossMidClamp: 'none' },
});

describe('QuoteHub', () => {
  it('serialises a quote once and sends the same string to every subscriber', () => {
    const hub = new QuoteHub({ highWaterBytes: 1_000, onConflate: () => {}, now: () => 7 });
    const sockets = Array.from({ length: 5 }, () => new FakeSocket());
    for (const s of sockets) hub.subscribe(hub.add(s), 'a', ['X']);
    const stringify = vi.spyOn(JSON, 'stringify');
    hub.publishQuote('a', quote('X', 1));
    expect(stringify).toHaveBeenCalledTimes(1);
    stringify.mockRestore();
    const first = sockets[0]!.sent[0]!;
    for (const s of sockets) expect(s.sent).toEqual([first]);
    expect(JSON.parse(first)).toMatchObject({ type: 'quote', agent: 'a', symbol: 'X', seq: 1, serverTime: 7 });
  });

  it('does not serialise at all when nobody listens', () => {
    const hub = new QuoteHub({ highWaterBytes: 1_000, onConflate: () => {} });
    hub.subscribe(hub.add(new FakeSocket()), 'a', ['Y']);
    const stringify = vi.spyOn(JSON, 'stringify');
    hub.publishQuote('a', quote('X', 1));
    hub.publishQuote('b', quote('X', 1));
    expect(stringify).not.toHaveBeenCalled();
    stringify.mockRestore();
  });

  it('conflates a slow client to the latest quote per symbol, leaves the fast one alone, and says so', async () => {
    let conflated = 0;
    const hub = new QuoteHub({ highWaterBytes: 1_000, onConflate: () => conflated++ });
    const slow = new FakeSocket();
    const fast = new FakeSocket();
    hub.subscribe(hub.add(slow), 'a', '*');
    hub.subscribe(hub.add(fast), 'a', '*');
    slow.bufferedAmount = 5_000; // over the mark: the client is not reading
    for (let seq = 1; seq <= 10; seq++) {
      hub.publishQuote('a', quote('X', seq));
      hub.publishQuote('a', quote('Y', seq));
    }
    expect(fast.sent).toHaveLength(20);
    expect(slow.sent).toHaveLength(0);
    // X and Y each: the first deferred, nine replaced
    expect(conflated).toBe(18);
    slow.bufferedAmount = 0; // drained
    await new Promise((r) => setTimeout(r, 60));
    const got = slow.sent.map((m) => JSON.parse(m));
    expect(got.map((m) => [m.symbol, m.seq, m.conflated])).toEqual([['X', 10, true], ['Y', 10, true]]);
    hub.publishQuote('a', quote('X', 11));
    expect(JSON.parse(slow.sent[2]!)).not.toHaveProperty('conflated');
    hub.close();
  });

  it('terminates a client that did not answer the last ping', () => {
    const hub = new QuoteHub({ highWaterBytes: 1_000, onConflate: () => {} });
    const s = new FakeSocket();
    const c = hub.add(s);
    hub.heartbeat();
    expect(s.pings).toBe(1);
    c.alive = true; // pong arrived
    hub.heartbeat();
    expect(s.terminated).toBe(false);
    hub.heartbeat(); // no pong since the last ping
    expect(s.terminated).toBe(true);
    expect(hub.clients.size).toBe(0);
  });

  it('an agent-wide subscription replaces the symbol ones, so no quote arrives twice', () => {
    const hub = new QuoteHub({ highWaterBytes: 1_000, onConflate: () => {} });
    const s = new FakeSocket();
    const c = hub.add(s);
    hub.subscribe(c, 'a', ['X']);
    hub.subscribe(c, 'a', '*');
    hub.subscribe(c, 'a', ['X']);
    hub.publishQuote('a', quote('X', 1));
    expect(s.sent).toHaveLength(1);
    expect(c.subscriptions).toBe(1);
  });

  it('counts what a subscribe would add, and forgets empty subscriptions', () => {
    const hub = new QuoteHub({ highWaterBytes: 1_000, onConflate: () => {} });
    const c = hub.add(new FakeSocket());
    expect(hub.adds(c, 'a', ['X', 'X', 'Y'])).toBe(2);
    hub.subscribe(c, 'a', ['X', 'Y']);
    expect(hub.adds(c, 'a', ['X', 'Z'])).toBe(1);
    expect(hub.adds(c, 'a', '*')).toBe(-1);
    hub.unsubscribe(c, 'a', ['X', 'Y']);
    expect(c.symbols.size).toBe(0);
    hub.subscribe(c, 'a', '*');
    expect(hub.adds(c, 'a', ['Q'])).toBe(0);
    expect(hub.adds(c, 'a', '*')).toBe(0);
  });

  it('queues snapshots and agent-deleted behind conflated quotes, so a client never sees seq go back', async () => {
    const hub = new QuoteHub({ highWaterBytes: 1_000, onConflate: () => {} });
    const s = new FakeSocket();
    const c = hub.add(s);
    hub.subscribe(c, 'a', ['X']);
    s.bufferedAmount = 5_000;
    hub.publishQuote('a', quote('X', 5));
    hub.snapshot(c, 'a', quote('X', 6));
    hub.dropAgent('a');
    s.bufferedAmount = 0;
    await new Promise((r) => setTimeout(r, 60));
    expect(s.sent.map((m) => JSON.parse(m)).map((m) => [m.type, m.seq])).toEqual([['quote', 6], ['agent-deleted', undefined]]);
    hub.close();
  });

  it('a replaced quote moves behind messages queued since, and unsubscribing drops queued quotes', async () => {
    const hub = new QuoteHub({ highWaterBytes: 1_000, onConflate: () => {} });
    const s = new FakeSocket();
    const c = hub.add(s);
    hub.subscribe(c, 'a', ['X', 'Y']);
    s.bufferedAmount = 5_000;
    hub.publishQuote('a', quote('X', 5));
    hub.publishQuote('a', quote('Y', 1));
    hub.control(c, '{"type":"subscribed"}');
    hub.publishQuote('a', quote('X', 6));
    hub.unsubscribe(c, 'a', ['Y']);
    s.bufferedAmount = 0;
    await new Promise((r) => setTimeout(r, 60));
    expect(s.sent.map((m) => JSON.parse(m)).map((m) => [m.type, m.symbol, m.seq])).toEqual([['subscribed', undefined, undefined], ['quote', 'X', 6]]);
    hub.close();
  });
});
