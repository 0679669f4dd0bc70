import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

export const ENTRY = ['--import', 'tsx', 'src/server.ts'];

/** `node src/server.ts` (or another entry: src/gateway.ts) in its own process, on an ephemeral port read from its "listening" log line. */
export function spawnServer(env: Record<string, string> = {}, timeoutMs = 15_000, entry = ENTRY): Promise<ServerProcess> {
  const child = spawn(process.execPath, entry, { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LEDGER_PATH: 'off', JOURNAL_PATH: 'off', ...env }, stdio: 'pipe' });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start: ${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({ child, port, url: `http://127.0.0.1:${port}`, output: () => out, exited });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${out}`));
    });
  });
}

/** Runs the server expecting it to refuse to start; returns exit code and output. */
export function runServerToExit(env: Record<string, string>, timeoutMs = 15_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ENTRY, { env: { ...process.env, PORT: '0', LEDGER_PATH: 'off', JOURNAL_PATH: 'off', ...env }, stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => child.on('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, output: out });
  }));
}
