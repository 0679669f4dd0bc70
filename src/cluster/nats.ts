/** The NATS connection of an instance or gateway, and the streams it relies on. */
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import { QUOTE_STREAM } from './subjects.js';

export function connectNats(url: string, creds: string | null, name: string): Promise<NatsConnection> {
  return connect({
    servers: url.split(',').map((s) => s.trim()),
    name,
    // reconnects without end (to any server of the list), every 250 ms; what is published meanwhile is buffered by the client up to its default 8 MiB
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    ...(creds === null ? {} : { authenticator: credsAuthenticator(readFileSync(creds)) }),
  });
}

export interface StreamSpec {
  name: string;
  subjects: string[];
  num_replicas: number;
  max_msgs_per_subject?: number;
  storage?: 'file' | 'memory';
}

/** Creates the stream if it is missing; an existing one keeps its configuration (changing replicas is an operator's act). */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec, waitMs = 15_000): Promise<void> {
  try {
    await jsm.streams.info(spec.name);
    return;
  } catch {
    // not there yet: add it
  }
  // a cluster still forming answers "no suitable peers for placement" until enough servers have joined: bounded wait
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await jsm.streams.add(spec);
      return;
    } catch (err) {
      if (!/no suitable peers/i.test((err as Error).message) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The last quote (or withdrawal) per agent and symbol, in memory: quotes are remade from market data, never recovered. */
export function ensureQuoteStream(jsm: JetStreamManager, replicas: number): Promise<void> {
  return ensureStream(jsm, { name: QUOTE_STREAM, subjects: ['mm.quotes.>'], num_replicas: replicas, max_msgs_per_subject: 1, storage: 'memory' });
}
