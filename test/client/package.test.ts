/**
 * `mm-quoting-service/client` as a user gets it: `npm pack`, the tarball
 * installed into an empty folder, imported from a plain .mjs (talking to a
 * real service), type-checked from a .ts (wrong calls refused, so the
 * declarations are real), the `mm-watch` bin run with npx; and the same
 * import from the built checkout itself.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../support/ops.js';
import { startServer, type Running } from '../support/server.js';

interface Ran { status: number | null; stdout: string; stderr: string }

/** Runs a command without blocking this process (the service under test lives in it), killed after timeoutMs. */
function run(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
const out = (r: Ran) => `${r.stdout}\n${r.stderr}`;

describe('the packed client', { timeout: 180_000 }, () => {
  let s: Running;
  let dir: string;
  let tarball: string;
  beforeAll(async () => {
    s = await startServer();
    dir = mkdtempSync(join(tmpdir(), 'mm-client-consumer-'));
    // prepack runs the build (tsc with declarations, then the browser bundles)
    const pack = await run('npm', ['pack', '--json', '--pack-destination', dir], repoPath());
    expect(pack.status, out(pack)).toBe(0);
    const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, info!.filename);
    const files = info!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining([
      'dist/src/client/index.js', 'dist/src/client/index.d.ts', 'dist/src/watch.js', 'dist/browser/quoting-client.js', 'dist/ui/board.js', 'docs/client.md',
    ]));
    expect(files.some((f) => f.endsWith('.map'))).toBe(false);
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('src/'))).toBe(false);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const install = await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], dir);
    expect(install.status, out(install)).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports from a plain .mjs and talks to a real service: REST, the stream, a typed error', async () => {
    writeFileSync(join(dir, 'consumer.mjs'), `
      import { QuotingClient, QuotingError } from 'mm-quoting-service/client';
      const c = new QuotingClient({ baseUrl: process.argv[2] });
      await c.postVolatility('default', 'PKG', { sigma: 2 });
      const got = [];
      let seen;
      const two = new Promise((resolve) => (seen = resolve));
      const sub = await c.subscribe('default', ['PKG'], (q) => { got.push([q.seq, q.bidPrice, q.askPrice]); if (got.length === 2) seen(); });
      await c.postMid('default', 'PKG', { mid: 100 });
      await c.postMid('default', 'PKG', { mid: 101 });
      await two;
      await sub.close();
      let error;
      try { await c.postMid('default', 'PKG', { mid: -1 }); } catch (e) { error = [e instanceof QuotingError, e.code, e.field]; }
      console.log(JSON.stringify({ got, error }));
    `);
    const r = await run(process.execPath, ['consumer.mjs', s.url], dir, 30_000);
    expect(r.status, out(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ got: [[1, 99.15, 100.85], [2, 100.15, 101.85]], error: [true, 'VALIDATION_FAILED', 'mid'] });
  });

  it('type-checks from a .ts with the shipped declarations, and refuses wrong calls', async () => {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, lib: ['es2022', 'dom'], types: [], skipLibCheck: false },
      files: ['check.ts'],
    }));
    writeFileSync(join(dir, 'check.ts'), `
      import { QuotingClient, QuotingError, type StreamQuote, type UpdateReply, type InventoryReply } from 'mm-quoting-service/client';
      const c = new QuotingClient({ baseUrl: 'http://127.0.0.1:8080', token: 't', timeoutMs: 1000 });
      export const reply: Promise<UpdateReply> = c.postMid('default', 'AAPL', { mid: 100 });
      export const bid: Promise<number | undefined> = reply.then((r) => r.quote?.bidPrice);
      export const inv: Promise<InventoryReply> = c.inventory('default');
      export const onQuote = (q: StreamQuote): string => \`\${q.symbol} \${q.seq} \${q.bidPrice}\`;
      export const sub = c.subscribe('default', '*', onQuote).then((s) => s.on('resync', (e) => e.reason));
      export const code = (e: unknown) => (e instanceof QuotingError ? e.code + (e.field ?? '') : '');
      // @ts-expect-error mid is a number
      c.postMid('default', 'AAPL', { mid: '100' });
      // @ts-expect-error a fill has a side
      c.postFill('default', 'AAPL', { price: 1, quantity: 1 });
      // @ts-expect-error no such method
      c.postMids();
      // @ts-expect-error no such event
      void sub.then(() => c.subscribe('default', '*', onQuote)).then((s) => s.on('nope', () => {}));
    `);
    const tsc = await run(process.execPath, [repoPath('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], dir, 120_000);
    expect(tsc.status, out(tsc)).toBe(0);
  });

  it('npx mm-watch runs the ticker from the installed package', async () => {
    const help = await run('npx', ['--no-install', 'mm-watch', '--help'], dir, 60_000);
    expect(help.status, out(help)).toBe(0);
    expect(help.stdout).toMatch(/^usage: mm-watch/);
    const r = await run('npx', ['--no-install', 'mm-watch', 'default', 'PKG', '--url', s.url, '--count', '1'], dir, 60_000);
    expect(r.status, out(r)).toBe(0);
    expect(r.stdout).toMatch(/PKG +#2 +bid 100\.15 × 1 │ ask 101\.85 × 1 │ mid 101\.00 .* snapshot/);
  });

  it('from the built checkout: the package imports itself by name', async () => {
    const r = await run(process.execPath, ['--input-type=module', '-e', `
      const m = await import('mm-quoting-service/client');
      console.log(typeof m.QuotingClient, typeof m.QuotingError);
    `], repoPath(), 30_000);
    expect(r.status, out(r)).toBe(0);
    expect(r.stdout.trim()).toBe('function function');
    expect(JSON.parse(readFileSync(repoPath('package.json'), 'utf8')).exports['./client'].types).toBe('./dist/src/client/index.d.ts');
  });
});
