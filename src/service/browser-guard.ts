/**
 * What keeps a web page the operator happens to open away from the service.
 *
 * - DNS rebinding: a page on evil.example whose name is re-pointed at 127.0.0.1 reaches the
 *   service with `Host: evil.example`; only the configured host names (loopback by default) are served.
 * - Cross-site requests: a browser adds `Origin` to every cross-origin request and to every
 *   WebSocket handshake; an Origin whose host is not an allowed one is refused, so a page cannot
 *   drive the writes nor read the stream.
 * - CSRF without Origin (older browsers, forms): every write needs `content-type: application/json`,
 *   which a "simple" cross-origin request cannot send without a CORS preflight the service never grants.
 *
 * Health checks (`access: 'open'`) are exempt from the Host check: orchestrators probe them by IP.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HOST_NOT_ALLOWED, ORIGIN_NOT_ALLOWED, UNSUPPORTED_MEDIA_TYPE } from './errors.js';

/** The host name of a Host header or URL authority, without port or IPv6 brackets, lower-case. */
export function hostName(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    return end < 0 ? a : a.slice(1, end);
  }
  const colon = a.indexOf(':');
  // more than one colon without brackets is not a host:port; keep it whole so it matches nothing by accident
  return colon < 0 || a.indexOf(':', colon + 1) >= 0 ? a : a.slice(0, colon);
}

function originHost(origin: string): string | null {
  try {
    return hostName(new URL(origin).host);
  } catch {
    return null;
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `application/json`, with or without parameters such as charset. */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

/** Refuses a Host or Origin outside `allowedHosts`, and takes an empty JSON body as no body. */
export function installBrowserGuard(app: FastifyInstance, allowedHosts: readonly string[]): void {
  const any = allowedHosts.includes('*');
  const allowed = new Set(allowedHosts);
  const hostOk = (req: FastifyRequest) => {
    const host = req.headers.host;
    return host !== undefined && allowed.has(hostName(host));
  };

  app.addHook('onRequest', (req, _reply, done) => {
    if (!any) {
      if (req.routeOptions.config.access !== 'open' && !hostOk(req)) {
        done(new HOST_NOT_ALLOWED(String(req.headers.host ?? '(none)')));
        return;
      }
      const origin = req.headers.origin;
      if (origin !== undefined) {
        const h = originHost(origin);
        if (h === null || !allowed.has(h)) {
          done(new ORIGIN_NOT_ALLOWED(origin));
          return;
        }
      }
    }
    done();
  });

  // An empty body with content-type application/json is "no body" (pause, resume, DELETE), not invalid JSON;
  // anything else goes to Fastify's own parser (prototype-poisoning checks included).
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') {
      done(null, undefined);
      return;
    }
    void json(req, text, done);
  });
}

/** Every write needs content-type: application/json, body or not; installed after authentication, so a missing token is still a 401. */
export function requireJsonWrites(app: FastifyInstance): void {
  app.addHook('onRequest', (req, _reply, done) => {
    if (!READ_METHODS.has(req.method) && !isJson(req.headers['content-type'])) {
      done(new UNSUPPORTED_MEDIA_TYPE(`${req.method} needs content-type: application/json, even without a body`));
      return;
    }
    done();
  });
}
