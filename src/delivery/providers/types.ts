// The one interface every delivery provider implements: SendGrid, Twilio, or capture mode.
import type { RenderedNotice } from '../../notices/renderer.js';
import type { DeliveryChannel } from '../ledger.js';

export interface OutgoingMessage {
  deliveryId: string;
  channel: DeliveryChannel;
  /** Email address, E.164 number, or (in-app) the person's external id in the company's directory. */
  to: string;
  /** The person's own notice page, on channels that carry it (SMS, in-app, letters). */
  noticeUrl?: string;
  rendered: RenderedNotice;
  contentHash: string;
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
  /**
   * Asks the provider whether it already has this message (a worker died between sending and
   * recording). Throws when the provider cannot tell, so the row waits for the next check.
   */
  lookup?(m: { deliveryId: string; channel: DeliveryChannel; to: string; since: Date }): Promise<{ found: true; providerId: string | null } | { found: false }>;
}
