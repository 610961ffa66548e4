// The shape of a person's notice-page link: `/n/` and a 128-bit random token, base64url (22 characters).
import { randomToken, sha256Hex } from '../lib/hash.js';
import type { RenderedNotice } from '../notices/renderer.js';

export const noticePageTokenBytes = 16;
/** base64url of 16 bytes, unpadded. */
export const noticePageTokenLength = 22;
export const noticePageTokenPattern = /^[A-Za-z0-9_-]{22}$/;

export const newNoticePageToken = (): string => randomToken(noticePageTokenBytes);

/** Only this is stored: a leaked table gives no working link. */
export const noticePageTokenHash = (token: string): string => sha256Hex(token);

export const noticePageUrl = (baseUrl: string, token: string): string => `${baseUrl.replace(/\/$/, '')}/n/${token}`;

/**
 * A stand-in link as long as a real one: previews and frozen renderings use it, so an SMS counted at
 * freeze has the length it has when sent.
 */
export const sampleNoticePageUrl = (baseUrl: string): string => noticePageUrl(baseUrl, 'x'.repeat(noticePageTokenLength));

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether `candidate` is `text` with the stand-in link `standIn` replaced by a real notice-page link of
 * the same base: a sent message is recognised by everything else it says and by the link's shape.
 */
export function sameTextWithNoticeLink(text: string, standIn: string, candidate: string): boolean {
  if (!text.includes(standIn)) return candidate === text;
  const base = standIn.slice(0, -noticePageTokenLength);
  const pattern = text.split(standIn).map(escapeRegExp).join(`${escapeRegExp(base)}[A-Za-z0-9_-]{${noticePageTokenLength}}`);
  return new RegExp(`^${pattern}$`).test(candidate);
}

const standIns = new Map<string, string>();
/**
 * Per base URL and process, a stand-in link no one can type, as long as a real one: notices are rendered
 * once with it (shared by every recipient, so the renderer's cache holds) and then given each person's own.
 */
export function standInPageUrl(base: string): string {
  let s = standIns.get(base);
  if (!s) standIns.set(base, (s = noticePageUrl(base, newNoticePageToken())));
  return s;
}

/** The rendering with the stand-in link replaced by the person's own (unchanged without one). */
export function withPageLink(rendered: RenderedNotice, standIn: string, url: string | undefined): RenderedNotice {
  if (!url) return rendered;
  const out = { ...rendered };
  if (out.subject !== undefined) out.subject = out.subject.replaceAll(standIn, url);
  if (out.html !== undefined) out.html = out.html.replaceAll(standIn, url);
  if (out.text !== undefined) out.text = out.text.replaceAll(standIn, url);
  return out;
}
