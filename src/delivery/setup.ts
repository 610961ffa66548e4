// The delivery set-up on Node: the providers' logic over the SDKs' own clients (the Workers build uses fetch instead).
import type RequestClient from 'twilio/lib/base/RequestClient';
import { providerTimeoutMs, type Config } from '../config.js';
import { createTwilioNodeClient } from './providers/twilio-http.node.js';
import type { Logger } from '../lib/logger.js';
import type { DispatchDeps } from './dispatch.js';
import type { WorkerChannel } from './ledger.js';
import * as core from './setup-core.js';
import { sendgridSdkTransport } from './providers/sendgrid-sdk.js';
import { twilioSdkTransport } from './providers/twilio-sdk.js';
import type { DeliveryProvider } from './providers/types.js';

/** `twilioHttpClient`: what the host offers under the twilio SDK instead of `fetch` (the Node worker: kept-alive node:http). */
export function sdkTransports(twilioHttpClient?: RequestClient): core.ProviderTransports {
  return { sendgrid: (o) => sendgridSdkTransport(o), twilio: (o) => twilioSdkTransport({ ...o, httpClient: twilioHttpClient }) };
}

/** The kept-alive node:http client under the twilio SDK for a Node process: one socket per request it may keep in flight. */
export function twilioNodeClientFor(config: Config): RequestClient {
  return createTwilioNodeClient({ baseUrl: config.TWILIO_API_URL, maxSockets: config.TWILIO_MAX_IN_FLIGHT, timeoutMs: providerTimeoutMs(config, 'twilio') });
}

export function providersFor(config: Config, baseUrl: string, logger: Logger, twilioHttpClient?: RequestClient): Record<WorkerChannel, DeliveryProvider> {
  return core.providersFor(config, baseUrl, logger, sdkTransports(twilioHttpClient));
}

export function dispatchDeps(p: Omit<Parameters<typeof core.dispatchDeps>[0], 'transports'> & { twilioHttpClient?: RequestClient }): DispatchDeps {
  return core.dispatchDeps({ ...p, transports: sdkTransports(p.twilioHttpClient) });
}
