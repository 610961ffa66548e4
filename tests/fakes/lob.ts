// A local stand-in for Lob's letters API: POST /v1/letters (Basic auth with the key as user name, the required
// fields, US addresses, a PDF file on US Letter paper, and Idempotency-Key replay: the first letter made with a key
// is returned again for 24 hours, and no second letter is made; after that the key makes a new letter) and
// GET /v1/letters (newest first, `limit` 1–100, filtered by `metadata[key]=value` pairs, all of which must match).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { HeldResponses, listen, readBody, sendJson } from './fault-injection.js';

export interface FakeLobLetter {
  id: string;
  to: Record<string, string>;
  from: Record<string, string>;
  color: boolean;
  use_type: string;
  address_placement: string;
  metadata: Record<string, string>;
  description: string | null;
  pdf: Buffer;
  idempotency_key: string | null;
  date_created: string;
}

export interface FakeLob {
  url: string;
  apiKey: string;
  /** Every letter made, once each (replays do not add one). */
  letters: FakeLobLetter[];
  /** Every POST /v1/letters that passed authentication, replays included. */
  requests: number;
  /** Every GET /v1/letters that passed authentication. */
  lists: number;
  /** Answer the next `n` create requests with this status (429 or 5xx) before doing anything. */
  failNext(n: number, status: number): void;
  /** Moves the fake's clock (idempotency windows and creation dates) on by `ms`. */
  advance(ms: number): void;
  close(): Promise<void>;
}

const idempotencyWindowMs = 24 * 3_600_000;
const usStates = new Set('AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP AA AE AP'.split(' '));

const lobError = (res: ServerResponse, status: number, message: string) => sendJson(res, status, { error: { message, status_code: status } });

/** `to[name]` → to.name: Lob reads nested fields from bracketed form names. */
function nested(form: FormData, prefix: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [k, v] of form.entries()) {
    const m = new RegExp(`^${prefix}\\[(\\w+)\\]$`).exec(k);
    if (m && typeof v === 'string') out[m[1]!] = v;
  }
  return Object.keys(out).length ? out : null;
}

function addressProblem(field: string, a: Record<string, string> | null): string | null {
  if (!a) return `${field} is required`;
  if (!a.name && !a.company) return `${field} must have a name or company`;
  if (!a.address_line1) return `${field}.address_line1 is required`;
  if (a.address_line1.length > 64) return `${field}.address_line1 must be 64 characters or fewer`;
  const country = (a.address_country ?? 'US').toUpperCase();
  if (country === 'US') {
    if (!a.address_city) return `${field}.address_city is required`;
    if (!a.address_state || !usStates.has(a.address_state.toUpperCase())) return `${field}.address_state must be a 2 letter US state code`;
    if (!a.address_zip || !/^\d{5}(-\d{4})?$/.test(a.address_zip)) return `${field}.address_zip must be a 5 digit or ZIP+4 code`;
  }
  return null;
}

