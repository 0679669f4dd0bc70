/**
 * The service's memory budget: what the configured limits let clients make it hold, at most.
 * Every part is a limit times a measured cost per unit; docs/operations.md states the figures and
 * test/service/hostile-clients.test.ts checks both the arithmetic and a real server at the symbol limit.
 */
import type { ServiceConfig } from './config.js';

const KiB = 1_024;
const MiB = 1_048_576;

/** The memory budget the defaults are chosen for (resident set size). */
export const MEMORY_BUDGET_BYTES = 2_560 * MiB;

/** Measured costs per unit (see where each comes from). */
export const UNIT_COSTS = {
  /**
   * one symbol with a quote and its fill history: 27.1 KiB in bench/memory.ts with 1,000 fills (25,000 B of it
   * the fill ring's typed arrays, allocated whole at the first fill), about 27 KiB of RSS in the test after one
   * fill; counted with room for the allocator's slack
   */
  symbolBytes: 32 * KiB,
  /** an agent's fill-id memory at the default fillIdMemory (100,000 UUIDs): 8.8 MiB in bench/memory.ts */
  agentFillIdsBytes: 9 * MiB,
  /** Node, Fastify, prom-client and the code, idle: about 110 MiB RSS measured at start-up, rounded up */
  baseBytes: 160 * MiB,
} as const;

export interface MemoryBudget {
  symbols: number;
  fillIds: number;
  /** WebSocket queues: each connection's send buffer plus conflation queue, closed past wsMaxQueueBytes */
  webSockets: number;
  /** request bodies in flight: one per connection at most, each at most bodyLimitBytes */
  requestBodies: number;
  base: number;
  total: number;
}

/** The most memory the limits of `config` admit, part by part. */
export function memoryBudget(config: ServiceConfig): MemoryBudget {
  const { limits, http } = config;
  const parts = {
    symbols: limits.maxTotalSymbols * UNIT_COSTS.symbolBytes,
    fillIds: limits.maxAgents * UNIT_COSTS.agentFillIdsBytes,
    webSockets: limits.maxWsClients * limits.wsMaxQueueBytes,
    requestBodies: http.maxConnections * limits.bodyLimitBytes,
    base: UNIT_COSTS.baseBytes,
  };
  return { ...parts, total: parts.symbols + parts.fillIds + parts.webSockets + parts.requestBodies + parts.base };
}
