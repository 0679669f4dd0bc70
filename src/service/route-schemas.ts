/**
 * Each route's `schema`, made from the zod schemas with zod 4's own
 * `z.toJSONSchema`: params, body and query from `schemas.ts`, every response
 * from `replies.ts`. The responses drive Fastify's compiled serializer; the
 * whole drives the generated openapi.yaml (`npm run openapi`).
 *
 * Requests are not validated from these JSON Schemas: the routes parse with
 * the zod schemas themselves (`parse`), so that the order of the checks (a
 * 404 for an unknown agent before its body's 400 where a route says so) and
 * the error bodies stay as they are. The app's validator compiler is a pass.
 */
import type { FastifySchema } from 'fastify';
import { z } from 'zod';
import { ErrorBody } from './replies.js';

type Json = Record<string, unknown>;

/** Drops what the serializer must not act on: `default` (fast-json-stringify writes it for a missing field). */
function strip(node: unknown, dropDefaults: boolean, names = false): unknown {
  if (Array.isArray(node)) return node.map((n) => strip(n, dropDefaults));
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    // under `properties` the keys are field names (a field may be called `default`)
    if (!names && (k === '$schema' || (dropDefaults && k === 'default'))) continue;
    out[k] = strip(v, dropDefaults, !names && (k === 'properties' || k === 'definitions'));
  }
  return out;
}

/**
 * `anyOf: [object, null]` (zod's nullable object) as `type: [object, null]`: fast-json-stringify picks
 * the branch of a type list by a typeof, while for anyOf it runs a validator on every reply.
 */
function nullableAsTypeList(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableAsTypeList);
  if (node === null || typeof node !== 'object') return node;
  const o: Json = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, nullableAsTypeList(v)]));
  const branches = o.anyOf;
  if (Array.isArray(branches) && branches.length === 2) {
    const [a, b] = branches as Json[];
    const isNull = (x: Json | undefined) => x !== undefined && x.type === 'null' && Object.keys(x).length === 1;
    const object = isNull(b) ? a : isNull(a) ? b : undefined;
    if (object !== undefined && object.type === 'object') {
      const { anyOf: _dropped, ...rest } = o;
      return { ...object, ...rest, type: ['object', 'null'] };
    }
  }
  return o;
}

/** A zod schema as the JSON Schema (draft 7, Fastify's) of what it accepts (`input`) or produces (`output`). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const json = strip(z.toJSONSchema(schema, { io, target: 'draft-7', unrepresentable: 'any' }), io === 'output');
  return (io === 'output' ? nullableAsTypeList(json) : json) as Json;
}

export interface RouteDoc {
  summary: string;
  description?: string;
  tags: string[];
  params?: z.ZodType;
  body?: z.ZodType;
  querystring?: z.ZodType;
  /** status → reply; every route also answers 4xx and 5xx with ErrorBody */
  response: Record<number, z.ZodType | null>;
}

const errorBody = () => jsonSchema(ErrorBody, 'output');

/** The Fastify schema of one route. A `null` response has no body (204). */
export function routeSchema(doc: RouteDoc): FastifySchema {
  const response: Json = {};
  for (const [status, s] of Object.entries(doc.response)) {
    response[status] = s === null ? { type: 'null', description: 'no body' } : { ...jsonSchema(s, 'output'), description: s.description ?? 'OK' };
  }
  response['4xx'] = { ...errorBody(), description: 'the request is refused: `{"error":{"code","message","field"?}}`' };
  response['5xx'] = { ...errorBody(), description: '`LEDGER_UNAVAILABLE` (503, nothing applied) or `INTERNAL` (500)' };
  // summary, description and tags are @fastify/swagger's (a devDependency: its types are not in the build)
  const schema: Json = {
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: doc.tags,
    ...(doc.params ? { params: jsonSchema(doc.params, 'input') } : {}),
    ...(doc.body ? { body: jsonSchema(doc.body, 'input') } : {}),
    ...(doc.querystring ? { querystring: jsonSchema(doc.querystring, 'input') } : {}),
    response,
  };
  return schema;
}

/** The routes validate with zod at the edge (`parse`); the request schemas are documentation. */
export const passValidator = () => (): true => true;
