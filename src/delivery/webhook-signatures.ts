// Checks that a SendGrid Event Webhook or Twilio status callback really came from the provider, with Web Crypto only.

export type SignatureFailure = 'missing' | 'malformed' | 'mismatch' | 'stale';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure; detail: string };

const encoder = new TextEncoder();

function fail(reason: SignatureFailure, detail: string): SignatureCheck {
  return { ok: false, reason, detail };
}

/** Standard base64 to bytes; null when the text is not base64. */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
  const clean = text.replace(/\s+/g, '');
  if (clean.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(clean)) return null;
  let binary: string;
  try {
    binary = atob(clean);
  } catch {
    return null;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function toBytes(value: string | Uint8Array): Uint8Array<ArrayBuffer> {
  if (typeof value === 'string') return encoder.encode(value);
  const copy = new Uint8Array(value.length);
  copy.set(value);
  return copy;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Equal-length inputs are compared in time that does not depend on where they differ. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

// ---------------------------------------------------------------- SendGrid (ECDSA P-256)

const P256_COORDINATE = 32;

/**
 * DER `SEQUENCE { INTEGER r, INTEGER s }` → the fixed-width r‖s form Web Crypto verifies.
 * Returns null for anything that is not a well-formed P-256 signature.
 */
export function derToRawEcdsaSignature(der: Uint8Array): Uint8Array<ArrayBuffer> | null {
  let pos = 0;
  const readLength = (): number | null => {
    const first = der[pos++];
    if (first === undefined) return null;
    if (first < 0x80) return first;
    if (first !== 0x81) return null; // a P-256 signature never needs more than one length byte
    const next = der[pos++];
    return next === undefined || next < 0x80 ? null : next;
  };
  if (der[pos++] !== 0x30) return null;
  const seqLength = readLength();
  if (seqLength === null || pos + seqLength !== der.length) return null;
  const raw = new Uint8Array(P256_COORDINATE * 2);
  for (let part = 0; part < 2; part++) {
    if (der[pos++] !== 0x02) return null;
    const len = readLength();
    if (len === null || len === 0 || pos + len > der.length) return null;
    let bytes = der.subarray(pos, pos + len);
    pos += len;
    if ((bytes[0] ?? 0) & 0x80) return null; // negative integers are not valid r or s
    while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
    if (bytes.length > P256_COORDINATE) return null;
    raw.set(bytes, part * P256_COORDINATE + (P256_COORDINATE - bytes.length));
  }
  return pos === der.length ? raw : null;
}

const ecdsaKeys = new Map<string, Promise<CryptoKey>>();

/** Imports (once per key text) SendGrid's verification key: bare base64 SPKI DER, or the same in PEM armour. */
function importSendgridKey(publicKey: string): Promise<CryptoKey> | null {
  const cached = ecdsaKeys.get(publicKey);
  if (cached) return cached;
  const body = publicKey.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '');
  const der = decodeBase64(body);
  if (!der) return null;
  const pending = crypto.subtle.importKey('spki', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  pending.catch(() => ecdsaKeys.delete(publicKey));
  if (ecdsaKeys.size > 16) ecdsaKeys.clear(); // a handful of configured keys at most; never grow without bound
  ecdsaKeys.set(publicKey, pending);
  return pending;
}

export interface SendgridSignatureInput {
  /** The Event Webhook verification key from SendGrid's settings: base64 SPKI DER (PEM also accepted). */
  publicKey: string | null | undefined;
  /** `X-Twilio-Email-Event-Webhook-Signature`: base64 DER ECDSA signature. */
  signature: string | null | undefined;
  /** `X-Twilio-Email-Event-Webhook-Timestamp`: Unix seconds, as sent. */
  timestamp: string | null | undefined;
  /** The request body exactly as received: re-serialised JSON does not verify. */
  rawBody: Uint8Array | string;
  now: Date;
  /** How far the timestamp may be from `now`, either way. SendGrid documents no window; 5 minutes by default. */
  maxAgeSeconds?: number;
}

export async function verifySendgridSignature(input: SendgridSignatureInput): Promise<SignatureCheck> {
  const { publicKey, signature, timestamp } = input;
  if (!publicKey) return fail('missing', 'no verification key configured');
  if (!signature) return fail('missing', 'no signature header');
  if (!timestamp) return fail('missing', 'no timestamp header');
  if (!/^\d{1,12}$/.test(timestamp.trim())) return fail('malformed', 'timestamp is not Unix seconds');

  const maxAge = input.maxAgeSeconds ?? 300;
  const skew = Math.abs(input.now.getTime() / 1000 - Number(timestamp.trim()));
  if (skew > maxAge) return fail('stale', `timestamp is ${Math.round(skew)} s away from now`);

  const der = decodeBase64(signature);
  if (!der) return fail('malformed', 'signature is not base64');
  const raw = derToRawEcdsaSignature(der);
  if (!raw) return fail('malformed', 'signature is not a DER ECDSA P-256 signature');

  const keyPromise = importSendgridKey(publicKey);
  if (!keyPromise) return fail('malformed', 'verification key is not base64');
  let key: CryptoKey;
  try {
    key = await keyPromise;
  } catch {
    return fail('malformed', 'verification key is not a P-256 SPKI key');
  }
  // SendGrid signs the timestamp header text immediately followed by the body bytes.
  const signed = concat(encoder.encode(timestamp), toBytes(input.rawBody));
  const valid = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, raw, signed);
  return valid ? { ok: true } : fail('mismatch', 'signature does not match body and timestamp');
}

// ---------------------------------------------------------------- Twilio (HMAC-SHA1)

export type TwilioParams = URLSearchParams | Record<string, string | readonly string[] | undefined>;

export interface TwilioSignatureInput {
  authToken: string | null | undefined;
  /** The full public URL Twilio posted to (scheme, host, path, query), as configured on the message or call. */
  url: string;
  /** `X-Twilio-Signature`. */
  signature: string | null | undefined;
  /** Every posted form field; a field left out makes a valid request fail. */
  params?: TwilioParams;
  /**
   * The raw body instead of `params`: for a JSON body the URL carries `bodySHA256`, which must match it;
   * otherwise the body is read as form fields.
   */
  rawBody?: string | Uint8Array;
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

function importHmacKey(authToken: string): Promise<CryptoKey> {
  const cached = hmacKeys.get(authToken);
  if (cached) return cached;
  const pending = crypto.subtle.importKey('raw', encoder.encode(authToken), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  if (hmacKeys.size > 16) hmacKeys.clear();
  hmacKeys.set(authToken, pending);
  return pending;
}

/** The text Twilio signs: the URL, then each field name and value in name order (repeated values deduplicated and sorted). */
export function twilioSignedText(url: string, params: TwilioParams): string {
  const fields = new Map<string, string[]>();
  const add = (name: string, value: string) => {
    const list = fields.get(name);
    if (list) list.push(value);
    else fields.set(name, [value]);
  };
  if (params instanceof URLSearchParams) {
    params.forEach((value, name) => add(name, value));
  } else {
    for (const [name, value] of Object.entries(params)) {
      if (value === undefined) continue;
      if (typeof value === 'string') add(name, value);
      else for (const v of value) add(name, v);
    }
  }
  let text = url;
  for (const name of [...fields.keys()].sort()) {
    const values = fields.get(name) ?? [];
    const ordered = values.length > 1 ? [...new Set(values)].sort() : values;
    for (const value of ordered) text += name + value;
  }
  return text;
}

const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*@)?([^:/?#]*)(:\d+)?(.*)$/i;

/** Twilio may have signed the URL with or without the default port, so both are tried. */
function urlVariants(url: string): string[] {
  const parts = URL_PARTS.exec(url);
  if (!parts) return [url];
  const [, scheme = '', userInfo = '', host = '', port, rest = ''] = parts;
  const withoutPort = scheme + userInfo + host + rest;
  const defaultPort = scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  const withPort = scheme + userInfo + host + (port ?? defaultPort) + rest;
  return withoutPort === withPort ? [withoutPort] : [withoutPort, withPort];
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

function bodyHashParam(url: string): string | null {
  const query = url.indexOf('?');
  if (query === -1) return null;
  const hashAt = url.indexOf('#', query);
  return new URLSearchParams(url.slice(query + 1, hashAt === -1 ? undefined : hashAt)).get('bodySHA256');
}

export async function verifyTwilioSignature(input: TwilioSignatureInput): Promise<SignatureCheck> {
  if (!input.authToken) return fail('missing', 'no auth token configured');
  if (!input.signature) return fail('missing', 'no X-Twilio-Signature header');
  const given = decodeBase64(input.signature);
  if (!given || given.length !== 20) return fail('malformed', 'signature is not a base64 HMAC-SHA1');

  let params: TwilioParams = input.params ?? {};
  if (input.rawBody !== undefined && input.params === undefined) {
    const expectedHash = bodyHashParam(input.url);
    if (expectedHash !== null) {
      const actualHash = await sha256Hex(toBytes(input.rawBody));
      if (!constantTimeEqual(encoder.encode(expectedHash.toLowerCase()), encoder.encode(actualHash))) {
        return fail('mismatch', 'body does not match bodySHA256');
      }
      params = {};
    } else {
      const text = typeof input.rawBody === 'string' ? input.rawBody : new TextDecoder().decode(input.rawBody);
      params = new URLSearchParams(text);
    }
  }

  const key = await importHmacKey(input.authToken);
  for (const url of urlVariants(input.url)) {
    const expected = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(twilioSignedText(url, params))));
    if (constantTimeEqual(expected, given)) return { ok: true };
  }
  return fail('mismatch', 'signature does not match URL and parameters');
}
