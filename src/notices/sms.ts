// SMS segment counting: how many parts a text takes in GSM-7 or UCS-2, and the check against a maximum number of parts.

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  encoding: SmsEncoding;
  /** Parts the message is sent as (1 when it fits a single SMS). */
  parts: number;
  /** Length in the encoding's units: septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2. */
  characters: number;
}

/** 3GPP TS 23.038 default alphabet: one septet each. ESC (0x1B) is left out: it only prefixes the extension table. */
const gsmBasic =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** The extension table reached through ESC: two septets each. */
const gsmExtension = '\f^{}\\[~]|€';

// 0 = not in GSM-7, otherwise the number of septets; a flat table keeps counting a tight loop.
const septets = new Uint8Array(0x10000);
for (const ch of gsmBasic) septets[ch.charCodeAt(0)] = 1;
for (const ch of gsmExtension) septets[ch.charCodeAt(0)] = 2;

export const SMS_LIMITS = {
  'GSM-7': { single: 160, perPart: 153 },
  'UCS-2': { single: 70, perPart: 67 },
} as const;

/**
 * Counts the parts of an SMS. A part never splits a two-septet GSM character or a UTF-16 surrogate
 * pair (carriers and Twilio move the whole character to the next part), so a long text can take one
 * part more than a plain division would say.
 */
export function countSmsSegments(text: string): SmsSegments {
  let gsmLength = 0;
  for (let i = 0; i < text.length; i++) {
    const s = septets[text.charCodeAt(i)]!;
    if (s === 0) return ucs2Segments(text);
    gsmLength += s;
  }
  if (gsmLength <= SMS_LIMITS['GSM-7'].single) return { encoding: 'GSM-7', parts: gsmLength === 0 ? 0 : 1, characters: gsmLength };
  const perPart = SMS_LIMITS['GSM-7'].perPart;
  let parts = 1;
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const s = septets[text.charCodeAt(i)]!;
    if (used + s > perPart) {
      parts++;
      used = 0;
    }
    used += s;
  }
  return { encoding: 'GSM-7', parts, characters: gsmLength };
}

function ucs2Segments(text: string): SmsSegments {
  const units = text.length;
  if (units <= SMS_LIMITS['UCS-2'].single) return { encoding: 'UCS-2', parts: 1, characters: units };
  const perPart = SMS_LIMITS['UCS-2'].perPart;
  let parts = 1;
  let used = 0;
  for (let i = 0; i < units; i++) {
    const code = text.charCodeAt(i);
    const width = code >= 0xd800 && code <= 0xdbff && i + 1 < units ? 2 : 1;
    if (used + width > perPart) {
      parts++;
      used = 0;
    }
    used += width;
    i += width - 1;
  }
  return { encoding: 'UCS-2', parts, characters: units };
}

/** An SMS longer than the configured number of parts. */
export class SmsTooLongError extends Error {
  constructor(
    readonly segments: SmsSegments,
    readonly maxParts: number,
  ) {
    super(`the SMS takes ${segments.parts} parts (${segments.characters} ${segments.encoding === 'GSM-7' ? 'GSM-7 septets' : 'UCS-2 code units'}); at most ${maxParts} are allowed`);
    this.name = 'SmsTooLongError';
  }
}

/** Counts the parts and throws SmsTooLongError when there are more than `maxParts`. */
export function checkSmsLength(text: string, maxParts: number): SmsSegments {
  const segments = countSmsSegments(text);
  if (segments.parts > maxParts) throw new SmsTooLongError(segments, maxParts);
  return segments;
}
