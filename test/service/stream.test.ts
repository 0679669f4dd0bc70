import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startServer, StreamClient, type Running } from '../support/server.js';

let s: Running;
const sym = (symbol: string) => `${s.url}/v1/agents/default/symbols/${symbol}`;

beforeAll(async () => {
  s = await startServer({ limits: { maxSubscriptionsPerConnection: 3 } });
  await post(`${sym('AAA')}/volatility`, { sigma: 2 });
  await post(`${sym('AAA')}/mid`, { mid: 100 });
});
afterAll(() => s.close());

describe('WebSocket quote stream over a real socket', () => {
  it('subscribe → ack, snapshot of the current quote, then every new quote with seq + 1', async () => {
    const c = await StreamClient.connect(s.wsUrl);
    c.send({ op: 'subscribe', agent: 'default', symbols: ['AAA'] });
    await c.until((m) => m.length >= 2);
    expect(c.messages[0]).toEqual({ type: 'subscribed', agent: 'default', symbols: ['AAA'], epoch: expect.any(String) });
    expect(c.messages[1]).toMatchObject({ type: 'quote', snapshot: true, agent: 'default', symbol: 'AAA', seq: 1, bidPrice: 99.15, askPrice: 100.85 });

    for (const mid of [100.1, 100.2, 100.3]) await post(`${sym('AAA')}/mid`, { mid });
    await c.until((m) => m.filter((x) => x.type === 'quote').length >= 4);
    const quotes = c.of('quote');
    expect(quotes.map((q) => q.seq)).toEqual([1, 2, 3, 4]);
    expect(quotes.map((q) => q.mid)).toEqual([100, 100.1, 100.2, 100.3]);
    const last = quotes[3];
    for (const field of ['bidPrice', 'bidSize', 'askPrice', 'askSize', 'reservation', 'spread', 'toxicity', 'inventory', 'serverTime', 'time']) {
      expect(typeof last[field], field).toBe('number');
    }
    expect(last.conflated).toBeUndefined();
    c.close();
  });

  it('"*" covers every symbol of the agent, including new ones; unsubscribe stops the flow', async () => {
    const c = await StreamClient.connect(s.wsUrl);
    c.send({ op: 'subscribe', agent: 'default', symbols: '*' });
    await c.until((m) => m.some((x) => x.type === 'subscribed'));
    await post(`${sym('NEW')}/volatility`, { sigma: 1 });
    await post(`${sym('NEW')}/mid`, { mid: 20 });
    await c.until((m) => m.some((x) => x.type === 'quote' && x.symbol === 'NEW'));
    c.send({ op: 'unsubscribe', agent: 'default', symbols: '*' });
    await c.until((m) => m.some((x) => x.type === 'unsubscribed'));
    const count = c.of('quote').length;
    await post(`${sym('NEW')}/mid`, { mid: 21 });
    // a second client proves the quote went out; the first must not have received it
    const probe = await StreamClient.connect(s.wsUrl);
    probe.send({ op: 'subscribe', agent: 'default', symbols: ['NEW'] });
    await probe.until((m) => m.some((x) => x.type === 'quote' && x.mid === 21));
    expect(c.of('quote').length).toBe(count);
    c.close();
    probe.close();
  });

  it('a paused symbol is withdrawn from subscribers', async () => {
    const c = await StreamClient.connect(s.wsUrl);
    c.send({ op: 'subscribe', agent: 'default', symbols: ['AAA'] });
    await c.until((m) => m.some((x) => x.type === 'quote'));
    await post(`${sym('AAA')}/pause`, {});
    await c.until((m) => m.some((x) => x.type === 'withdrawn'));
    expect(c.of('withdrawn')[0]).toMatchObject({ agent: 'default', symbol: 'AAA', reason: 'symbol-paused' });
    await post(`${sym('AAA')}/resume`, {});
    await c.until((m) => m.filter((x) => x.type === 'quote').length >= 2);
    c.close();
  });

  it('malformed messages get a clear error and the connection and the others carry on', async () => {
    const bad = await StreamClient.connect(s.wsUrl);
    const good = await StreamClient.connect(s.wsUrl);
    good.send({ op: 'subscribe', agent: 'default', symbols: ['AAA'] });
    bad.send('{not json');
    bad.send({ op: 'subscribe', agent: 'default' });
    bad.send({ op: 'subscribe', agent: 'ghost', symbols: ['AAA'] });
    bad.send({ op: 'dance' });
    bad.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    bad.send({ op: 'subscribe', agent: 'default', symbols: ['A', 'B', 'C', 'D'] });
    await bad.until((m) => m.length >= 6);
    expect(bad.messages.map((m) => [m.type, m.code])).toEqual([
      ['error', 'INVALID_JSON'],
      ['error', 'VALIDATION_FAILED'],
      ['error', 'AGENT_NOT_FOUND'],
      ['error', 'VALIDATION_FAILED'],
      ['error', 'INVALID_MESSAGE'],
      ['error', 'SUBSCRIPTION_LIMIT'],
    ]);
    expect(bad.messages[1].field).toBe('symbols');
    // still open and usable
    bad.send({ op: 'subscribe', agent: 'default', symbols: ['AAA'] });
    await bad.until((m) => m.some((x) => x.type === 'subscribed'));
    await post(`${sym('AAA')}/mid`, { mid: 101 });
    await good.until((m) => m.some((x) => x.type === 'quote' && x.mid === 101));
    await bad.until((m) => m.some((x) => x.type === 'quote' && x.mid === 101));
    bad.close();
    good.close();
  });

  it('a message over the size limit closes that connection with 1009 only', async () => {
    const big = await StreamClient.connect(s.wsUrl);
    const other = await StreamClient.connect(s.wsUrl);
    big.send('x'.repeat(20_000));
    expect(await big.closed()).toBe(1009);
    other.send({ op: 'subscribe', agent: 'default', symbols: ['AAA'] });
    await other.until((m) => m.some((x) => x.type === 'subscribed'));
    other.close();
  });
});

describe('shutdown', () => {
  it('closes WebSockets with 1001 when the server closes', async () => {
    const own = await startServer();
    const c = await StreamClient.connect(own.wsUrl);
    const closing = c.closed();
    await own.close();
    expect(await closing).toBe(1001);
  });
});
