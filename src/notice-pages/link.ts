// The shape of a person's notice-page link: `/n/` and a 128-bit random token, base64url (22 characters).
import { randomToken, sha256Hex } from '../lib/hash.js';

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
