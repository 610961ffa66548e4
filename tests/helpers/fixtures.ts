// Sample data shared by tests.

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

/** A consistent incident body, as a responder would send it. */
export const sampleIncident = () => ({
  title: 'Order database snapshot readable from a public bucket',
  summary: 'A nightly export of the order database was written to a bucket without access control.',
  nature: 'accidental_disclosure',
  severity: 'high',
  occurred_from: hoursAgo(72),
  occurred_to: hoursAgo(30),
  discovered_at: hoursAgo(20),
  aware_at: hoursAgo(18),
  systems: ['orders-db', 'export-bucket'],
  data_categories: ['contact', 'shipping_address', 'purchase_payment'],
  regions: ['CN', 'DE', 'US-TX'],
  estimated_affected: { total: 1200, by_region: { 'US-TX': 250, CN: 900 } },
  encrypted: false,
  measures: [{ description: 'Bucket made private', at: hoursAgo(19), state: 'taken' }],
  remedies: [{ description: 'Free credit monitoring for a year' }],
});
