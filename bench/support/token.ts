/** The write token the service runs with in the benchmarks; every request carries it (the bare servers ignore it). */
export const BENCH_TOKEN = 'bench-write-token-0123456789abcdef';
export const AUTH_HEADER = `Bearer ${BENCH_TOKEN}`;
