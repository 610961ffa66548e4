// Lob (print and mail by API) for letters to US addresses, through fetch: one letter per request, each with an
// Idempotency-Key derived from the delivery, so a resend after a crash returns the letter already made instead of printing another.

export interface LobAddress {
  name: string;
  address_line1: string;
  address_line2?: string | null;
  address_city?: string | null;
  address_state?: string | null;
  address_zip?: string | null;
  address_country: string;
}

export interface LobLetter {
  deliveryId: string;
  /** At most 256 characters; the same key for every attempt at the same letter. */
  idempotencyKey: string;
  to: LobAddress;
  from: LobAddress;
  /** The letter on US Letter paper; Lob adds its own address page in front (`insert_blank_page`). */
  pdf: Uint8Array;
  description: string;
}

export type LobOutcome =
  | { outcome: 'accepted'; providerId: string }
  | { outcome: 'rate_limited'; retryAfterMs: number | null }
  | { outcome: 'transient'; errorCode: string }
  | { outcome: 'permanent'; errorCode: string };

export interface LobProvider {
  readonly name: 'lob';
  send(letter: LobLetter): Promise<LobOutcome>;
}

export const defaultLobApiUrl = 'https://api.lob.com/v1';

export function lobProvider(settings: { apiKey: string; baseUrl?: string; fetch?: typeof fetch }): LobProvider {
  const base = (settings.baseUrl ?? defaultLobApiUrl).replace(/\/+$/, '');
  const doFetch = settings.fetch ?? fetch;
  // Basic authentication: the key is the user name, the password is empty.
  const authorization = `Basic ${btoa(`${settings.apiKey}:`)}`;
  return {
    name: 'lob',
    async send(letter) {
      const form = new FormData();
      for (const [side, a] of [['to', letter.to], ['from', letter.from]] as const) {
        for (const [k, v] of Object.entries(a)) if (v !== null && v !== undefined && v !== '') form.append(`${side}[${k}]`, v);
      }
      form.append('file', new Blob([letter.pdf as BlobPart], { type: 'application/pdf' }), `${letter.deliveryId}.pdf`);
      form.append('color', 'false');
      form.append('double_sided', 'true');
      form.append('use_type', 'operational');
      form.append('address_placement', 'insert_blank_page');
      form.append('mail_type', 'usps_first_class');
      form.append('description', letter.description.slice(0, 255));
      form.append('metadata[delivery_id]', letter.deliveryId);
      let res: Response;
      try {
        res = await doFetch(`${base}/letters`, { method: 'POST', headers: { authorization, 'idempotency-key': letter.idempotencyKey }, body: form });
      } catch {
        return { outcome: 'transient', errorCode: 'lob_unreachable' };
      }
      const body = (await res.json().catch(() => null)) as { id?: string; error?: { message?: string } } | null;
      if (res.ok && body?.id) return { outcome: 'accepted', providerId: body.id };
      if (res.status === 429) {
        const reset = Number(res.headers.get('retry-after') ?? res.headers.get('ratelimit-reset'));
        return { outcome: 'rate_limited', retryAfterMs: Number.isFinite(reset) && reset > 0 ? reset * 1000 : null };
      }
      // A refused key is ours to fix, not the person's: the letter waits.
      if (res.status === 401 || res.status === 403 || res.status >= 500 || res.ok) return { outcome: 'transient', errorCode: `lob_${res.status}` };
      return { outcome: 'permanent', errorCode: `lob_${res.status}` };
    },
  };
}
