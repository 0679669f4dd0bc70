/**
 * Ingest anywhere: a request for an agent this instance does not own is sent,
 * as it came (method, URL, body, the caller's authorization), to the owner
 * over NATS (`mm.cmd.<agent>`); the owner runs it through its own routes
 * (`inject`, so the same validation, ledger and reply) and the answer goes
 * back to the caller unchanged, status included.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LEDGER_UNAVAILABLE } from '../service/errors.js';
import { commandSubject } from './subjects.js';

interface Forwarded {
  method: string;
  url: string;
  authorization?: string;
  body?: unknown;
}

interface Answer {
  status: number;
  contentType?: string;
  body: string;
}

/** Answers the forwarded requests for `agent` while this instance owns it. */
export function serveCommands(nc: NatsConnection, app: FastifyInstance, agent: string): Subscription {
  return nc.subscribe(commandSubject(agent), {
    callback: (err, msg) => {
      if (err !== null) return;
      void (async () => {
        let answer: Answer;
        try {
          const f = msg.json<Forwarded>();
          const res = await app.inject({
            method: f.method as 'POST',
            url: f.url,
            headers: {
              ...(f.authorization === undefined ? {} : { authorization: f.authorization }),
              ...(f.body === undefined ? {} : { 'content-type': 'application/json' }),
              // marks the request as forwarded once: an owner that lost the agent meanwhile answers itself, never forwards again
              'x-mm-forwarded': '1',
            },
            ...(f.body === undefined ? {} : { payload: JSON.stringify(f.body) }),
          });
          const contentType = res.headers['content-type'];
          answer = { status: res.statusCode, body: res.body, ...(typeof contentType === 'string' ? { contentType } : {}) };
        } catch (e) {
          answer = { status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'INTERNAL', message: (e as Error).message } }) };
        }
        msg.respond(JSON.stringify(answer));
      })();
    },
  });
}

export interface ForwardOptions {
  nc: NatsConnection;
  timeoutMs: number;
  /** whether this instance owns the agent */
  owns(agent: string): boolean;
  /** whether another instance does (a lease names it) */
  ownedElsewhere(agent: string): boolean;
}

/**
 * A preHandler (after authentication and body parsing) on every route with an agent id: when another
 * instance owns the agent, the request is answered by it.
 */
export function installForwarding(app: FastifyInstance, opts: ForwardOptions): void {
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const agent = (req.params as { agentId?: unknown } | undefined)?.agentId;
    if (typeof agent !== 'string' || opts.owns(agent) || req.headers['x-mm-forwarded'] !== undefined) return;
    if (!opts.ownedElsewhere(agent)) return;
    const f: Forwarded = { method: req.method, url: req.url, ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }), ...(req.body === undefined ? {} : { body: req.body }) };
    let answer: Answer;
    try {
      const m = await opts.nc.request(commandSubject(agent), JSON.stringify(f), { timeout: opts.timeoutMs });
      answer = m.json<Answer>();
    } catch (e) {
      // no owner listening (it is failing over) or none answering in time: nothing was acknowledged, the caller retries
      throw new LEDGER_UNAVAILABLE(`the owner of agent ${agent} did not answer (${(e as Error).message}); nothing was recorded`);
    }
    if (answer.contentType !== undefined) reply.type(answer.contentType);
    return reply.code(answer.status).send(answer.body);
  });
}
