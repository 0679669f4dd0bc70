/**
 * Risk gauges, filled at scrape time from the agents' risk state: the kill
 * switch, each limit's value and share in use, the holds, and the P&L and
 * drawdown of the period (for the dashboard's P&L-against-limit panel).
 */
import { Gauge, type Registry } from 'prom-client';
import type { MarketMakerAgent } from '../agent/market-maker-agent.js';
import { LIMIT_KINDS } from '../agent/risk-limits.js';

export interface RiskMetricsSources {
  agents: () => Iterable<MarketMakerAgent>;
  halted: () => boolean;
}

export function registerRiskMetrics(registry: Registry, sources: RiskMetricsSources): void {
  const registers = [registry];
  new Gauge({ name: 'mm_halted', help: 'Whether the global kill switch is on (POST /v1/halt), 1 or 0', registers, collect() { this.set(sources.halted() ? 1 : 0); } });
  const perAgent = (name: string, help: string, labels: string[], fill: (g: Gauge, a: MarketMakerAgent) => void) =>
    new Gauge({
      name, help, labelNames: ['agent', ...labels], registers,
      collect() {
        this.reset();
        for (const a of sources.agents()) fill(this, a);
      },
    });
  perAgent('mm_risk_limit', 'Configured risk limit by kind (loss, drawdown: quote currency; gross-notional, net-notional), absent when off', ['kind'], (g, a) => {
    const v = a.risk.view();
    for (const kind of LIMIT_KINDS) if (v.limits[kind] !== null) g.set({ agent: a.id, kind }, v.limits[kind]);
  });
  perAgent('mm_risk_used_ratio', 'Share of each configured risk limit in use (1 = at the limit)', ['kind'], (g, a) => {
    const v = a.risk.view();
    for (const kind of LIMIT_KINDS) if (v.limits[kind] !== null) g.set({ agent: a.id, kind }, v.used[kind]);
  });
  perAgent('mm_risk_hold', 'Whether the agent stopped quoting for a loss or drawdown limit (1), by reason; symbol holds counted in mm_risk_symbol_holds', ['reason'], (g, a) => {
    const hold = a.risk.view().hold;
    for (const reason of ['loss-limit', 'drawdown-limit']) g.set({ agent: a.id, reason }, hold?.reason === reason ? 1 : 0);
  });
  perAgent('mm_risk_symbol_holds', 'Symbols of the agent stopped by a symbol loss or drawdown limit', [], (g, a) => {
    g.set({ agent: a.id }, Object.keys(a.risk.view().symbolHolds).length);
  });
  perAgent('mm_risk_pnl', 'P&L of the agent since the start of its risk period (realised + unrealised, net of fees), quote currency', [], (g, a) => {
    g.set({ agent: a.id }, a.risk.view().pnl);
  });
  perAgent('mm_risk_drawdown', 'Fall of the agent\'s P&L from its peak in the risk period, quote currency', [], (g, a) => {
    g.set({ agent: a.id }, a.risk.view().drawdown);
  });
}
