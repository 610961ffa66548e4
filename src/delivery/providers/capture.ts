// Capture mode: with no provider credentials (or for a drill), messages are rendered and recorded, and nothing claims to be sent.
import type { Logger } from '../../lib/logger.js';
import type { DeliveryChannel } from '../ledger.js';
import type { DeliveryProvider, OutgoingMessage, SendHooks, SendOutcome } from './types.js';

export function captureProvider(channel: DeliveryChannel, logger: Logger, options: { drill?: boolean } = {}): DeliveryProvider {
  const why = options.drill ? 'notice captured (drill: nothing is sent)' : 'notice captured (no provider configured)';
  return {
    name: options.drill ? 'drill' : 'capture',
    channel,
    maxBatch: 1000,
    capture: true,
    async send(messages: OutgoingMessage[], hooks: SendHooks = {}): Promise<SendOutcome[]> {
      for (const m of messages) {
        // The log names the delivery and the content hash, never the address.
        logger.info({ delivery_id: m.deliveryId, channel, locale: m.rendered.locale, content_hash: m.contentHash, drill: options.drill === true }, why);
      }
      const outcomes = messages.map((m) => ({ deliveryId: m.deliveryId, outcome: 'captured' as const }));
      hooks.onOutcomes?.(outcomes);
      return outcomes;
    },
  };
}
