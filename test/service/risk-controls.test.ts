import { describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { post, request, startServer, StreamClient, tempLedger } from '../support/server.js';

const config = {
  volatility: { default: 0.5 }, tickSize: 0.01, minSpreadBps: 0, maxSpreadBps: 10_000, maxInventory: 1_000,
  risk: { maxLoss: 5 },
};
const sym = (url: string, symbol: string, agent = 'risky') => `${url}/v1/agents/${agent}/symbols/${symbol}`;

async function killed(srv: ServerProcess): Promise<void> {
  srv.child.kill('SIGKILL');
  await srv.exited;
}

/** The value of one series in a Prometheus exposition, or undefined. */
function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function subscribed(url: string, agent = 'risky'): Promise<StreamClient> {
  const ws = await StreamClient.connect(url.replace('http', 'ws') + '/v1/stream');
  ws.send({ op: 'subscribe', agent, symbols: '*' });
  await ws.until((m) => m.some((x) => x.type === 'subscribed'));
  return ws;
}

describe('risk controls over HTTP, the stream and a SIGKILL', () => {
  it('a loss limit withdraws every quote with its reason, survives a SIGKILL and restart, and ends with a reset', async () => {
    const env = { LEDGER_PATH: tempLedger(), LEDGER_FSYNC: 'never' };
    const first = await spawnServer(env);
    let epoch: string;
    try {
      expect((await post(`${first.url}/v1/agents`, { id: 'risky', config })).status).toBe(201);
      const ws = await subscribed(first.url);
      expect((await post(`${sym(first.url, 'X')}/mid`, { mid: 100 })).body.outcome).toBe('quoted');
      expect((await post(`${sym(first.url, 'Y')}/mid`, { mid: 100 })).body.outcome).toBe('quoted');
      await post(`${sym(first.url, 'X')}/fills`, { id: 'f1', side: 'buy', price: 100, quantity: 10 });
      expect((await post(`${sym(first.url, 'X')}/mid`, { mid: 99.7 })).body.outcome).toBe('quoted'); // −3
      const hit = await post(`${sym(first.url, 'X')}/mid`, { mid: 99.5 }); // −5
      expect(hit.body.outcome).toBe('no-quote');
      expect(hit.body.decision).toEqual({ sides: 'none', reason: 'loss-limit' });
      await ws.until((m) => m.filter((x) => x.type === 'withdrawn').length === 2);
      const withdrawn = ws.of('withdrawn');
      expect(withdrawn.map((w) => [w.symbol, w.reason]).sort()).toEqual([['X', 'loss-limit'], ['Y', 'loss-limit']]);
      // every message carries the agent's epoch
      epoch = ws.messages[0].epoch;
      expect(typeof epoch).toBe('string');
      for (const m of ws.messages) expect(m.epoch).toBe(epoch);
      ws.close();

      const risk = (await request('GET', `${first.url}/v1/agents/risky/risk`)).body;
      expect(risk.hold).toMatchObject({ reason: 'loss-limit', limit: 5 });
      expect(risk.pnl).toBeCloseTo(-5, 9);
      expect(risk.used.loss).toBeCloseTo(1, 9);
      const text = (await request('GET', `${first.url}/metrics`)).body as string;
      expect(metric(text, 'mm_risk_hold{agent="risky",reason="loss-limit"}')).toBe(1);
      expect(metric(text, 'mm_risk_limit{agent="risky",kind="loss"}')).toBe(5);
      expect(metric(text, 'mm_risk_used_ratio{agent="risky",kind="loss"}')).toBeCloseTo(1, 9);
      expect(metric(text, 'mm_halted')).toBe(0);
    } finally {
      await killed(first);
    }

    const second = await spawnServer(env);
    try {
      const risk = (await request('GET', `${second.url}/v1/agents/risky/risk`)).body;
      expect(risk.hold).toMatchObject({ reason: 'loss-limit', limit: 5 });
      const ws = await subscribed(second.url);
      expect(ws.messages[0].epoch).not.toBe(epoch); // a new run: the seq numbers restarted
      // the market back at 100: still held, as before the crash
      expect((await post(`${sym(second.url, 'X')}/mid`, { mid: 100 })).body.decision.reason).toBe('loss-limit');
      expect((await post(`${sym(second.url, 'Y')}/mid`, { mid: 100 })).body.decision.reason).toBe('loss-limit');
      const reset = await post(`${second.url}/v1/agents/risky/risk/reset`, {});
      expect(reset.status).toBe(200);
      expect(reset.body.hold).toBeNull();
      expect(reset.body.pnl).toBeCloseTo(0, 9);
      await ws.until((m) => m.filter((x) => x.type === 'quote').length === 2);
      ws.close();
    } finally {
      await killed(second);
    }

    const third = await spawnServer(env);
    try {
      expect((await request('GET', `${third.url}/v1/agents/risky/risk`)).body.hold).toBeNull();
      expect((await post(`${sym(third.url, 'X')}/mid`, { mid: 100 })).body.outcome).toBe('quoted');
      // the period starts at the reset's P&L (0 at 100): −4 is inside the limit
      expect((await post(`${sym(third.url, 'X')}/mid`, { mid: 99.6 })).body.outcome).toBe('quoted');
    } finally {
      await killed(third);
    }
  }, 60_000);

  it('the kill switch withdraws every agent\'s quotes, shows in /readyz and /metrics, and survives a SIGKILL', async () => {
    const env = { LEDGER_PATH: tempLedger(), LEDGER_FSYNC: 'never' };
    const first = await spawnServer(env);
    try {
      await post(`${first.url}/v1/agents`, { id: 'risky', config });
      const ws = await subscribed(first.url);
      await post(`${sym(first.url, 'X')}/mid`, { mid: 100 });
      const halt = await post(`${first.url}/v1/halt`, {});
      expect(halt.body).toEqual({ halted: true, withdrawn: 1 });
      await ws.until((m) => m.some((x) => x.type === 'withdrawn' && x.reason === 'halted'));
      expect((await request('GET', `${first.url}/readyz`)).body).toEqual({ status: 'ready', halted: true });
      expect(metric((await request('GET', `${first.url}/metrics`)).body, 'mm_halted')).toBe(1);
      expect((await post(`${sym(first.url, 'X')}/mid`, { mid: 100.1 })).body.decision).toEqual({ sides: 'none', reason: 'halted' });
      // an agent created while halted is halted
      await post(`${first.url}/v1/agents`, { id: 'late', config: { volatility: { default: 0.5 } } });
      expect((await post(`${sym(first.url, 'Z', 'late')}/mid`, { mid: 100 })).body.decision.reason).toBe('halted');
      ws.close();
    } finally {
      await killed(first);
    }
    const second = await spawnServer(env);
    try {
      expect((await request('GET', `${second.url}/readyz`)).body).toEqual({ status: 'ready', halted: true });
      expect((await post(`${sym(second.url, 'X')}/mid`, { mid: 100 })).body.decision.reason).toBe('halted');
      expect((await request('DELETE', `${second.url}/v1/halt`)).body).toEqual({ halted: false });
      expect((await post(`${sym(second.url, 'X')}/mid`, { mid: 100.2 })).body.outcome).toBe('quoted');
      expect((await request('GET', `${second.url}/readyz`)).body.halted).toBe(false);
    } finally {
      await killed(second);
    }
  }, 60_000);
});

describe('requote threshold, fees and epochs over HTTP and the stream', () => {
  it('a mid wiggle under minChangeTicks sends nothing on the stream and answers "unchanged"; one over it is published', async () => {
    const srv = await startServer();
    try {
      await post(`${srv.url}/v1/agents`, { id: 'calm', config: { ...config, risk: {}, requote: { minChangeTicks: 5, maxIntervalMs: 3_600_000 } } });
      const ws = await subscribed(srv.url, 'calm');
      const t = Date.now();
      const first = await post(`${sym(srv.url, 'X', 'calm')}/mid`, { mid: 100, time: t });
      expect(first.body.outcome).toBe('quoted');
      await ws.until((m) => m.some((x) => x.type === 'quote'));
      const wiggle = await post(`${sym(srv.url, 'X', 'calm')}/mid`, { mid: 100.02, time: t + 1 }); // 2 ticks
      expect(wiggle.body.outcome).toBe('unchanged');
      expect(wiggle.body.quote).toEqual(first.body.quote);
      const jump = await post(`${sym(srv.url, 'X', 'calm')}/mid`, { mid: 100.1, time: t + 2 }); // 10 ticks
      expect(jump.body.outcome).toBe('quoted');
      expect(jump.body.quote.seq).toBe(first.body.quote.seq + 1);
      await ws.until((m) => m.filter((x) => x.type === 'quote').length === 2);
      const quotes = ws.of('quote');
      expect(quotes.map((q) => q.mid)).toEqual([100, 100.1]); // the wiggle never reached the stream
      const text = (await request('GET', `${srv.url}/metrics`)).body as string;
      expect(metric(text, 'mm_requotes_suppressed_total{agent="calm"}')).toBe(1);
      ws.close();
    } finally {
      await srv.close();
    }
  });

  it('fills carry a fee or take the configured one; realised P&L is net of fees (by hand)', async () => {
    const srv = await startServer();
    try {
      await post(`${srv.url}/v1/agents`, { id: 'fees', config: { ...config, risk: {}, fees: { makerBps: 10, takerBps: 20 } } });
      await post(`${sym(srv.url, 'X', 'fees')}/fills`, { id: 'a', side: 'buy', price: 100, quantity: 10 }); // fee 1
      await post(`${sym(srv.url, 'X', 'fees')}/fills`, { id: 'b', side: 'sell', price: 102, quantity: 15, liquidity: 'taker' }); // 3.06
      await post(`${sym(srv.url, 'X', 'fees')}/fills`, { id: 'c', side: 'buy', price: 101, quantity: 5, fee: -0.25 });
      const bad = await post(`${sym(srv.url, 'X', 'fees')}/fills`, { id: 'd', side: 'buy', price: 101, quantity: 5, liquidity: 'both' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe('liquidity');
      const v = (await request('GET', `${srv.url}/v1/agents/fees/symbols/X`)).body;
      expect(v.position).toBe(0);
      expect(v.realisedPnl).toBe(21.19); // 25 gross − 3.81 fees
      // with a maker fee of 10 bps the quote keeps 10 bps from the mid on each side
      const q = (await post(`${sym(srv.url, 'X', 'fees')}/mid`, { mid: 100 })).body.quote;
      expect(q.bidPrice).toBeLessThanOrEqual(99.9);
      expect(q.askPrice).toBeGreaterThanOrEqual(100.1);
    } finally {
      await srv.close();
    }
  });

  it('a recreated agent streams in a new epoch', async () => {
    const srv = await startServer();
    try {
      await post(`${srv.url}/v1/agents`, { id: 'again', config: { volatility: { default: 0.5 } } });
      const ws = await subscribed(srv.url, 'again');
      const e1 = ws.messages[0].epoch;
      await request('DELETE', `${srv.url}/v1/agents/again`);
      await ws.until((m) => m.some((x) => x.type === 'agent-deleted'));
      expect(ws.of('agent-deleted')[0].epoch).toBe(e1);
      await post(`${srv.url}/v1/agents`, { id: 'again', config: { volatility: { default: 0.5 } } });
      ws.send({ op: 'subscribe', agent: 'again', symbols: '*' });
      await post(`${sym(srv.url, 'X', 'again')}/mid`, { mid: 100 });
      await ws.until((m) => m.some((x) => x.type === 'quote'));
      const q = ws.of('quote')[0];
      expect(q.epoch).not.toBe(e1);
      expect(q.seq).toBe(1);
      ws.close();
    } finally {
      await srv.close();
    }
  });
});