export async function startFakeLob(options: { apiKey?: string } = {}): Promise<FakeLob> {
  const apiKey = options.apiKey ?? `test_${randomBytes(12).toString('hex')}`;
  const letters: FakeLobLetter[] = [];
  const byKey = new Map<string, { at: number; letter: FakeLobLetter }>();
  const held = new HeldResponses();
  let failures: { n: number; status: number } = { n: 0, status: 500 };
  const state = { requests: 0, lists: 0, skewMs: 0 };
  const now = () => Date.now() + state.skewMs;

  function list(url: URL, res: ServerResponse): void {
    state.lists++;
    const limitText = url.searchParams.get('limit') ?? '10';
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100) return lobError(res, 422, 'limit must be between 1 and 100');
    const wanted: [string, string][] = [];
    for (const [k, v] of url.searchParams) {
      const m = /^metadata\[(\w+)\]$/.exec(k);
      if (m) wanted.push([m[1]!, v]);
      else if (k !== 'limit') return lobError(res, 422, `${k} is not allowed`);
    }
    const matching = letters.filter((l) => wanted.every(([k, v]) => l.metadata[k] === v)).reverse();
    sendJson(res, 200, { object: 'list', data: matching.slice(0, limit).map(view), count: Math.min(limit, matching.length), next_url: null, previous_url: null });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if ((req.method !== 'POST' && req.method !== 'GET') || url.pathname !== '/v1/letters') return lobError(res, 404, 'The requested resource does not exist.');
    const auth = req.headers.authorization ?? '';
    const m = /^Basic (.+)$/.exec(auth);
    const [user, password] = m ? Buffer.from(m[1]!, 'base64').toString().split(':') : [];
    if (user !== apiKey || (password ?? '') !== '') return lobError(res, 401, 'Your API key is not valid. Please sign up on lob.com to get a valid api key.');
    if (req.method === 'GET') return list(url, res);
    state.requests++;
    if (failures.n > 0) {
      failures.n--;
      return lobError(res, failures.status, failures.status === 429 ? 'Too many requests' : 'Internal server error');
    }
    const key = req.headers['idempotency-key'];
    const idempotencyKey = typeof key === 'string' ? key : null;
    if (idempotencyKey !== null && (idempotencyKey.length === 0 || idempotencyKey.length > 256)) return lobError(res, 422, 'idempotency_key must be between 1 and 256 characters');
    const seen = idempotencyKey ? byKey.get(idempotencyKey) : undefined;
    if (seen && now() - seen.at < idempotencyWindowMs) return sendJson(res, 200, view(seen.letter));

    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('multipart/form-data')) return lobError(res, 422, 'a PDF file must be uploaded as multipart/form-data here');
    const body = await readBody(req, 50 * 1024 * 1024);
    const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(body) }).formData();
    const to = nested(form, 'to');
    const from = nested(form, 'from');
    for (const [field, a] of [['to', to], ['from', from]] as const) {
      const problem = addressProblem(field, a);
      if (problem) return lobError(res, 422, problem);
    }
    const color = form.get('color');
    if (color !== 'true' && color !== 'false') return lobError(res, 422, 'color is required');
    const useType = form.get('use_type');
    if (useType !== 'marketing' && useType !== 'operational') return lobError(res, 422, 'use_type must be one of [marketing, operational]');
    const placement = (form.get('address_placement') as string | null) ?? 'top_first_page';
    if (!['top_first_page', 'insert_blank_page', 'bottom_first_page_center', 'bottom_first_page'].includes(placement)) return lobError(res, 422, 'address_placement is invalid');
    const file = form.get('file');
    if (!file || typeof file === 'string') return lobError(res, 422, 'file is required');
    const pdf = Buffer.from(await file.arrayBuffer());
    if (pdf.subarray(0, 5).toString() !== '%PDF-') return lobError(res, 422, 'file must be a PDF');
    if (!/\/MediaBox \[0 0 612 792\]/.test(pdf.toString('latin1'))) return lobError(res, 422, 'letters must be 8.5x11 inches');
    const metadata = nested(form, 'metadata') ?? {};
    if (Object.keys(metadata).length > 20 || Object.values(metadata).some((v) => v.length > 500)) return lobError(res, 422, 'metadata may have at most 20 keys of 500 characters');

    const letter: FakeLobLetter = {
      id: `ltr_${randomBytes(8).toString('hex')}`,
      to: to!,
      from: from!,
      color: color === 'true',
      use_type: useType,
      address_placement: placement,
      metadata,
      description: (form.get('description') as string | null) ?? null,
      pdf,
      idempotency_key: idempotencyKey,
      date_created: new Date(now()).toISOString(),
    };
    letters.push(letter);
    if (idempotencyKey) byKey.set(idempotencyKey, { at: now(), letter });
    sendJson(res, 200, view(letter));
  }

  const view = (l: FakeLobLetter) => ({ id: l.id, object: 'letter', deleted: false, to: l.to, from: l.from, color: l.color, use_type: l.use_type, address_placement: l.address_placement, metadata: l.metadata, description: l.description, date_created: l.date_created });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => lobError(res, 500, err.message));
  });
  const { port, close } = await listen(server, held);
  return {
    url: `http://127.0.0.1:${port}/v1`,
    apiKey,
    letters,
    get requests() {
      return state.requests;
    },
    get lists() {
      return state.lists;
    },
    failNext(n, status) {
      failures = { n, status };
    },
    advance(ms) {
      state.skewMs += ms;
    },
    close,
  };
}
