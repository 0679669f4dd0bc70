/**
 * Just enough OpenAPI 3.1 / JSON Schema 2020-12 for the contract tests: load openapi.yaml, follow
 * local `$ref`s, validate a value against a schema, and reduce a schema to its constraints so that
 * it can be compared with what zod's `z.toJSONSchema` says about the same input.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON with object keys sorted, so that equal values print equally. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

const deepEqual = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

export interface Operation {
  path: string;
  method: string;
  op: JsonObject;
  /** path-level parameters followed by the operation's own */
  parameters: Json[];
}

export class OpenApiDoc {
  constructor(readonly doc: JsonObject) {}

  static load(file: string): OpenApiDoc {
    const doc: unknown = parse(readFileSync(file, 'utf8'));
    if (!isObject(doc)) throw new Error(`${file}: not a YAML mapping`);
    return new OpenApiDoc(doc);
  }

  /** The node a local reference (`#/components/schemas/Quote`) points at. */
  pointer(ref: string): Json {
    if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`);
    let node: Json = this.doc;
    for (const raw of ref.slice(2).split('/')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (!isObject(node) || !(key in node)) throw new Error(`unresolved reference ${ref}`);
      node = node[key]!;
    }
    return node;
  }

  /** Follows `$ref` until a node without one; sibling keywords of a `$ref` are laid over the target (OpenAPI 3.1). */
  deref(node: Json): Json {
    let seen = 0;
    while (isObject(node) && typeof node.$ref === 'string') {
      if (++seen > 50) throw new Error(`reference cycle at ${node.$ref}`);
      const { $ref, ...siblings } = node;
      const target = this.pointer($ref);
      node = Object.keys(siblings).length === 0 ? target : isObject(target) ? { ...target, ...siblings } : target;
    }
    return node;
  }

  get paths(): JsonObject {
    const p = this.doc.paths;
    if (!isObject(p)) throw new Error('openapi.yaml has no paths');
    return p;
  }

  operations(): Operation[] {
    const out: Operation[] = [];
    for (const [path, rawItem] of Object.entries(this.paths)) {
      const item = this.deref(rawItem);
      if (!isObject(item)) continue;
      const shared = Array.isArray(item.parameters) ? item.parameters : [];
      for (const method of HTTP_METHODS) {
        const op = item[method];
        if (!isObject(op)) continue;
        out.push({ path, method, op, parameters: [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])] });
      }
    }
    return out;
  }

  operation(method: string, path: string): JsonObject {
    const item = this.deref(this.paths[path] ?? null);
    const op = isObject(item) ? item[method.toLowerCase()] : undefined;
    if (!isObject(op)) throw new Error(`openapi.yaml has no ${method} ${path}`);
    return op;
  }

  schema(name: string): Json {
    return this.pointer(`#/components/schemas/${name}`);
  }

