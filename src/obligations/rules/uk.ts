// United Kingdom duties under UK GDPR arts. 33–34 (ICO).
import type { Rule } from '../types.js';
import { anyOf, affectedIn, riskAtLeast, riskNotUnlikely, unencrypted } from '../predicates.js';
import { followUp, hours, immediately, initial } from './build.js';

const inUk = anyOf('affected in the UK', [affectedIn('GB', 'the UK'), affectedIn('UK', 'the UK')]);

export const ukRules: Rule[] = [
  {
    id: 'uk-gdpr-33',
    jurisdiction: 'GB',
    law: 'UK GDPR and Data Protection Act 2018',
    article: 'UK GDPR art. 33',
    notifies: { kind: 'authority', name: "Information Commissioner's Office (ICO)" },
    timeZone: 'Europe/London',
    trigger: { summary: 'Personal data breach, unless unlikely to result in a risk to individuals', regions: ['GB'], checks: [inUk, riskNotUnlikely('not unlikely to result in a risk')] },
    anchor: 'aware_at',
    anchorWording: 'after becoming aware',
    stages: [initial(hours(72, 'without undue delay and, where feasible, within 72 hours'), 'aware_at', 'notification'), followUp('further information in phases')],
    requiredContent: ['as UK GDPR art. 33(3): nature, categories and numbers; contact point; likely consequences; measures taken or proposed'],
    effective: { from: '2021-01-01' },
    status: 'in_force',
    source: { citation: 'UK GDPR art. 33', url: 'https://ico.org.uk/global/privacy-notice/report-a-breach-all-controllers/' },
    confidence: 'confirmed',
    notes: ['PECR breach reporting (telecom providers only) is not modelled.'],
  },
  {
    id: 'uk-gdpr-34',
    jurisdiction: 'GB',
    law: 'UK GDPR and Data Protection Act 2018',
    article: 'UK GDPR art. 34',
    notifies: { kind: 'individuals', name: 'affected individuals in the UK' },
    timeZone: 'Europe/London',
    trigger: { summary: 'High risk to rights and freedoms, unless the data was unintelligible', regions: ['GB'], checks: [inUk, riskAtLeast('high', 'high risk to rights and freedoms'), unencrypted()] },
    anchor: 'aware_at',
    anchorWording: 'without undue delay after becoming aware',
    stages: [initial(immediately('without undue delay'), 'aware_at', 'notify individuals')],
    requiredContent: ['as UK GDPR art. 34(2): nature of the breach in plain language, contact point, likely consequences, measures'],
    effective: { from: '2021-01-01' },
    status: 'in_force',
    source: { citation: 'UK GDPR art. 34', url: 'https://guvnor.ai/guidance/data-breach-response/' },
    confidence: 'confirmed',
  },
];
