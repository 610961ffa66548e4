// Request bodies shared by the benchmarks.

export function sampleIncidentBody() {
  const now = Date.now();
  return {
    title: 'Benchmark incident',
    nature: 'unauthorized_access',
    severity: 'medium',
    discovered_at: new Date(now - 3_600_000).toISOString(),
    aware_at: new Date(now - 1_800_000).toISOString(),
    systems: ['accounts-db'],
    data_categories: ['account', 'contact'],
    regions: ['CN', 'US-CA'],
    estimated_affected: { total: 500, by_region: { CN: 300, 'US-CA': 200 } },
  };
}

export function sampleNotice() {
  const locale = (lang: string) => ({
    headline: `${lang}: account data exposed`,
    nature_and_impact: 'Account names and email addresses were readable for two days.',
    measures: 'Access was closed and the export job fixed.',
    self_protection: 'Watch for emails that ask for your password.',
    remedies: 'Ask us for a copy of your data or its deletion.',
    sms_summary: 'Account names and emails were exposed; fixed. Beware of phishing.',
  });
  return { locales: { en: locale('en'), 'zh-CN': locale('zh-CN') }, contact: { email: 'privacy@example.com', phone: '+1 555 0100', url: 'https://example.com/security' } };
}
