// Which delivery channels have provider credentials configured: the others run in capture mode (rendered and recorded, nothing sent).
import type { Config } from '../config.js';
import type { WorkerChannel } from './ledger.js';

export function configuredChannels(config: Config): Record<WorkerChannel, boolean> {
  const twilio = Boolean(config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN);
  return {
    email: Boolean(config.SENDGRID_API_KEY && config.SENDGRID_FROM),
    sms: twilio,
    // Calls need a caller number; a Messaging Service alone carries SMS only.
    voice: twilio && Boolean(config.TWILIO_FROM),
    inapp: Boolean(config.INAPP_WEBHOOK_URL && config.INAPP_WEBHOOK_SECRET),
  };
}
