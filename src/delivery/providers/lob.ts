// Lob (print and mail by API) for letters to US addresses, through fetch: one letter per request, each with an
// Idempotency-Key derived from the delivery (Lob keeps it 24 hours), and each findable later by its metadata.

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
  /** Kept on the letter as metadata: a later look-up finds it by delivery, and learns what it carries. */
  incidentId: string;
  contentHash: string;
}

/** A letter Lob has: its id, and the content hash it was made with (from its metadata; null if it has none). */
export interface LobLetterFound {
  providerId: string;
  contentHash: string | null;
}

export type LobOutcome =
  /** Made now, or (same Idempotency-Key within 24 hours) the letter made before: its content hash says which. */
  | ({ outcome: 'accepted' } & LobLetterFound)
  | { outcome: 'rate_limited'; retryAfterMs: number | null }
  | { outcome: 'transient'; errorCode: string }
  | { outcome: 'permanent'; errorCode: string };

export interface LobProvider {
  readonly name: 'lob';
  send(letter: LobLetter): Promise<LobOutcome>;
  /**
   * The letter Lob already has for this delivery of this incident, if any (looked up by metadata): asked
   * before a resend, as the Idempotency-Key protects for 24 hours only. The oldest live one is returned.
   */
  find(deliveryId: string, incidentId: string): Promise<{ kind: 'found'; letter: LobLetterFound } | { kind: 'none' } | { kind: 'later'; errorCode: string }>;
}

interface LobLetterJson {
  id?: string;
  date_created?: string;
  deleted?: boolean;
  metadata?: Record<string, string>;
}

const foundOf = (l: LobLetterJson & { id: string }): LobLetterFound => ({ providerId: l.id, contentHash: l.metadata?.content_hash ?? null });

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
      form.append('metadata[incident_id]', letter.incidentId);
      form.append('metadata[content_hash]', letter.contentHash);
      let res: Response;
      try {
        res = await doFetch(`${base}/letters`, { method: 'POST', headers: { authorization, 'idempotency-key': letter.idempotencyKey }, body: form });
      } catch {
        return { outcome: 'transient', errorCode: 'lob_unreachable' };
      }
      const body = (await res.json().catch(() => null)) as (LobLetterJson & { error?: { message?: string } }) | null;
      if (res.ok && body?.id) return { outcome: 'accepted', ...foundOf(body as LobLetterJson & { id: string }) };
      if (res.status === 429) {
        const reset = Number(res.headers.get('retry-after') ?? res.headers.get('ratelimit-reset'));
        return { outcome: 'rate_limited', retryAfterMs: Number.isFinite(reset) && reset > 0 ? reset * 1000 : null };
      }
      // A refused key is ours to fix, not the person's: the letter waits.
      if (res.status === 401 || res.status === 403 || res.status >= 500 || res.ok) return { outcome: 'transient', errorCode: `lob_${res.status}` };
      return { outcome: 'permanent', errorCode: `lob_${res.status}` };
    },
    async find(deliveryId, incidentId) {
      const query = new URLSearchParams({ 'metadata[delivery_id]': deliveryId, limit: '100' });
      let res: Response;
      try {
        res = await doFetch(`${base}/letters?${query}`, { headers: { authorization } });
      } catch {
        return { kind: 'later', errorCode: 'lob_unreachable' };
      }
      const body = (await res.json().catch(() => null)) as { data?: LobLetterJson[] } | null;
      if (!res.ok || !Array.isArray(body?.data)) return { kind: 'later', errorCode: `lob_${res.status}` };
      // Newest first; another incident's delivery of the same number (another database on the account) is not ours.
      const ours = body.data.filter((l): l is LobLetterJson & { id: string } => typeof l.id === 'string' && !l.deleted && l.metadata?.incident_id === incidentId);
      const oldest = ours.at(-1);
      return oldest ? { kind: 'found', letter: foundOf(oldest) } : { kind: 'none' };
    },
  };
}
