import { describe, expect, it, vi } from 'vitest';
import type { Quote } from '../../src/agent/quote.js';
import { QuoteHub, type Socket } from '../../src/service/quote-hub.js';

class FakeSocket implements Socket {
  bufferedAmount = 0;
  readyState = 1;
  sent: string[] = [];
  pings = 0;
  terminated = false;
  closeCode: number | undefined;
  send(data: string) { this.sent.push(data); }
  ping() { this.pings++; }
  terminate() { this.terminated = true; this.readyState = 3; }
  close(code?: number) { this.closeCode = code; this.readyState = 3; }
}

/** An agent's worth of quotes for the snapshot tests: `n` symbols, each with a quote. */
const source = (n: number) => {
  const quotes = new Map(Array.from({ length: n }, (_, i) => [`S${i}`, quote(`S${i}`, 1)]));
  return { id: 'a', quote: (s: string) => quotes.get(s), symbolNames: () => quotes.keys() };
};
const turn = () => new Promise((r) => setImmediate(r));

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
    expect(c.adds('a', ['X', 'X', 'Y'])).toBe(2);
    hub.subscribe(c, 'a', ['X', 'Y']);
    expect(c.adds('a', ['X', 'Z'])).toBe(1);
    expect(c.adds('a', '*')).toBe(-1);
    hub.unsubscribe(c, 'a', ['X', 'Y']);
    expect(c.symbols.size).toBe(0);
    hub.subscribe(c, 'a', '*');
    expect(c.adds('a', ['Q'])).toBe(0);
    expect(c.adds('a', '*')).toBe(0);
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

  it('counts every message, replies included, against the queue bound: past it the client is closed with 1013 and forgotten', () => {
    const kicked: string[] = [];
    const hub = new QuoteHub({ highWaterBytes: 1_000, maxQueueBytes: 4_000, onConflate: () => {}, onKick: (r) => kicked.push(r) });
    const s = new FakeSocket();
    const c = hub.add(s);
    hub.subscribe(c, 'a', '*');
    s.bufferedAmount = 2_000; // not reading
    const reply = JSON.stringify({ type: 'unsubscribed', agent: 'a', symbols: ['X'], pad: 'x'.repeat(40) }); // 100 bytes
    let n = 0;
    while (!c.closed && n < 1_000) {
      hub.control(c, reply);
      n++;
    }
    // 2,000 in the socket + 21 replies of 100 bytes > 4,000
    expect(n).toBe(21);
    expect([s.closeCode, kicked, hub.clients.has(c), c.pendingBytes]).toEqual([1013, ['slow'], false, 0]);
    hub.publishQuote('a', quote('X', 1));
    expect(s.sent).toEqual([]);
    hub.close();
  });

  it('allows invalidPerSecond invalid messages per second, refilled with time; one more closes the client with 1008', () => {
    let t = 0;
    const kicked: string[] = [];
    const hub = new QuoteHub({ highWaterBytes: 1_000, invalidPerSecond: 10, onConflate: () => {}, onKick: (r) => kicked.push(r), now: () => t });
    const s = new FakeSocket();
    const c = hub.add(s);
    for (let i = 0; i < 10; i++) expect(hub.invalid(c)).toBe(true);
    t += 500; // five more allowed
    for (let i = 0; i < 5; i++) expect(hub.invalid(c)).toBe(true);
    expect(hub.invalid(c)).toBe(false);
    expect([s.closeCode, kicked, hub.clients.size]).toEqual([1008, ['invalid'], 0]);
  });

  it('sends a large snapshot in slices, each symbol once, and not while the client is over the high-water mark', async () => {
    const hub = new QuoteHub({ highWaterBytes: 1_000_000_000, onConflate: () => {} });
    const s = new FakeSocket();
    const c = hub.add(s);
    hub.subscribe(c, 'a', '*');
    hub.queueSnapshots(c, source(20_000), '*');
    expect(s.sent).toHaveLength(0); // not in the subscribe's own turn
    await turn();
    // one slice is 2 ms of work: a part of the 20,000, not all of them
    const first = s.sent.length;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(20_000);
    for (let i = 0; i < 5_000 && s.sent.length < 20_000; i++) await turn();
    const symbols = s.sent.map((m) => JSON.parse(m) as { symbol: string; snapshot: boolean });
    expect(new Set(symbols.map((m) => m.symbol)).size).toBe(20_000);
    expect(symbols).toHaveLength(20_000);
    expect(symbols.every((m) => m.snapshot)).toBe(true);
    hub.close();

    const slowHub = new QuoteHub({ highWaterBytes: 1_000, onConflate: () => {} });
    const slow = new FakeSocket();
    const sc = slowHub.add(slow);
    slowHub.subscribe(sc, 'a', '*');
    slow.bufferedAmount = 5_000;
    slowHub.queueSnapshots(sc, source(100), '*');
    await new Promise((r) => setTimeout(r, 50));
    expect(slow.sent).toHaveLength(0);
    slow.bufferedAmount = 0;
    for (let i = 0; i < 100 && slow.sent.length < 100; i++) await new Promise((r) => setTimeout(r, 5));
    expect(slow.sent).toHaveLength(100);
    slowHub.close();
  });

  it('a snapshot skips symbols the client was already subscribed to, and stops for what it unsubscribes', async () => {
    const hub = new QuoteHub({ highWaterBytes: 1_000_000, onConflate: () => {} });
    const s = new FakeSocket();
    const c = hub.add(s);
    hub.subscribe(c, 'a', '*');
    hub.queueSnapshots(c, source(5), '*', new Set(['S1', 'S3']));
    await turn();
    expect(s.sent.map((m) => (JSON.parse(m) as { symbol: string }).symbol)).toEqual(['S0', 'S2', 'S4']);
    const d = hub.add(new FakeSocket());
    hub.subscribe(d, 'a', '*');
    hub.queueSnapshots(d, source(5), '*');
    hub.unsubscribe(d, 'a', '*');
    await turn();
    expect((d.socket as FakeSocket).sent).toEqual([]);
    hub.close();
  });

  it('subscribe and unsubscribe repeated while the client is not reading owe one snapshot at most: nothing nests or piles up', async () => {
    const hub = new QuoteHub({ highWaterBytes: 1_000, onConflate: () => {} });
    const s = new FakeSocket();
    const c = hub.add(s);
    const src = source(3);
    s.bufferedAmount = 5_000; // not reading
    // 20,000 valid pairs: once each subscribe wrapped the owed snapshots in one more generator, and the
    // drained client's first snapshot overflowed the stack (an uncaught RangeError ended the process)
    for (let i = 0; i < 20_000; i++) {
      hub.subscribe(c, 'a', ['S1']);
      hub.queueSnapshots(c, src, ['S1']);
      hub.unsubscribe(c, 'a', ['S1']);
    }
    expect(c.snapshots?.get('a')?.names.size ?? 0).toBe(0);
    hub.subscribe(c, 'a', ['S1', 'S2']);
    hub.queueSnapshots(c, src, ['S1', 'S2']);
    hub.queueSnapshots(c, src, ['S2']);
    expect([...c.snapshots!.get('a')!.names]).toEqual(['S1', 'S2']);
    s.bufferedAmount = 0;
    for (let i = 0; i < 100 && s.sent.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    expect(s.sent.map((m) => (JSON.parse(m) as { symbol: string }).symbol)).toEqual(['S1', 'S2']);
    hub.close();
  });
});
