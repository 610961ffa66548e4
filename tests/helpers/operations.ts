// The API's operations as its own OpenAPI document lists them, with paths filled in, so shared tests cover new routes by themselves.
import type { Harness } from './harness.js';

interface SchemaLike {
  example?: unknown;
  enum?: unknown[];
  type?: string;
}

interface ParameterLike {
  name: string;
  in: string;
  required?: boolean;
  schema?: SchemaLike;
}

export interface Operation {
  method: string;
  /** As documented, e.g. `/v1/incidents/{id}`. */
  template: string;
  /** With every path parameter filled by a value of the right shape. */
  path: string;
  /** The request body's media types, if it takes one. */
  bodyTypes: string[];
  operationId?: string;
}

const methods = ['get', 'put', 'post', 'patch', 'delete'] as const;

/** A value the parameter's schema accepts: its example, its first allowed value, or a word. */
function sample(schema: SchemaLike | undefined): string {
  if (schema?.example !== undefined) return String(schema.example);
  if (schema?.enum?.length) return String(schema.enum[0]);
  if (schema?.type === 'integer' || schema?.type === 'number') return '1';
  return 'sample';
}

export async function listOperations(h: Harness): Promise<Operation[]> {
  const res = await h.request('GET', '/openapi.json', { as: null });
  const doc = (await res.json()) as {
    paths: Record<string, Partial<Record<(typeof methods)[number], { operationId?: string; parameters?: ParameterLike[]; requestBody?: { content?: Record<string, unknown> } }>>>;
  };
  const out: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of methods) {
      const op = item[method];
      if (!op) continue;
      const params = new Map((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => [p.name, sample(p.schema)]));
      const required = (op.parameters ?? []).filter((p) => p.in === 'query' && p.required);
      const query = required.length ? `?${required.map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(sample(p.schema))}`).join('&')}` : '';
      const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params.get(name) ?? 'sample')) + query;
      out.push({ method: method.toUpperCase(), template, path, bodyTypes: Object.keys(op.requestBody?.content ?? {}), operationId: op.operationId });
    }
  }
  return out;
}

export const isJsonOperation = (op: Operation) => op.bodyTypes.some((t) => /^application\/([\w.-]+\+)?json$/.test(t));

/** The wrong ways to send a JSON body: what `curl -d` sends, a form, plain text, and no content type at all. */
export const wrongContentTypes: { label: string; headers: Record<string, string>; body: string }[] = [
  { label: 'text/plain', headers: { 'content-type': 'text/plain' }, body: '{"title":"x"}' },
  { label: 'form-urlencoded', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'title=x&severity=high' },
  { label: 'multipart', headers: { 'content-type': 'multipart/form-data; boundary=XyZ' }, body: '--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--XyZ--\r\n' },
  { label: 'none', headers: {}, body: '{"title":"x"}' },
];
