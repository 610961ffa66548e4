// The settings that point breachkit's providers at the fakes, as a worker process reads them from its environment.
import type { FakeSendgrid } from './sendgrid.js';
import type { FakeTwilio } from './twilio.js';

export function providerEnvFor(sg: FakeSendgrid, tw: FakeTwilio): Record<string, string> {
  return {
    PUBLIC_BASE_URL: 'https://breachkit.example',
    SENDGRID_API_KEY: sg.apiKey,
    SENDGRID_FROM: 'notices@example.com',
    SENDGRID_API_URL: sg.url,
    TWILIO_ACCOUNT_SID: tw.accountSid,
    TWILIO_AUTH_TOKEN: tw.authToken,
    TWILIO_FROM: '+15005550006',
    TWILIO_API_URL: tw.url,
  };
}
