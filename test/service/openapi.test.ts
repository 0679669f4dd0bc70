/**
 * openapi.yaml against the code:
 *   1. the routes the app registers and the operations the document lists are the same set;
 *   2. the document is structurally sound OpenAPI 3.1 (checks of our own, no dependency);
 *   3. its error codes are the table of src/service/errors.ts and of the stream, with their statuses;
 *   4. its request schemas say what the zod schemas say;
 *   5. each operation's access class (`x-access`) is the route's in the code, and its security and
 *      401/403 answers follow from it;
 *   6. what a real server answers, over HTTP and the WebSocket, validates against it: with and
 *      without tokens, with a ledger that cannot be written, and while shutting down.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MarketMakerConfigSchema } from '../../src/agent/config.js';
import * as errorTable from '../../src/service/errors.js';
import { BatchBody, BatchItem, CreateAgentBody, FillBody, MidBody, PositionBody, StreamMessage, SymbolParams, VolatilityBody } from '../../src/service/schemas.js';
import { isObject, OpenApiDoc, type Json, type JsonObject } from '../support/openapi.js';
import { post, request, startServer, StreamClient, type Running } from '../support/server.js';

type ErrorBody = { error: { code: string; message: string; field?: string } };

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const api = OpenApiDoc.load(root('openapi.yaml'));
const ERROR_BODY = '#/components/schemas/ErrorBody';

let s: Running;
beforeAll(async () => {
  s = await startServer({
    limits: { maxAgents: 3, maxBatch: 5, bodyLimitBytes: 2_048, maxSubscriptionsPerConnection: 3 },
    agents: { default: {}, c1: { maxSymbols: 2, volatility: { default: 1 } } },
  });
});
afterAll(() => s.close());

/** "/v1/agents/:agentId" → "/v1/agents/{agentId}" */
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function setDiff(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((x) => !b.has(x)).sort();
}

describe('routes registered = operations documented', () => {
  it('the same set of method + path, both ways', () => {
    const registered = s.app.apiRoutes;
    // Fastify adds a HEAD route for every GET route (exposeHeadRoutes, on by default); they answer
    // like the GET without a body and are described once in info.description instead of being
    // repeated per path. Only those automatic ones are ignored: a HEAD registered on its own, on a
    // URL without a GET, is compared like any other method.
    const gets = new Set(registered.filter((r) => r.method === 'GET').map((r) => r.url));
    const inCode = new Set(registered
      .filter((r) => !(r.method === 'HEAD' && gets.has(r.url)))
      .map((r) => `${r.method} ${toOpenApiPath(r.url)}`));
    const inDoc = new Set(api.operations().map((o) => `${o.method.toUpperCase()} ${o.path}`));

    const undocumented = setDiff(inCode, inDoc);
    const notRegistered = setDiff(inDoc, inCode);
    expect(
      { undocumented, notRegistered },
      `routes the server registers but openapi.yaml lacks: ${JSON.stringify(undocumented)}; ` +
      `operations in openapi.yaml the server does not register: ${JSON.stringify(notRegistered)}`,
    ).toEqual({ undocumented: [], notRegistered: [] });
    expect(inCode.size).toBeGreaterThan(0);
  });
});

