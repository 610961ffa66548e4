// The one place a delivery finds its provider: a drill incident's notices, on every channel, go to capture mode whatever is configured.
import type { Logger } from '../../lib/logger.js';
import type { WorkerChannel } from '../ledger.js';
import { captureProvider } from './capture.js';
import type { DeliveryProvider } from './types.js';

const drillProviders = new WeakMap<object, Map<WorkerChannel, DeliveryProvider>>();

/**
 * The provider for one incident's notices on `channel`. A drill reaches no one: its notices are rendered,
 * hashed and recorded under the provider name `drill`, and no request leaves for any provider.
 */
export function providerFor(
  providers: Record<WorkerChannel, DeliveryProvider>,
  channel: WorkerChannel,
  incident: { drill: boolean },
  logger: Logger,
): DeliveryProvider {
  if (!incident.drill) return providers[channel];
  let byChannel = drillProviders.get(providers);
  if (!byChannel) drillProviders.set(providers, (byChannel = new Map()));
  let drill = byChannel.get(channel);
  if (!drill) byChannel.set(channel, (drill = captureProvider(channel, logger, { drill: true })));
  return drill;
}
