/**
 * The top frames of a V8 .cpuprofile (from `node --cpu-prof`) by self time,
 * for naming a miss in bench/README.md:
 *   npx tsx bench/support/cpuprofile-top.ts <file.cpuprofile> [n] [--vs <other.cpuprofile>]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_ROOT } from './report.js';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export function topFrames(profile: Profile, n = 15): { frame: string; selfMs: number; selfPct: number; totalPct: number }[] {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const parent = new Map<number, number>();
  for (const x of profile.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const total = profile.endTime - profile.startTime;
  const name = (x: Node) => {
    const url = x.callFrame.url.replace(/^file:\/\//, '');
    // code loaded through tsx reports line 1 for everything, so a line is shown only when it says something
    const line = x.callFrame.lineNumber > 0 ? `:${x.callFrame.lineNumber + 1}` : '';
    const where = url ? `${url.startsWith('/') ? relative(REPO_ROOT, url) : url}${line}` : '';
    return `${x.callFrame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
  };
  const selfBy = new Map<string, number>();
  const inclusiveBy = new Map<string, number>();
  for (const [id, us] of self) {
    const x = byId.get(id)!;
    selfBy.set(name(x), (selfBy.get(name(x)) ?? 0) + us);
    // inclusive: each distinct frame on the stack once
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = name(byId.get(cur)!);
      if (seen.has(f)) continue;
      seen.add(f);
      inclusiveBy.set(f, (inclusiveBy.get(f) ?? 0) + us);
    }
  }
  return [...selfBy.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([frame, us]) => ({ frame, selfMs: us / 1_000, selfPct: (us / total) * 100, totalPct: ((inclusiveBy.get(frame) ?? 0) / total) * 100 }));
}

function load(path: string): Profile {
  return JSON.parse(readFileSync(path, 'utf8')) as Profile;
}

/** Share of the busy time (everything but "(idle)"), in %, by frame. */
function busyShares(profile: Profile): { busyMs: number; byFrame: Map<string, number> } {
  const frames = topFrames(profile, Number.MAX_SAFE_INTEGER);
  const busyMs = frames.filter((f) => f.frame !== '(idle)').reduce((t, f) => t + f.selfMs, 0);
  return { busyMs, byFrame: new Map(frames.filter((f) => f.frame !== '(idle)').map((f) => [f.frame, (f.selfMs / busyMs) * 100])) };
}

// npx tsx bench/support/cpuprofile-top.ts <a.cpuprofile> [n] [--vs <b.cpuprofile>]
const args = process.argv.slice(2);
if (args.length > 0 && process.argv[1]?.endsWith('cpuprofile-top.ts')) {
  const vsAt = args.indexOf('--vs');
  const other = vsAt >= 0 ? args[vsAt + 1] : undefined;
  const positional = args.filter((_, i) => vsAt < 0 || (i !== vsAt && i !== vsAt + 1));
  const file = positional[0]!;
  const n = Number(positional[1] ?? 15);
  if (other === undefined) {
    const rows = topFrames(load(file), n);
    process.stdout.write(`self ms   self %  total %  frame\n`);
    for (const r of rows) process.stdout.write(`${r.selfMs.toFixed(1).padStart(8)}  ${r.selfPct.toFixed(1).padStart(6)}  ${r.totalPct.toFixed(1).padStart(7)}  ${r.frame}\n`);
  } else {
    // side by side, as shares of each profile's busy (non-idle) time
    const a = busyShares(load(file));
    const b = busyShares(load(other));
    const top = [...a.byFrame.entries()].sort((x, y) => y[1] - x[1]).slice(0, n);
    process.stdout.write(`busy ms: ${a.busyMs.toFixed(0)} vs ${b.busyMs.toFixed(0)}\n   a %     b %  frame\n`);
    for (const [frame, pct] of top) process.stdout.write(`${pct.toFixed(1).padStart(6)}  ${(b.byFrame.get(frame) ?? 0).toFixed(1).padStart(6)}  ${frame}\n`);
  }
}