describe('openapi.yaml is structurally sound', () => {
  const doc = api.doc;

  it('has the top-level fields of an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(isObject(doc.info) && typeof doc.info.title === 'string' && typeof doc.info.version === 'string').toBe(true);
    expect(isObject(doc.paths)).toBe(true);
    for (const key of Object.keys(doc)) {
      expect(['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components', 'security', 'tags', 'externalDocs'].includes(key) || key.startsWith('x-'), `top-level key ${key}`).toBe(true);
    }
  });

  it('every $ref resolves', () => {
    const broken = api.refs().filter((ref) => {
      try {
        api.pointer(ref);
        return false;
      } catch {
        return true;
      }
    });
    expect(broken).toEqual([]);
  });

  it('operations: unique operationIds, declared tags, described responses with valid status keys', () => {
    const tags = new Set((Array.isArray(doc.tags) ? doc.tags : []).map((t) => (isObject(t) ? t.name : null)));
    const ids: string[] = [];
    for (const { path, method, op } of api.operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(path, where).toMatch(/^\//);
      expect(typeof op.operationId, `${where}: operationId`).toBe('string');
      ids.push(String(op.operationId));
      for (const t of Array.isArray(op.tags) ? op.tags : []) expect(tags.has(t), `${where}: tag ${String(t)} is declared`).toBe(true);
      expect(isObject(op.responses) && Object.keys(op.responses).length > 0, `${where}: has responses`).toBe(true);
      for (const [status, raw] of Object.entries(op.responses as JsonObject)) {
        expect(status, `${where}: status key`).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        const r = api.deref(raw);
        expect(isObject(r) && typeof r.description === 'string', `${where} ${status}: has a description`).toBe(true);
      }
      if (op.requestBody !== undefined) {
        const body = api.deref(op.requestBody);
        expect(isObject(body) && isObject(body.content) && Object.keys(body.content).length > 0, `${where}: requestBody has content`).toBe(true);
      }
    }
    expect(ids.length).toBe(new Set(ids).size);
  });

  it('path templates and path parameters agree', () => {
    for (const { path, method, parameters } of api.operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      const inTemplate = new Set([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!));
      const params = parameters.map((p) => api.deref(p)).filter(isObject);
      for (const p of params) {
        expect(['path', 'query', 'header', 'cookie'].includes(String(p.in)), `${where}: parameter ${String(p.name)} has a valid "in"`).toBe(true);
        expect(p.schema !== undefined || p.content !== undefined, `${where}: parameter ${String(p.name)} has a schema`).toBe(true);
      }
      const pathParams = params.filter((p) => p.in === 'path');
      for (const p of pathParams) expect(p.required, `${where}: path parameter ${String(p.name)} is required`).toBe(true);
      expect(new Set(pathParams.map((p) => String(p.name))), where).toEqual(inTemplate);
    }
  });

  it('objects use only the keywords their kind allows (a YAML slip such as `{ description: a, b }` makes a stray key)', () => {
    const stray: string[] = [];
    const only = (node: Json, allowed: ReadonlySet<string>, at: string) => {
      if (!isObject(node) || (typeof node.$ref === 'string' && allowed !== SCHEMA_KEYWORDS)) return;
      for (const k of Object.keys(node)) if (!allowed.has(k) && !k.startsWith('x-')) stray.push(`${at}: ${k}`);
    };
    const schema = (node: Json, at: string): void => {
      if (!isObject(node)) return;
      only(node, SCHEMA_KEYWORDS, at);
      if (isObject(node.properties)) for (const [k, v] of Object.entries(node.properties)) schema(v, `${at}.properties.${k}`);
      for (const k of ['items', 'additionalProperties', 'not', 'propertyNames'] as const) if (node[k] !== undefined) schema(node[k], `${at}.${k}`);
      for (const k of ['allOf', 'anyOf', 'oneOf'] as const) if (Array.isArray(node[k])) node[k].forEach((b, i) => schema(b, `${at}.${k}[${i}]`));
    };
    const content = (node: Json, at: string) => {
      if (!isObject(node)) return;
      for (const [type, media] of Object.entries(node)) {
        only(media, MEDIA_KEYWORDS, `${at}.${type}`);
        if (isObject(media) && media.schema !== undefined) schema(media.schema, `${at}.${type}.schema`);
      }
    };
    const response = (node: Json, at: string) => {
      only(node, RESPONSE_KEYWORDS, at);
      if (isObject(node)) content(node.content ?? null, `${at}.content`);
    };
    const parameter = (node: Json, at: string) => {
      only(node, PARAMETER_KEYWORDS, at);
      if (isObject(node) && node.schema !== undefined) schema(node.schema, `${at}.schema`);
    };
    for (const { path, method, op, parameters } of api.operations()) {
      const at = `${method.toUpperCase()} ${path}`;
      only(op, OPERATION_KEYWORDS, at);
      parameters.forEach((p, i) => parameter(p, `${at} parameters[${i}]`));
      if (isObject(op.requestBody)) {
        only(op.requestBody, REQUEST_BODY_KEYWORDS, `${at} requestBody`);
        content(op.requestBody.content ?? null, `${at} requestBody.content`);
      }
      for (const [status, r] of Object.entries(op.responses as JsonObject)) response(r, `${at} ${status}`);
    }
    const components = isObject(doc.components) ? doc.components : {};
    const each = (kind: string, visit: (node: Json, at: string) => void) => {
      const group = components[kind];
      if (isObject(group)) for (const [name, node] of Object.entries(group)) visit(node, `components.${kind}.${name}`);
    };
    each('schemas', schema);
    each('responses', response);
    each('parameters', parameter);
    each('headers', (node, at) => only(node, HEADER_KEYWORDS, at));
    each('requestBodies', (node, at) => {
      only(node, REQUEST_BODY_KEYWORDS, at);
      if (isObject(node)) content(node.content ?? null, `${at}.content`);
    });
    expect(stray).toEqual([]);
  });

  it('discriminator mappings point at branches of their oneOf', () => {
    for (const [name, raw] of Object.entries(api.doc.components && isObject(api.doc.components) && isObject(api.doc.components.schemas) ? api.doc.components.schemas : {})) {
      if (!isObject(raw) || !isObject(raw.discriminator)) continue;
      const branches = new Set((Array.isArray(raw.oneOf) ? raw.oneOf : []).map((b) => (isObject(b) ? b.$ref : null)));
      const mapping = isObject(raw.discriminator.mapping) ? raw.discriminator.mapping : {};
      for (const [value, target] of Object.entries(mapping)) {
        expect(branches.has(target), `${name}: mapping ${value} → ${String(target)}`).toBe(true);
        // and the branch's discriminating property really is that constant
        const prop = propertyOf({ $ref: String(target) }, String(raw.discriminator.propertyName));
        expect(isObject(prop) ? prop.const : undefined, `${name}: ${value}`).toBe(value);
      }
    }
  });
});

// JSON Schema 2020-12 keywords (core, applicator, validation, format, content, meta-data) and OpenAPI's additions
const SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  '$schema', '$id', '$ref', '$anchor', '$dynamicRef', '$dynamicAnchor', '$defs', '$comment', '$vocabulary',
  'type', 'enum', 'const', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxContains', 'minContains',
  'maxProperties', 'minProperties', 'required', 'dependentRequired', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else',
  'dependentSchemas', 'prefixItems', 'items', 'contains', 'properties', 'patternProperties', 'additionalProperties',
  'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'format', 'contentEncoding', 'contentMediaType', 'contentSchema',
  'title', 'description', 'default', 'deprecated', 'readOnly', 'writeOnly', 'examples',
  'discriminator', 'xml', 'externalDocs', 'example',
]);
const OPERATION_KEYWORDS: ReadonlySet<string> = new Set(['tags', 'summary', 'description', 'externalDocs', 'operationId', 'parameters', 'requestBody', 'responses', 'callbacks', 'deprecated', 'security', 'servers']);
const RESPONSE_KEYWORDS: ReadonlySet<string> = new Set(['$ref', 'summary', 'description', 'headers', 'content', 'links']);
const PARAMETER_KEYWORDS: ReadonlySet<string> = new Set(['$ref', 'summary', 'name', 'in', 'description', 'required', 'deprecated', 'allowEmptyValue', 'style', 'explode', 'allowReserved', 'schema', 'example', 'examples', 'content']);
const HEADER_KEYWORDS: ReadonlySet<string> = new Set(['$ref', 'summary', 'description', 'required', 'deprecated', 'style', 'explode', 'schema', 'example', 'examples', 'content']);
const REQUEST_BODY_KEYWORDS: ReadonlySet<string> = new Set(['$ref', 'summary', 'description', 'content', 'required']);
const MEDIA_KEYWORDS: ReadonlySet<string> = new Set(['schema', 'example', 'examples', 'encoding']);