  /** Every `$ref` string anywhere in the document. */
  refs(node: Json = this.doc, out: string[] = []): string[] {
    if (Array.isArray(node)) for (const x of node) this.refs(x, out);
    else if (isObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string') out.push(v);
        else this.refs(v, out);
      }
    }
    return out;
  }

  /**
   * Validates `value` against `schema` and returns the problems found (none = valid). Supports the
   * keywords openapi.yaml uses. With `closed`, an object schema (`type: object`) without an
   * `additionalProperties` keyword is treated as closed: a property the schema does not name is an
   * error. The document leaves response objects open for clients; the tests close them so that a
   * field the server sends but the document omits is caught. Under `allOf`, the properties of every
   * branch count as known (unevaluatedProperties-like).
   */
  validate(schema: Json, value: unknown, closed = true): string[] {
    const out: string[] = [];
    this.check(schema, value, '$', out, closed, false);
    return out;
  }

  private check(raw: Json, v: unknown, at: string, out: string[], closed: boolean, open: boolean): void {
    const s = this.deref(raw);
    if (s === true) return;
    if (s === false) {
      out.push(`${at}: no value is allowed here`);
      return;
    }
    if (!isObject(s)) throw new Error(`${at}: not a schema: ${canonical(s)}`);

    if (s.type !== undefined) {
      const types = [s.type].flat();
      if (!types.some((t) => hasType(v, String(t)))) {
        out.push(`${at}: expected ${types.join(' or ')}, got ${describe(v)}`);
        return;
      }
    }
    if ('const' in s && !deepEqual(v, s.const)) out.push(`${at}: expected ${canonical(s.const)}, got ${canonical(v)}`);
    if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, v))) out.push(`${at}: ${canonical(v)} is not one of ${canonical(s.enum)}`);

    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) out.push(`${at}: ${v} < minimum ${s.minimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) out.push(`${at}: ${v} > maximum ${s.maximum}`);
      if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) out.push(`${at}: ${v} ≤ exclusiveMinimum ${s.exclusiveMinimum}`);
      if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) out.push(`${at}: ${v} ≥ exclusiveMaximum ${s.exclusiveMaximum}`);
    }
    if (typeof v === 'string') {
      const length = [...v].length;
      if (typeof s.minLength === 'number' && length < s.minLength) out.push(`${at}: shorter than ${s.minLength}`);
      if (typeof s.maxLength === 'number' && length > s.maxLength) out.push(`${at}: longer than ${s.maxLength}`);
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) out.push(`${at}: ${JSON.stringify(v)} does not match ${s.pattern}`);
    }
    if (Array.isArray(v)) {
      if (typeof s.minItems === 'number' && v.length < s.minItems) out.push(`${at}: fewer than ${s.minItems} items`);
      if (typeof s.maxItems === 'number' && v.length > s.maxItems) out.push(`${at}: more than ${s.maxItems} items`);
      if (s.uniqueItems === true && new Set(v.map(canonical)).size !== v.length) out.push(`${at}: items are not unique`);
      // 2020-12: prefixItems constrain the first items by position, items the rest
      const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : [];
      v.forEach((x, i) => {
        if (i < prefix.length) this.check(prefix[i]!, x, `${at}[${i}]`, out, closed, false);
        else if (s.items !== undefined) this.check(s.items, x, `${at}[${i}]`, out, closed, false);
      });
    }
    if (isObject(v)) {
      for (const key of Array.isArray(s.required) ? s.required : []) {
        if (typeof key === 'string' && !(key in v)) out.push(`${at}: missing required property ${key}`);
      }
      const props = isObject(s.properties) ? s.properties : {};
      for (const [key, x] of Object.entries(v)) {
        if (key in props) this.check(props[key]!, x, `${at}.${key}`, out, closed, false);
        else if (s.additionalProperties === false) out.push(`${at}: property ${key} is not allowed`);
        else if (s.additionalProperties !== undefined && s.additionalProperties !== true) {
          this.check(s.additionalProperties, x, `${at}.${key}`, out, closed, false);
        }
      }
      if (closed && !open && this.closable(s)) {
        const known = this.knownProperties(s);
        for (const key of Object.keys(v)) if (!known.has(key)) out.push(`${at}: property ${key} is not documented`);
      }
    }

    if (Array.isArray(s.allOf)) for (const b of s.allOf) this.check(b, v, at, out, closed, true);
    if (Array.isArray(s.anyOf)) {
      const results = s.anyOf.map((b) => this.branch(b, v, at, closed, open));
      if (!results.some((r) => r.length === 0)) out.push(`${at}: matches no anyOf branch (${results.map((r) => r.join('; ')).join(' | ')})`);
    }
    if (Array.isArray(s.oneOf)) {
      const results = s.oneOf.map((b) => this.branch(b, v, at, closed, open));
      const matching = results.filter((r) => r.length === 0).length;
      if (matching !== 1) {
        out.push(matching === 0
          ? `${at}: matches no oneOf branch (${results.map((r) => r.join('; ')).join(' | ')})`
          : `${at}: matches ${matching} oneOf branches`);
      }
    }
  }

  private branch(schema: Json, v: unknown, at: string, closed: boolean, open: boolean): string[] {
    const out: string[] = [];
    this.check(schema, v, at, out, closed, open);
    return out;
  }

  private closable(s: JsonObject): boolean {
    if (s.additionalProperties !== undefined) return false;
    if ([s.type].flat().includes('object')) return true;
    return Array.isArray(s.allOf) && s.allOf.some((b) => {
      const d = this.deref(b);
      return isObject(d) && this.closable(d);
    });
  }

  private knownProperties(s: JsonObject, into = new Set<string>()): Set<string> {
    if (isObject(s.properties)) for (const k of Object.keys(s.properties)) into.add(k);
    if (Array.isArray(s.allOf)) {
      for (const b of s.allOf) {
        const d = this.deref(b);
        if (isObject(d)) this.knownProperties(d, into);
      }
    }
    return into;
  }

  /**
   * A schema reduced to what it constrains: references resolved, annotations (descriptions,
   * examples, discriminators, `x-` extensions) dropped, `required` sorted, `oneOf`/`anyOf` in a
   * fixed order. Two schemas that accept the same values the same way reduce to equal values.
   */
  constraints(raw: Json): Json {
    const s = this.deref(raw);
    if (Array.isArray(s)) return s.map((x) => this.constraints(x));
    if (!isObject(s)) return s;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(s)) {
      if (ANNOTATIONS.has(k) || k.startsWith('x-')) continue;
      if (k === 'properties' && isObject(v)) {
        out.properties = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, this.constraints(p)]));
      } else if (k === 'required' && Array.isArray(v)) {
        if (v.length > 0) out.required = [...v].map(String).sort();
      } else if ((k === 'oneOf' || k === 'anyOf') && Array.isArray(v)) {
        out[k] = v.map((x) => this.constraints(x)).sort((a, b) => canonical(a).localeCompare(canonical(b)));
      } else if (k === 'const' || k === 'enum' || k === 'default') {
        out[k] = v;
      } else {
        out[k] = this.constraints(v);
      }
    }
    return out;
  }
}

const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'summary', 'examples', 'example', 'discriminator', 'deprecated', 'readOnly', 'writeOnly', '$comment']);

function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case 'null': return v === null;
    case 'boolean': return typeof v === 'boolean';
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'array': return Array.isArray(v);
    case 'object': return isObject(v);
    default: throw new Error(`unknown JSON Schema type ${type}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : `${typeof v} ${JSON.stringify(v)}`;
}
