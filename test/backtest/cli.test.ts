import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/command-line.js';
import { parseBacktestArgs } from '../../src/backtest/backtest-args.js';
import { runBacktest } from '../../src/backtest/runner.js';
import { options, HAND_CONFIG, tempFile } from './support.js';

interface Run { code: number | null; stdout: string; stderr: string }

/** `npm run backtest -- …` as a child process, with pipes (not a terminal) and a time limit. */
function backtest(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/backtest/cli.ts', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

const CSV = ['time,mid,sigma,price,quantity,side', '0,100,1,,,', '2000,,,99.80,3,sell', '3000,,,100.20,2,buy', '4000,105,,,,', '5000,,,104.70,5,sell', '10000,105,,,,'].join('\n');

describe('npm run backtest', () => {
  const data = tempFile('tiny.csv', CSV);
  const config = tempFile('agent.json', JSON.stringify(HAND_CONFIG));

  it('writes summary.json and three plots, --json prints the summary; piped output gets no progress bar', async () => {
    const out = mkdtempSync(join(tmpdir(), 'backtest-out-'));
    const r = await backtest(['--data', data, '--config', config, '--out', out, '--fee-bps', '1', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('\r');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(JSON.parse(r.stdout)).toEqual(summary);
    expect(summary.fills).toMatchObject({ count: 3, buys: 2, sells: 1 });
    expect(summary).toEqual((await runBacktest(data, options({ feeBps: 1 }))).summary);
    for (const f of ['pnl-inventory.svg', 'quotes.svg', 'markouts.svg']) expect(readFileSync(join(out, f), 'utf8')).toMatch(/^<svg /);
  });

  it('--sweep NAME=… NAME=…: sweep.json with one summary per setting and the frontier', async () => {
    const out = mkdtempSync(join(tmpdir(), 'backtest-out-'));
    const r = await backtest(['--data', data, '--config', config, '--out', out, '--interval', '1000', '--workers', '2', '--sweep', 'gamma=0.05,0.1', 'minSpreadBps=20,40']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { label: string }[];
    expect(sweep.map((s) => s.label)).toEqual(['gamma=0.05 minSpreadBps=20', 'gamma=0.05 minSpreadBps=40', 'gamma=0.1 minSpreadBps=20', 'gamma=0.1 minSpreadBps=40']);
    expect(readFileSync(join(out, 'frontier.svg'), 'utf8')).toMatch(/^<svg /);
  });

  it('bad data: exit 1 and one line naming the file, line and field', async () => {
    const bad = tempFile('bad.csv', 'time,mid\n0,100\n1000,-5\n');
    const out = join(mkdtempSync(join(tmpdir(), 'backtest-out-')), 'x');
    const r = await backtest(['--data', bad, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('bad.csv:3: mid: must be a number greater than zero, got "-5"\n');
    expect(existsSync(out)).toBe(false);
  });

  it('a usage error: exit 2 with the message and the usage', async () => {
    const r = await backtest(['--data', data, '--latency=-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--latency: expected milliseconds ≥ 0, got "-1"');
    expect(r.stderr).toContain('usage: npm run backtest');
  });
});

describe('npm run backtest arguments', () => {
  const data = tempFile('tiny.csv', CSV);

  it.each([
    [[], '--data: required'],
    [['--data', '/nonexistent/file.csv'], '--data /nonexistent/file.csv'],
    [['--bogus'], 'bogus'],
    [['--fill', 'magic'], '--fill'],
    [['--latency=-1'], '--latency: expected milliseconds'],
    [['--interval', '10'], '--interval'],
    [['--seed', '5'], '--seed: applies to --fill intensity only'],
    [['--fill', 'intensity', '--seed', '1.5'], '--seed'],
    [['--fill', 'intensity', '--fill-A', '0'], '--fill-A'],
    [['--workers', '0'], '--workers'],
    [['--zoom-start', 'noon'], '--zoom-start'],
    [['gamma=1'], 'unexpected argument'],
    [['--sweep', 'gamma=x'], '--sweep gamma'],
  ])('%j: a UsageError naming %s', (args, message) => {
    const argv = args[0] === '--data' || args.length === 0 ? args : ['--data', data, ...args];
    expect(() => parseBacktestArgs(argv)).toThrow(UsageError);
    expect(() => parseBacktestArgs(argv)).toThrow(message);
  });

  it('a configuration the agent refuses: a UsageError naming the field', () => {
    const bad = tempFile('agent.json', JSON.stringify({ gamma: -1 }));
    expect(() => parseBacktestArgs(['--data', data, '--config', bad])).toThrow(/--config .*agent\.json: gamma: /);
    writeFileSync(bad, '{ not json');
    expect(() => parseBacktestArgs(['--data', data, '--config', bad])).toThrow(UsageError);
  });

  it('defaults: trade-through, no latency, no fee, 60 s intervals; intensity takes A and k from the configuration', () => {
    const c = parseBacktestArgs(['--data', data]);
    expect(c.options).toMatchObject({ fill: { kind: 'trade-through', queueAhead: 0 }, latencyMs: 0, feeBps: 0, intervalMs: 60_000, markoutMs: 5_000 });
    expect(c.out).toBe('backtest-out');
    const config = tempFile('agent.json', JSON.stringify({ k: 7, A: 70 }));
    expect(parseBacktestArgs(['--data', data, '--config', config, '--fill', 'intensity']).options.fill).toEqual({ kind: 'intensity', A: 70, k: 7, seed: 1 });
    expect(parseBacktestArgs(['--data', data, '--zoom-start', '2026-01-02T10:00:00Z']).options.zoomStart).toBe(Date.UTC(2026, 0, 2, 10));
  });
});
