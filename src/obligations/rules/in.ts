// India: CERT-In's 6-hour report (in force) and the DPDP Rules' breach duties (Rule 7, from about 13 May 2027).
import type { Rule } from '../types.js';
import { affectedIn, always } from '../predicates.js';
import { hours, immediately, initial } from './build.js';

const tz = 'Asia/Kolkata';
const inIn = affectedIn('IN', 'India');
const dpdpFrom = '2027-05-13';

export const inRules: Rule[] = [
  {
    id: 'in-certin-6h',
    jurisdiction: 'IN',
    law: 'CERT-In Directions under IT Act s. 70B(6), 28 April 2022',
    article: 'CERT-In Directions para. (ii)',
    notifies: { kind: 'authority', name: 'Indian Computer Emergency Response Team (CERT-In)' },
    timeZone: tz,
    trigger: { summary: 'A listed cyber incident (data breach or leak, unauthorised access, ransomware…) at an entity serving Indian users', regions: ['IN'], checks: [inIn, always('listed cyber incident', 'data breaches and leaks are listed')] },
    anchor: 'discovered_at',
    anchorWording: 'within 6 hours of noticing or being told of the incident',
    stages: [initial(hours(6, 'within 6 hours'), 'discovered_at', 'report')],
    requiredContent: ['the fields of the CERT-In incident reporting form'],
    effective: { from: '2022-06-28' },
    status: 'in_force',
    source: { citation: 'CERT-In Directions 2022', url: 'https://www.argus-p.com/papers-publications/thought-paper/cert-ins-six-hour-reporting-rule-for-cyber-security-incidents-statutory-interpretation-and-analysis/' },
    confidence: 'confirmed',
    notes: ['Logs are kept for 180 days in India.'],
  },
  {
    id: 'in-dpdp-r7-board',
    jurisdiction: 'IN',
    law: 'Digital Personal Data Protection Act 2023 s. 8(6); DPDP Rules 2025',
    article: 'DPDP Rules, Rule 7(2)',
    notifies: { kind: 'authority', name: 'Data Protection Board of India' },
    timeZone: tz,
    trigger: { summary: 'Any personal data breach (no threshold)', regions: ['IN'], checks: [inIn, always('personal data breach', 'no threshold')] },
    anchor: 'aware_at',
    anchorWording: 'on becoming aware of the breach',
    stages: [
      initial(immediately('without delay'), 'aware_at', 'initial intimation', 'nature, extent, timing, location and likely impact'),
      { key: 'detailed', name: 'detailed report', kind: 'final', deadline: hours(72, 'within 72 hours of becoming aware (the Board may allow longer on request)'), start: { anchor: 'aware_at' }, required: true },
    ],
    requiredContent: ['an updated, detailed description', 'the events, circumstances and reasons', 'mitigation done or proposed', 'who caused the breach, if found', 'measures against recurrence', 'a report on the intimations given to data principals'],
    effective: { from: dpdpFrom },
    status: 'not_in_force',
    source: { citation: 'DPDP Rules 2025, Rule 7', url: 'https://dpdpa.co.in/rule-7' },
    confidence: 'confirmed',
    uncertainty: 'Commencement is 18 months after notification; sources differ between 13 and 14 May 2027: the earlier day is used.',
  },
  {
    id: 'in-dpdp-r7-individuals',
    jurisdiction: 'IN',
    law: 'Digital Personal Data Protection Act 2023 s. 8(6); DPDP Rules 2025',
    article: 'DPDP Rules, Rule 7(1)',
    notifies: { kind: 'individuals', name: 'each affected data principal (user account or registered contact)' },
    timeZone: tz,
    trigger: { summary: 'Any personal data breach', regions: ['IN'], checks: [inIn, always('personal data breach', 'no threshold')] },
    anchor: 'aware_at',
    anchorWording: 'to the best of its knowledge, without delay',
    stages: [initial(immediately('without delay'), 'aware_at', 'notify data principals')],
    requiredContent: ['what happened: nature, extent, timing and place', 'likely consequences for the person', 'mitigation done or under way', 'safety steps the person can take', 'a business contact who can answer'],
    effective: { from: dpdpFrom },
    status: 'not_in_force',
    source: { citation: 'DPDP Rules 2025, Rule 7', url: 'https://dpdpa.co.in/rule-7' },
    confidence: 'confirmed',
    uncertainty: 'Commencement date uncertain by one day (13 or 14 May 2027): the earlier is used.',
  },
];
