// The one interface every delivery provider implements: SendGrid, Twilio, or capture mode.
import type { RenderedNotice, SharedRendering } from '../../notices/renderer.js';
import type { DeliveryChannel } from '../ledger.js';

export interface OutgoingMessage {
  deliveryId: string;
  channel: DeliveryChannel;
  /** Email address, E.164 number, or (in-app) the person's external id in the company's directory. */
  to: string;
  /** The person's own notice page, on channels that carry it (SMS, in-app, letters). */
  noticeUrl?: string;
  /** What this person receives, and its hash: the proof. */
  rendered: RenderedNotice;
  contentHash: string;
  /**
   * The rendering this message shares with others that differ only by the name, and the name that fills it:
   * a provider that substitutes per recipient (SendGrid) sends them together.
   */
  shared?: { rendering: SharedRendering; name: string | null };
}

export type SendOutcome =
  | { deliveryId: string; outcome: 'accepted'; providerId: string | null }
  | { deliveryId: string; outcome: 'captured' }
  /** Too many requests: try again later; the attempt does not count. */
  | { deliveryId: string; outcome: 'rate_limited'; retryAfterMs: number | null }
  /** 5xx, timeout, network: try again later, counting the attempt. */
  | { deliveryId: string; outcome: 'transient'; errorCode: string }
  /** This channel will never reach this person (invalid number, unsubscribed, bounce…). */
  | { deliveryId: string; outcome: 'permanent'; errorCode: string };

/** Lets the caller pace each request and record outcomes while the rest of a large send is still going out. */
export interface SendHooks {
  /** Awaited before each request leaves, with the messages it carries: the token bucket is taken here. */
  beforeRequest?(messages: OutgoingMessage[]): Promise<void>;
  /** The outcomes of one request, as soon as it has answered. */
  onOutcomes?(outcomes: SendOutcome[]): void;
}

export interface DeliveryProvider {
  readonly name: string;
  readonly channel: DeliveryChannel;
  /** How many messages one send() takes (SendGrid: 1000 personalizations per request; Twilio: one per request, many in flight). */
  readonly maxBatch: number;
  /** True when nothing leaves the machine (no credentials configured). */
  readonly capture: boolean;
  send(messages: OutgoingMessage[], hooks?: SendHooks): Promise<SendOutcome[]>;
  /** Names the provider account (never its secret): what its look-up offers is remembered per account. */
  readonly account?: string;
  /**
   * Asks the provider which of these interrupted sends (a worker died between sending and recording)
   * it already has. Answers for all of them at once, says the account offers no look-up, or asks to be
   * asked later (rate-limited, or the provider failed).
   */
  lookup?(messages: LookupRequest[]): Promise<LookupAnswer>;
}

export interface LookupRequest {
  deliveryId: string;
  channel: DeliveryChannel;
  to: string;
  /** When the interrupted attempt was claimed: nothing sent before then is this notice. */
  since: Date;
  /** The text this notice carries for this recipient, to tell it from other messages to the same number. */
  text: string | null;
  /** The stand-in in `text` for the person's own notice-page link (known only as a hash): any notice-page link matches there. */
  pageLinkStandIn?: string;
}

export type LookupAnswer =
  /** Every message asked about: in `found` (with the provider's id) or, if absent, never sent. */
  | { kind: 'answered'; found: Map<string, string | null> }
  /** This account has no look-up (e.g. SendGrid without the Email Activity add-on): do not ask again soon. */
  | { kind: 'unavailable'; detail: string }
  /** Not now: rate-limited or a provider error. */
  | { kind: 'later'; detail: string; retryAfterMs?: number | null };
