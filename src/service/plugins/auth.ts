/**
 * Bearer-token authentication. Each route is `write`, `read`, `metrics` or
 * `open` (its `config.access`; by default GET is read and anything else
 * write). Write tokens may do everything; read tokens may read and stream.
 * Writes are open while no write token is configured, reads while no read
 * token is, and /metrics while `protectMetrics` is false (unset, it follows the read tokens: with any
 * configured, the inventories and P&L in /metrics need a token too).
 * Tokens are compared as SHA-256 digests with timingSafeEqual, against every
 * configured token, so the time taken says nothing about how much matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { FORBIDDEN, UNAUTHORIZED } from '../errors.js';

export type Access = 'write' | 'read' | 'metrics' | 'open';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyInstance {
    /** which kinds of access need a token (none: every route is open) */
    auth: Readonly<Record<Exclude<Access, 'open'>, boolean>>;
  }
}

const digest = (token: string) => createHash('sha256').update(token).digest();

class TokenSet {
  private readonly digests: Buffer[];
  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }
  get size(): number {
    return this.digests.length;
  }
  has(token: string): boolean {
    const d = digest(token);
    let found = false;
    for (const t of this.digests) found = timingSafeEqual(d, t) || found;
    return found;
  }
}

export interface AuthOptions {
  writeTokens: readonly string[];
  readTokens: readonly string[];
  protectMetrics?: boolean | undefined;
}

function presented(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (h !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    return m ? m[1]! : null;
  }
  // browsers cannot set headers on a WebSocket, so the stream also takes ?token=
  if (req.routeOptions.url === '/v1/stream') {
    const q = req.query as Record<string, unknown> | undefined;
    return typeof q?.token === 'string' ? q.token : null;
  }
  return null;
}

/** Installs the check; with no token configured at all, nothing is checked (and the server listens on loopback only). */
async function authPlugin(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  const write = new TokenSet(opts.writeTokens);
  const read = new TokenSet(opts.readTokens);
  const protectMetrics = opts.protectMetrics ?? read.size > 0;
  app.decorate('auth', { write: write.size > 0, read: read.size > 0, metrics: protectMetrics && (write.size > 0 || read.size > 0) });
  if (write.size === 0 && read.size === 0) return;

  // The token a connection last had accepted, with what it grants: a keep-alive client sends the same
  // header on every request, and a constant-time compare with it costs no hash. (Compared in constant
  // time all the same: behind a pooling proxy one connection carries several clients.)
  const accepted = new WeakMap<object, { token: Buffer; write: boolean }>();

  app.addHook('onRequest', (req, reply, done) => {
    const access = req.routeOptions.config.access ?? (req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write');
    // each kind of access is open until tokens that grant it are configured
    if (access === 'open' || (access === 'metrics' && !protectMetrics)
      || (access === 'read' && read.size === 0) || (access === 'write' && write.size === 0)) {
      done();
      return;
    }
    const token = presented(req);
    if (token === null) {
      reply.header('www-authenticate', 'Bearer');
      done(new UNAUTHORIZED('a bearer token is required'));
      return;
    }
    const socket = req.raw.socket;
    const known = accepted.get(socket);
    const bytes = Buffer.from(token);
    let mayWrite: boolean;
    if (known !== undefined && known.token.length === bytes.length && timingSafeEqual(known.token, bytes)) {
      mayWrite = known.write;
    } else if (write.has(token)) {
      mayWrite = true;
      accepted.set(socket, { token: bytes, write: true });
    } else if (read.has(token)) {
      mayWrite = false;
      accepted.set(socket, { token: bytes, write: false });
    } else {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      done(new UNAUTHORIZED('the bearer token is not valid'));
      return;
    }
    if (access === 'write' && !mayWrite) done(new FORBIDDEN('this token may only read'));
    else done();
  });
}

export default fp(authPlugin, { name: 'auth' });
