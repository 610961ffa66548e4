// Provider error codes that decide what happens next; kept apart from the SDKs so every runtime can read them.

/** Twilio refusals that will not change on a retry: the next channel is tried instead. */
export const permanentTwilioCodes = new Set([21211, 21217, 21610, 21612, 21614, 21635, 30005, 30006]);