/** The schema of a property of an object schema, looking into allOf branches too. */
function propertyOf(schema: Json, name: string): Json | undefined {
  const d = api.deref(schema);
  if (!isObject(d)) return undefined;
  if (isObject(d.properties) && name in d.properties) return api.deref(d.properties[name]!);
  for (const b of Array.isArray(d.allOf) ? d.allOf : []) {
    const found = propertyOf(b, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Whether a response (or its `$ref`) has an application/json body that is, or is allOf, ErrorBody. */
function refersToErrorBody(rawResponse: Json): boolean {
  const r = api.deref(rawResponse);
  const content = isObject(r) && isObject(r.content) ? r.content['application/json'] : undefined;
  const schema = isObject(content) ? content.schema : undefined;
  if (!isObject(schema)) return false;
  if (schema.$ref === ERROR_BODY) return true;
  return Array.isArray(schema.allOf) && schema.allOf.some((b) => isObject(b) && b.$ref === ERROR_BODY);
}

/** The error codes a response narrows ErrorBody to (its allOf branch `error.code.enum`), or every code. */
function codesOf(rawResponse: Json): string[] {
  const r = api.deref(rawResponse);
  const content = isObject(r) && isObject(r.content) ? r.content['application/json'] : undefined;
  const schema = isObject(content) ? api.deref(content.schema ?? null) : null;
  for (const b of isObject(schema) && Array.isArray(schema.allOf) ? schema.allOf : []) {
    const code = isObject(b) && isObject(b.properties) && isObject(b.properties.error) && isObject(b.properties.error.properties)
      ? b.properties.error.properties.code : undefined;
    if (isObject(code) && Array.isArray(code.enum)) return code.enum.map(String);
  }
  return enumOf('ErrorCode');
}

function enumOf(schemaName: string): string[] {
  const schema = api.schema(schemaName);
  if (!isObject(schema) || !Array.isArray(schema.enum)) throw new Error(`${schemaName} has no enum`);
  return schema.enum.map(String);
}

/** code → HTTP status, from src/service/errors.ts: the table, every exported error class, and what an unexpected error becomes. */
function errorStatuses(): Map<string, number> {
  const table = new Map<string, number>(Object.entries(errorTable.ERROR_CODES).map(([code, { status }]) => [code, status]));
  for (const value of Object.values(errorTable)) {
    const ctor = value as unknown as { prototype?: unknown; new (...args: unknown[]): { code?: unknown; statusCode?: unknown } };
    if (typeof value !== 'function' || !(ctor.prototype instanceof Error)) continue;
    const e = new ctor('x', 'y');
    // every error class is of the table, with its status
    if (typeof e.code === 'string') expect([e.code, e.statusCode]).toEqual([e.code, table.get(e.code)]);
  }
  const internal = errorTable.errorResponse(new Error('unexpected'));
  expect(table.get(internal.body.error.code)).toBe(internal.status);
  return table;
}

describe('errors', () => {
  const statuses = errorStatuses();

  it('ErrorCode lists exactly the codes of src/service/errors.ts (INTERNAL included: it is the 500 body)', () => {
    expect(statuses.size).toBeGreaterThan(10);
    const inDoc = new Set(enumOf('ErrorCode'));
    const inCode = new Set(statuses.keys());
    const missing = setDiff(inCode, inDoc);
    const extra = setDiff(inDoc, inCode);
    expect({ missing, extra }, `ErrorCode lacks ${JSON.stringify(missing)} and has unknown ${JSON.stringify(extra)}`).toEqual({ missing: [], extra: [] });
  });

  it('StreamErrorCode lists exactly the codes src/service/routes/stream.ts sends', () => {
    const source = readFileSync(root('src/service/routes/stream.ts'), 'utf8');
    const sent = new Set([...source.matchAll(/\berror\(client, (?:withField\()?new ([A-Z_]+)\(/g)].map((m) => m[1]!));
    if (/\berror\(client, validationError\(/.test(source)) sent.add('VALIDATION_FAILED');
    expect(sent.size).toBeGreaterThan(0);
    expect(new Set(enumOf('StreamErrorCode'))).toEqual(sent);
    // one table: every code the stream sends is in it
    for (const code of sent) expect(statuses.has(code), code).toBe(true);
  });

  it('every operation taking input has a 4xx answer in the error shape; every error answer has the status of its codes', () => {
    const used = new Set<string>();
    for (const { path, method, op, parameters } of api.operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      const responses = op.responses as JsonObject;
      const takesInput = op.requestBody !== undefined || parameters.some((p) => {
        const d = api.deref(p);
        return isObject(d) && (d.in === 'path' || d.in === 'query');
      });
      const errorAnswers = Object.entries(responses).filter(([status]) => /^[45]\d\d$/.test(status));
      if (takesInput) {
        expect(errorAnswers.some(([status, r]) => status.startsWith('4') && refersToErrorBody(r)), `${where}: a 4xx response with ErrorBody`).toBe(true);
      }
      for (const [status, r] of errorAnswers) {
        if (NOT_ERROR_BODY.has(`${String(op.operationId)} ${status}`)) continue;
        expect(refersToErrorBody(r), `${where} ${status}: body is ErrorBody`).toBe(true);
        for (const code of codesOf(r)) {
          used.add(code);
          expect(statuses.get(code), `${where} ${status}: ${code} has status ${statuses.get(code)} in errors.ts`).toBe(Number(status));
        }
      }
    }
    // Every code is the answer of some operation, except ROUTE_NOT_FOUND and METHOD_NOT_ALLOWED, which answer paths and methods not in the document.
    const unused = setDiff(new Set(enumOf('ErrorCode')), used).filter((c) => !['ROUTE_NOT_FOUND', 'METHOD_NOT_ALLOWED'].includes(c) && !enumOf('StreamErrorCode').includes(c));
    expect(unused, 'ErrorCode values no operation answers').toEqual([]);
  });
});

// The only error statuses whose body is not ErrorBody: @fastify/websocket's 404 for a plain GET of the
// stream (no body), and /readyz's 503 during shutdown ({"status":"not-ready"}).
const NOT_ERROR_BODY = new Set(['openStream 404', 'getReadiness 503']);

const ACCESS = ['open', 'metrics', 'read', 'write'] as const;
type Access = typeof ACCESS[number];
const accessOf = (op: JsonObject) => op['x-access'] as Access;

describe('authentication is documented consistently', () => {
  const schemes = () => {
    const c = api.doc.components;
    return isObject(c) && isObject(c.securitySchemes) ? c.securitySchemes : {};
  };

  it('a bearer security scheme, and the stream\'s query token', () => {
    expect(schemes().bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes().streamToken).toMatchObject({ type: 'apiKey', in: 'query', name: 'token' });
  });

  it('every operation has an access class (src/service/plugins/auth.ts), and its security and 401/403 answers follow from it', () => {
    const byDefault = (method: string): Access => (method === 'get' || method === 'head' ? 'read' : 'write');
    // the routes that declare their access (`{ config: { access: '…' } }`); the rest take their method's default
    const declared = new Map<string, Access>();
    for (const file of readdirSync(root('src/service/routes'))) {
      const source = readFileSync(root(`src/service/routes/${file}`), 'utf8');
      for (const [, m, url, a] of source.matchAll(/app\.(get|post|put|patch|delete)\('([^']+)',\s*\{[^}]*config:\s*\{\s*access:\s*'(\w+)'/g)) {
        declared.set(`${m} ${toOpenApiPath(url!)}`, a as Access);
      }
    }
    expect(declared.size).toBeGreaterThanOrEqual(3);
    for (const { path, method, op } of api.operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      const access = accessOf(op);
      expect(ACCESS.includes(access), `${where}: x-access ${String(access)}`).toBe(true);
      expect(access, where).toBe(declared.get(`${method} ${path}`) ?? byDefault(method));
      const security = op.security;
      expect(Array.isArray(security), `${where}: states its security`).toBe(true);
      const requirements = (security as Json[]).map((r) => Object.keys(r as JsonObject).sort().join(','));
      const responses = op.responses as JsonObject;
      if (access === 'open') {
        expect(requirements, `${where}: open`).toEqual([]);
        expect(responses['401'], `${where}: no 401`).toBeUndefined();
      } else {
        // optional: with no token configured nothing is checked
        expect(requirements[0], `${where}: no token may do`).toBe('');
        expect(requirements, `${where}: a bearer token may do`).toContain('bearerAuth');
        for (const r of requirements) for (const name of r.split(',').filter(Boolean)) expect(name in schemes(), `${where}: ${name}`).toBe(true);
        expect(requirements.includes('streamToken'), `${where}: ?token= only on the stream`).toBe(path === '/v1/stream');
        expect(responses['401'], `${where}: 401`).toEqual({ $ref: '#/components/responses/Unauthorized' });
      }
      // a Host or Origin outside http.allowedHosts is a 403 for every operation but the open ones
      if (access === 'write') expect(responses['403'], `${where}: 403`).toEqual({ $ref: '#/components/responses/Forbidden' });
      else if (access === 'open') expect(responses['403'], `${where}: no 403`).toBeUndefined();
      else expect(responses['403'], `${where}: 403`).toEqual({ $ref: '#/components/responses/HostNotAllowed' });
    }
  });
});

describe('request schemas say what the zod schemas say', () => {
  const zodSays = (schema: z.ZodType) => api.constraints(z.toJSONSchema(schema, { io: 'input' }) as Json);
  const docSays = (name: string) => api.constraints(api.schema(name));
  const without = (json: Json, ...path: string[]): Json => {
    if (path.length === 0 || !isObject(json)) return json;
    const [head, ...rest] = path as [string, ...string[]];
    if (rest.length === 0) {
      const { [head]: _dropped, ...kept } = json;
      return kept;
    }
    return { ...json, [head]: without(json[head] ?? null, ...rest) };
  };

  /** components/schemas name → the zod schema the server parses that input with */
  const pairs: Record<string, z.ZodType> = {
    MidUpdate: MidBody,
    VolatilityUpdate: VolatilityBody,
    PositionUpdate: PositionBody,
    FillUpdate: FillBody,
    BatchItem,
    StreamClientMessage: StreamMessage,
    MarketMakerConfig: MarketMakerConfigSchema,
  };

  it.each(Object.keys(pairs))('%s', (name) => {
    expect(docSays(name)).toEqual(zodSays(pairs[name]!));
  });

  it('CreateAgentRequest (its config is MarketMakerConfig, which zod checks after parsing the body)', () => {
    expect(without(docSays('CreateAgentRequest'), 'properties', 'config')).toEqual(without(zodSays(CreateAgentBody), 'properties', 'config'));
    const config = api.schema('CreateAgentRequest') as JsonObject;
    expect((config.properties as JsonObject).config).toMatchObject({ $ref: '#/components/schemas/MarketMakerConfig', default: {} });
  });

  it('BatchRequest (its items are BatchItem, which the server checks one by one)', () => {
    expect(without(docSays('BatchRequest'), 'properties', 'updates', 'items')).toEqual(without(zodSays(BatchBody), 'properties', 'updates', 'items'));
  });

  it('path parameters', () => {
    const params = zodSays(SymbolParams) as JsonObject;
    for (const [component, name] of [['AgentId', 'agentId'], ['Symbol', 'symbol']] as const) {
      const p = api.deref(api.pointer(`#/components/parameters/${component}`)) as JsonObject;
      expect(p.name).toBe(name);
      expect(api.constraints(p.schema ?? null)).toEqual((params.properties as JsonObject)[name]);
    }
  });

  it('every request body in the document is one of those compared', () => {
    const compared = new Set([...Object.keys(pairs), 'CreateAgentRequest', 'BatchRequest', 'ConfigPatch']);
    for (const { path, method, op } of api.operations()) {
      if (op.requestBody === undefined) continue;
      if (isObject(op.requestBody) && op.requestBody.$ref === '#/components/requestBodies/Ignored') continue;
      const body = api.deref(op.requestBody) as JsonObject;
      for (const media of Object.values(body.content as JsonObject)) {
        const ref = isObject(media) && isObject(media.schema) ? String(media.schema.$ref) : '(inline)';
        expect(compared.has(ref.replace('#/components/schemas/', '')), `${method.toUpperCase()} ${path}: ${ref}`).toBe(true);
      }
    }
    // ConfigPatch is MarketMakerConfig under another description
    expect((api.schema('ConfigPatch') as JsonObject).$ref).toBe('#/components/schemas/MarketMakerConfig');
  });
});

describe('a real server answers as documented', () => {
  const seen = new Set<string>();

  /** Sends a request (to `s` unless told otherwise) and checks its answer against the operation's documented response for that status. */
  async function call(
    method: string, path: string, url: string,
    init: { body?: string; contentType?: string; headers?: Record<string, string>; server?: Running } = {},
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { ...init.headers };
    // every write carries the JSON content type, body or not (the contract: a browser's simple request cannot)
    const writes = method !== 'GET' && method !== 'HEAD';
    if (init.contentType ?? (init.body !== undefined || writes ? 'application/json' : undefined)) headers['content-type'] = init.contentType ?? 'application/json';
    const res = await fetch(`${(init.server ?? s).url}${url}`, { method, headers, ...(init.body === undefined ? {} : { body: init.body }) });
    return answered(method, path, url, res.status, res.headers, await res.text());
  }

  /** Checks an answer (status, headers, body) against the operation's documented response for that status. */
  function answered(method: string, path: string, url: string, status: number, headers: Headers, text: string): { status: number; body: unknown } {
    const where = `${method} ${url} → ${status} ${text.slice(0, 300)}`;
    const op = api.operation(method, path);
    const documented = (op.responses as JsonObject)[String(status)];
    expect(documented, `${where}: status ${status} is not documented for ${method} ${path}`).toBeDefined();
    const response = api.deref(documented!) as JsonObject;
    seen.add(`${method} ${path} ${status}`);
    if (isObject(response.headers) && 'X-Request-Id' in response.headers) expect(headers.get('x-request-id'), `${where}: X-Request-Id`).toBeTruthy();
    // headers marked required are sent, and every documented header sent has the documented form
    for (const [name, raw] of Object.entries(isObject(response.headers) ? response.headers : {})) {
      const h = api.deref(raw);
      const value = headers.get(name);
      if (isObject(h) && h.required === true) expect(value, `${where}: header ${name}`).not.toBeNull();
      if (isObject(h) && h.schema !== undefined && value !== null) expect(api.validate(h.schema, value), `${where}: header ${name}`).toEqual([]);
    }

    if (!isObject(response.content)) {
      expect(text, `${where}: documented without a body`).toBe('');
      return { status, body: null };
    }
    const contentType = (headers.get('content-type') ?? '').split(';')[0]!.trim();
    const media = Object.entries(response.content).find(([k]) => k.split(';')[0]!.trim() === contentType);
    expect(media, `${where}: content type ${contentType} is documented`).toBeDefined();
    const body: unknown = contentType === 'application/json' ? JSON.parse(text) : text;
    const schema = isObject(media![1]) ? media![1].schema : undefined;
    if (schema !== undefined) expect(api.validate(schema, body), where).toEqual([]);
    return { status, body };
  }
  const json = (v: unknown) => JSON.stringify(v);
  const A = '/v1/agents/{agentId}';
  const S = '/v1/agents/{agentId}/symbols/{symbol}';

  it('ops', async () => {
    expect((await call('GET', '/healthz', '/healthz')).status).toBe(200);
    expect((await call('GET', '/readyz', '/readyz')).status).toBe(200);
    const metrics = await call('GET', '/metrics', '/metrics');
    // every mm_ metric served is in the table of the /metrics description
    const description = String(api.operation('GET', '/metrics').description);
    for (const [, name] of String(metrics.body).matchAll(/^# TYPE (mm_\w+)/gm)) expect(description, name).toContain(`\`${name}\``);
  });

  it('agents: create, read, reconfigure, pause, resume, limits, delete', async () => {
    expect((await call('GET', '/v1/agents', '/v1/agents')).status).toBe(200);
    expect((await call('POST', '/v1/agents', '/v1/agents', { body: json({ id: 'c2', config: { gamma: 0.2, horizon: { mode: 'session', end: '16:00' } } }) })).status).toBe(201);
    expect((await call('POST', '/v1/agents', '/v1/agents', { body: json({ id: 'c2' }) })).status).toBe(409);
    const field = (r: { body: unknown }) => [(r.body as ErrorBody).error.code, (r.body as ErrorBody).error.field];
    // INVALID_CONFIG names the field as sent: under `config.` here, an unknown key by its name
    expect(field(await call('POST', '/v1/agents', '/v1/agents', { body: json({ id: 'c3', config: { gamma: -1 } }) }))).toEqual(['INVALID_CONFIG', 'config.gamma']);
    expect(field(await call('POST', '/v1/agents', '/v1/agents', { body: json({ id: 'c3', config: { intensity: { kBounds: [2, 1] } } }) }))).toEqual(['INVALID_CONFIG', 'config.intensity.kBounds']);
    expect(field(await call('POST', '/v1/agents', '/v1/agents', { body: json({ id: 'c3', config: { levels: 2, oops: 1 } }) }))).toEqual(['INVALID_CONFIG', 'config.oops']);
    expect(field(await call('POST', '/v1/agents', '/v1/agents', { body: json({ id: 'c3', extra: 1 }) }))).toEqual(['VALIDATION_FAILED', 'extra']);
    expect(field(await call('POST', '/v1/agents', '/v1/agents', { body: json([]) }))).toEqual(['VALIDATION_FAILED', '(body)']);
    expect((await call('POST', '/v1/agents', '/v1/agents', { body: '{"id":' })).status).toBe(400);
    expect((await call('POST', '/v1/agents', '/v1/agents', { body: 'id=c3', contentType: 'text/plain' })).status).toBe(415);
    expect((await call('POST', '/v1/agents', '/v1/agents', { body: json({ id: 'c3', pad: 'x'.repeat(3_000) }) })).status).toBe(413);
    const limit = await call('POST', '/v1/agents', '/v1/agents', { body: json({ id: 'c4' }) });
    expect([limit.status, (limit.body as { error: { code: string } }).error.code]).toEqual([409, 'AGENT_LIMIT']);

    expect((await call('GET', A, '/v1/agents/c2')).status).toBe(200);
    expect((await call('GET', A, '/v1/agents/bad%20id')).status).toBe(400);
    expect((await call('GET', A, '/v1/agents/ghost')).status).toBe(404);

    await call('POST', `${S}/mid`, '/v1/agents/c2/symbols/X/mid', { body: json({ mid: 50 }) });
    expect((await call('PATCH', `${A}/config`, '/v1/agents/c2/config', { body: json({ volatility: { default: 0.5 }, toxicity: { high: 0.9 } }) })).status).toBe(200);
    // …and as a path in the configuration, without prefix, for PATCH
    expect(field(await call('PATCH', `${A}/config`, '/v1/agents/c2/config', { body: json({ maxSpreadBps: 0.5 }) }))).toEqual(['INVALID_CONFIG', 'minSpreadBps']);
    expect(field(await call('PATCH', `${A}/config`, '/v1/agents/c2/config', { body: json({ nonsense: 1 }) }))).toEqual(['INVALID_CONFIG', 'nonsense']);
    // nested objects merge one level deep: the unit stays
    const stepped = await call('PATCH', `${A}/config`, '/v1/agents/c2/config', { body: json({ levelStep: { value: 2 } }) });
    expect((stepped.body as { config: { levelStep: unknown } }).config.levelStep).toEqual({ unit: 'bps', value: 2 });
    expect((await call('PATCH', `${A}/config`, '/v1/agents/ghost/config', { body: json({}) })).status).toBe(404);

    expect((await call('POST', `${A}/pause`, '/v1/agents/c2/pause')).status).toBe(200);
    expect((await call('POST', `${A}/resume`, '/v1/agents/c2/resume', { body: '{}' })).status).toBe(200);
    // an empty body with the JSON content type is no body; without the content type a write is refused (CSRF)
    expect((await call('POST', `${A}/resume`, '/v1/agents/c2/resume', { body: '', contentType: 'application/json' })).status).toBe(200);
    const bare = await fetch(`${s.url}/v1/agents/c2/resume`, { method: 'POST' });
    expect([bare.status, ((await bare.json()) as ErrorBody).error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect((await call('POST', `${A}/pause`, '/v1/agents/ghost/pause')).status).toBe(404);
    expect((await call('POST', `${S}/pause`, '/v1/agents/c2/symbols/X/pause')).status).toBe(200);
    expect((await call('GET', `${S}/quote`, '/v1/agents/c2/symbols/X/quote')).status).toBe(404); // NO_QUOTE
    expect((await call('POST', `${S}/resume`, '/v1/agents/c2/symbols/X/resume')).status).toBe(200);
    expect((await call('POST', `${S}/resume`, '/v1/agents/c2/symbols/NOPE/resume')).status).toBe(404);

    expect((await call('DELETE', A, '/v1/agents/c2')).status).toBe(204);
    expect((await call('DELETE', A, '/v1/agents/c2')).status).toBe(404);
  });

  it('updates and reads', async () => {
    const sym = (x: string) => `/v1/agents/c1/symbols/${x}`;
    const t = Date.now();
    expect((await call('POST', `${S}/volatility`, `${sym('AAA')}/volatility`, { body: json({ sigma: 2, time: t }) })).status).toBe(200);
    const quoted = await call('POST', `${S}/mid`, `${sym('AAA')}/mid`, { body: json({ mid: 100, time: t }) });
    expect((quoted.body as { outcome: string }).outcome).toBe('quoted');
    expect((await call('POST', `${S}/mid`, `${sym('AAA')}/mid`, { body: json({ mid: -1 }) })).status).toBe(400);
    expect((await call('POST', `${S}/mid`, `/v1/agents/ghost/symbols/AAA/mid`, { body: json({ mid: 1 }) })).status).toBe(404);
    expect((await call('POST', `${S}/position`, `${sym('AAA')}/position`, { body: json({ quantity: 5, averageCost: 99, mark: 100, time: t }) })).status).toBe(200);
    expect((await call('POST', `${S}/position`, `${sym('AAA')}/position`, { body: json({ quantity: 6, averageCost: 99, time: t - 1 }) })).status).toBe(409);
    expect((await call('POST', `${S}/position`, `${sym('AAA')}/position`, { body: json({ quantity: 6, averageCost: 0 }) })).status).toBe(400);
    const fill = json({ id: 'f-1', side: 'sell', price: 100.5, quantity: 2, time: t });
    expect((await call('POST', `${S}/fills`, `${sym('AAA')}/fills`, { body: fill })).status).toBe(200);
    expect(((await call('POST', `${S}/fills`, `${sym('AAA')}/fills`, { body: fill })).body as { outcome: string }).outcome).toBe('duplicate');
    // c1 has maxSymbols 2: BBB is the second, CCC one too many
    expect((await call('POST', `${S}/mid`, `${sym('BBB')}/mid`, { body: json({ mid: 10 }) })).status).toBe(200);
    expect((await call('POST', `${S}/volatility`, `${sym('CCC')}/volatility`, { body: json({ sigma: 1 }) })).status).toBe(409);

    const batch = await call('POST', `${A}/updates`, '/v1/agents/c1/updates', {
      body: json({
        updates: [
          { type: 'mid', symbol: 'AAA', mid: 101, time: t + 1 },
          { type: 'volatility', symbol: 'BBB', sigma: 0.5 },
          { type: 'position', symbol: 'AAA', quantity: 1, averageCost: 100, time: t - 5 },
          { type: 'fill', symbol: 'CCC', id: 'f-2', side: 'buy', price: 1, quantity: 1 },
          { type: 'mid', symbol: 'AAA', mid: 0 },
        ],
      }),
    });
    const results = (batch.body as { results: { ok: boolean; status?: number; error?: { code: string } }[] }).results;
    expect(results.map((r) => r.status ?? 200)).toEqual([200, 200, 409, 409, 400]);
    for (const r of results) if (!r.ok) expect(r.status, r.error!.code).toBe(errorStatuses().get(r.error!.code));
    expect((await call('POST', `${A}/updates`, '/v1/agents/c1/updates', { body: json({ updates: Array.from({ length: 6 }, () => ({})) }) })).status).toBe(413);
    expect((await call('POST', `${A}/updates`, '/v1/agents/c1/updates', { body: json({ updates: 1 }) })).status).toBe(400);
    expect((await call('POST', `${A}/updates`, '/v1/agents/ghost/updates', { body: json({ updates: [] }) })).status).toBe(404);

    expect((await call('GET', `${S}/quote`, `${sym('AAA')}/quote`)).status).toBe(200);
    expect((await call('GET', `${S}/quote`, `${sym('ZZZ')}/quote`)).status).toBe(404);
    expect((await call('GET', S, sym('AAA'))).status).toBe(200);
    expect((await call('GET', S, sym('bad%20symbol'))).status).toBe(400);
    expect((await call('GET', `${A}/inventory`, '/v1/agents/c1/inventory')).status).toBe(200);
    expect((await call('GET', A, '/v1/agents/c1')).status).toBe(200);

    // a PATCH that changes nothing does nothing: no requote
    const seq = async () => ((await call('GET', `${S}/quote`, `${sym('AAA')}/quote`)).body as { quote: { seq: number } }).quote.seq;
    const before = await seq();
    expect((await call('PATCH', `${A}/config`, '/v1/agents/c1/config', { body: json({ gamma: 0.1, volatility: { default: 1 } }) })).status).toBe(200);
    expect(await seq()).toBe(before);

    // levels, size shaping, estimated volatility and intensity: the quotes and views that come of them
    const calibrated = await call('PATCH', `${A}/config`, '/v1/agents/c1/config', {
      body: json({ levels: 3, sizeShaping: { eta: 0.1 }, volatility: { source: 'estimated', minSamples: 1, halfLifeMs: 1_000 }, intensity: { source: 'estimated' } }),
    });
    expect(calibrated.status).toBe(200);
    // a day after the batch's mid (times given, so the test does not depend on how long the requests took), the mid has
    // moved by 0.5: an estimate of 0.5 per √day (the earlier returns long decayed)
    const later = await call('POST', `${S}/mid`, `${sym('AAA')}/mid`, { body: json({ mid: 101.5, time: t + 1 + 86_400_000 }) });
    const { quote } = later.body as { quote: { sigma: number; sigmaSource: string; levels?: { bids: unknown[]; asks: unknown[] } } };
    expect([quote.sigmaSource, quote.sigma]).toEqual(['estimated', expect.closeTo(0.5, 6)]);
    expect([quote.levels?.bids.length, quote.levels?.asks.length]).toEqual([3, 3]);
    expect((await call('GET', `${S}/quote`, `${sym('AAA')}/quote`)).status).toBe(200);
    const view = (await call('GET', S, sym('AAA'))).body as { volatilityEstimate: { inUse: boolean }; intensity: { bid: { source: string } } };
    expect([view.volatilityEstimate.inUse, view.intensity.bid.source]).toEqual([true, 'configured']);
  });

  it('ledger snapshot', async () => {
    const written = await call('POST', '/v1/ledger/snapshot', '/v1/ledger/snapshot');
    expect(written.status).toBe(200);
    expect((written.body as { agents: number }).agents).toBeGreaterThan(0);
    expect((await call('POST', '/v1/ledger/snapshot', '/v1/ledger/snapshot', { body: '{"x":' })).status).toBe(400);
    const off = await startServer({ ledger: { path: null } });
    try {
      const r = await call('POST', '/v1/ledger/snapshot', '/v1/ledger/snapshot', { server: off, body: '{}' });
      expect([r.status, (r.body as ErrorBody).error.code]).toEqual([400, 'BAD_REQUEST']);
    } finally {
      await off.close();
    }
  });

  it('a ledger that cannot be written: 503 LEDGER_UNAVAILABLE for every change that needs it, and nothing applied', async () => {
    const j = await startServer({ agents: { default: { volatility: { default: 1 } } } });
    try {
      const base = { server: j };
      expect((await call('POST', `${S}/mid`, '/v1/agents/default/symbols/AAA/mid', { ...base, body: json({ mid: 100 }) })).status).toBe(200);
      const ledger = j.app.quoting.ledger!;
      ledger.append = () => Promise.reject(new Error('database or disk is full'));
      ledger.snapshot = () => Promise.reject(new Error('database or disk is full'));
      const unavailable = async (method: string, path: string, url: string, body = '{}') => {
        const r = await call(method, path, url, { ...base, body });
        expect([r.status, (r.body as ErrorBody).error.code], `${method} ${url}`).toEqual([503, 'LEDGER_UNAVAILABLE']);
      };
      await unavailable('POST', '/v1/agents', '/v1/agents', json({ id: 'new' }));
      await unavailable('PATCH', `${A}/config`, '/v1/agents/default/config', json({ gamma: 0.2 }));
      await unavailable('POST', `${A}/pause`, '/v1/agents/default/pause');
      await unavailable('POST', `${A}/resume`, '/v1/agents/default/resume');
      await unavailable('POST', `${S}/pause`, '/v1/agents/default/symbols/AAA/pause');
      await unavailable('POST', `${S}/resume`, '/v1/agents/default/symbols/AAA/resume');
      await unavailable('POST', `${S}/fills`, '/v1/agents/default/symbols/AAA/fills', json({ id: 'f-1', side: 'buy', price: 99, quantity: 1 }));
      await unavailable('POST', `${S}/position`, '/v1/agents/default/symbols/AAA/position', json({ quantity: 3, averageCost: 99 }));
      await unavailable('DELETE', A, '/v1/agents/default');
      await unavailable('POST', '/v1/ledger/snapshot', '/v1/ledger/snapshot');
      // in a batch, the item answers for itself; market data never touches the ledger and goes through
      const batch = await call('POST', `${A}/updates`, '/v1/agents/default/updates', {
        ...base,
        body: json({ updates: [{ type: 'fill', symbol: 'AAA', id: 'f-2', side: 'sell', price: 101, quantity: 1 }, { type: 'mid', symbol: 'AAA', mid: 100.5 }] }),
      });
      const results = (batch.body as { results: { ok: boolean; status?: number; error?: { code: string } }[] }).results;
      expect(results.map((r) => [r.ok, r.status, r.error?.code])).toEqual([[false, 503, 'LEDGER_UNAVAILABLE'], [true, undefined, undefined]]);
      expect(results[0]!.status).toBe(errorStatuses().get('LEDGER_UNAVAILABLE'));
      // nothing of the refused writes was applied
      const agent = (await call('GET', A, '/v1/agents/default', base)).body as { paused: boolean; config: { gamma: number }; stats: { fills: number }; symbolStates: { paused: boolean; position: number }[] };
      expect([agent.paused, agent.config.gamma, agent.stats.fills, agent.symbolStates[0]!.paused, agent.symbolStates[0]!.position]).toEqual([false, 0.1, 0, false, 0]);
      expect(((await call('GET', '/v1/agents', '/v1/agents', base)).body as { agents: unknown[] }).agents).toHaveLength(1);
    } finally {
      await j.close();
    }
  });

  it('with tokens configured, every operation answers as its x-access says', async () => {
    const WRITE = 'openapi-write-token-0001';
    const READ = 'openapi-read-token-00001';
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const t = await startServer({
      auth: { writeTokens: [WRITE], readTokens: [READ], protectMetrics: true },
      agents: { default: { volatility: { default: 1 } } },
      limits: { maxWsClients: 1 },
    });
    try {
      expect((await post(`${t.url}/v1/agents/default/symbols/AAA/mid`, { mid: 100 }, bearer(WRITE))).status).toBe(200);
      for (const { path, method, op } of api.operations()) {
        const M = method.toUpperCase();
        const url = path.replace('{agentId}', 'default').replace('{symbol}', 'AAA');
        const where = `${M} ${path}`;
        const body = op.requestBody === undefined ? {} : { body: '{}' };
        const none = await call(M, path, url, { server: t, ...body });
        const bad = await call(M, path, url, { server: t, headers: bearer('not-a-configured-token'), ...body });
        const access = accessOf(op);
        if (access === 'open') {
          expect([none.status, bad.status], where).toEqual([200, 200]);
          continue;
        }
        expect([none.status, bad.status], where).toEqual([401, 401]);
        if (access === 'write') {
          // refused before anything of the request is looked at, whatever it is
          const reader = await call(M, path, url, { server: t, headers: bearer(READ), ...body });
          expect([reader.status, (reader.body as ErrorBody).error.code], where).toEqual([403, 'FORBIDDEN']);
        } else {
          for (const token of [READ, WRITE]) {
            const r = await call(M, path, url, { server: t, headers: bearer(token) });
            expect(r.status, `${where} with a token`).toBe(path === '/v1/stream' ? 404 : 200);
          }
        }
      }
      // a write token does write
      expect((await call('POST', '/v1/ledger/snapshot', '/v1/ledger/snapshot', { server: t, headers: bearer(WRITE) })).status).toBe(200);

      // the stream: the token as ?token= or as a header; limits.maxWsClients closes one more with a documented code
      const closeCodes = (api.operation('GET', '/v1/stream')['x-websocket'] as JsonObject).closeCodes as JsonObject;
      await expect(StreamClient.connect(t.wsUrl)).rejects.toThrow(/401/);
      const c = await StreamClient.connect(`${t.wsUrl}?token=${READ}`);
      const extra = await StreamClient.connect(t.wsUrl, bearer(READ));
      const code = await extra.closed();
      expect(code).toBe(1013);
      expect(Object.keys(closeCodes)).toContain(String(code));
      c.send({ op: 'subscribe', agent: 'default', symbols: '*' });
      await c.until((m) => m.some((x) => x.type === 'quote'));
      c.close();
      for (const m of c.messages) expect(api.validate(api.schema('StreamServerMessage'), m), JSON.stringify(m)).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('while shutting down, /readyz says not-ready', async () => {
    const r = await startServer({});
    const socket = connect(Number(new URL(r.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let raw = '';
    socket.on('data', (d) => {
      raw += d.toString();
    });
    // a request under way when the shutdown starts is still answered by the service
    socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const closed = r.close();
    while (r.app.server.listening) await new Promise((resolve) => setTimeout(resolve, 5));
    socket.write('\r\n');
    await new Promise((resolve) => socket.once('end', resolve));
    await closed;
    const [head, text] = [raw.slice(0, raw.indexOf('\r\n\r\n')), raw.slice(raw.indexOf('\r\n\r\n') + 4)];
    const [statusLine, ...lines] = head.split('\r\n');
    const headers = new Headers(lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]));
    const answer = answered('GET', '/readyz', '/readyz', Number(statusLine!.split(' ')[1]), headers, text);
    expect(answer).toEqual({ status: 503, body: { status: 'not-ready', halted: false } });
  });

  it('unknown routes answer ROUTE_NOT_FOUND, known paths with another method 405 with Allow, in the error shape; /v1/stream without an upgrade is a bodiless 404', async () => {
    const r = await request('GET', `${s.url}/v1/nowhere`);
    expect(r.status).toBe(404);
    expect(api.validate(api.schema('ErrorBody'), r.body)).toEqual([]);
    expect(r.body.error.code).toBe('ROUTE_NOT_FOUND');
    const wrong = await request('PUT', `${s.url}/v1/agents`);
    expect([wrong.status, wrong.headers.get('allow'), wrong.body.error.code]).toEqual([405, 'GET, HEAD, POST', 'METHOD_NOT_ALLOWED']);
    expect(api.validate(api.schema('ErrorBody'), wrong.body)).toEqual([]);
    const param = await request('DELETE', `${s.url}/v1/agents/c1/symbols/AAA/quote`);
    expect([param.status, param.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect((await call('GET', '/v1/stream', '/v1/stream')).status).toBe(404);
  });

  it('WebSocket messages both ways', async () => {
    const client = api.schema('StreamClientMessage');
    const c = await StreamClient.connect(s.wsUrl);
    const send = (m: unknown) => {
      expect(api.validate(client, m), JSON.stringify(m)).toEqual([]);
      c.send(m);
    };
    send({ op: 'subscribe', agent: 'c1', symbols: ['AAA', 'AAA'] });
    await c.until((m) => m.some((x) => x.type === 'quote'));
    expect(c.of('subscribed')[0].symbols).toEqual(['AAA']);
    await post(`${s.url}/v1/agents/c1/symbols/AAA/mid`, { mid: 102 });
    await post(`${s.url}/v1/agents/c1/symbols/AAA/pause`, {});
    await post(`${s.url}/v1/agents/c1/symbols/AAA/resume`, {});
    await c.until((m) => m.filter((x) => x.type === 'quote').length >= 3 && m.some((x) => x.type === 'withdrawn'));
    c.send('{not json');
    c.send({ op: 'subscribe', agent: 'c1' });
    c.send({ op: 'subscribe', agent: 'ghost', symbols: '*' });
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    c.send({ op: 'subscribe', agent: 'c1', symbols: ['B', 'C', 'D'] });
    await c.until((m) => m.filter((x) => x.type === 'error').length >= 5);
    send({ op: 'unsubscribe', agent: 'c1', symbols: '*' });
    send({ op: 'subscribe', agent: 'c1', symbols: '*' });
    await c.until((m) => m.some((x) => x.type === 'unsubscribed') && m.filter((x) => x.type === 'subscribed').length >= 2);
    await request('DELETE', `${s.url}/v1/agents/c1`);
    await c.until((m) => m.some((x) => x.type === 'agent-deleted'));
    c.close();

    const server = api.schema('StreamServerMessage');
    for (const m of c.messages) expect(api.validate(server, m), JSON.stringify(m)).toEqual([]);
    expect(new Set(c.messages.map((m) => m.type))).toEqual(new Set(['subscribed', 'quote', 'withdrawn', 'error', 'unsubscribed', 'agent-deleted']));
    expect(c.messages.some((m) => m.type === 'quote' && m.snapshot === true)).toBe(true);
    expect(new Set(c.of('error').map((m) => m.code))).toEqual(new Set(enumOf('StreamErrorCode')));
  });

  it('the scenarios above reached every documented operation', () => {
    const reached = new Set([...seen].map((x) => x.split(' ').slice(0, 2).join(' ')));
    const all = api.operations().map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(all.filter((o) => !reached.has(o))).toEqual([]);
  });
});
