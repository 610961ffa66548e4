// Content hashing and a canonical JSON form, so the same content hashes the same on every runtime.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** JSON with object keys sorted at every depth: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

const encoder = new TextEncoder();

/**
 * SHA-256 as hex. Synchronous and portable: Web Crypto's digest is asynchronous and, on Node,
 * costs more in scheduling than hashing a small record does.
 */
export function sha256Hex(content: string | Uint8Array): string {
  return bytesToHex(sha256(typeof content === 'string' ? encoder.encode(content) : content));
}

/** SHA-256 as standard base64, the form Content-Security-Policy hashes take. */
export function sha256Base64(content: string): string {
  let s = '';
  for (const b of sha256(encoder.encode(content))) s += String.fromCharCode(b);
  return btoa(s);
}

/** Random bytes as base64url, for tokens and ids. */
export function randomToken(bytes = 32): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let s = '';
  for (const b of buf) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
