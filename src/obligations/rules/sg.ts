// Singapore, PDPA Part 6A: assess within 30 days; the PDPC within 3 calendar days after the assessment; individuals for significant harm.
import type { Check, Rule } from '../types.js';
import { affectedIn, anyOf, categoryAny, countThreshold, riskAtLeast } from '../predicates.js';
import { calendarDays, immediately, initial } from './build.js';

const tz = 'Asia/Singapore';
const law = 'Personal Data Protection Act 2012, Part 6A';
const inSg = affectedIn('SG', 'Singapore');
// Prescribed classes of data are deemed to cause significant harm.
const significantHarm = anyOf('significant harm (assessed, or deemed for prescribed data)', [
  riskAtLeast('significant', 'significant harm assessed'),
  categoryAny(['financial_account', 'medical_health', 'specific_identity', 'children'], 'prescribed data classes'),
]);
// An exception: only a recorded "stayed inside the organisation" excludes the breach.
const notInternal: Check = (ctx) =>
  ctx.incident.internal_only === true
    ? { fact: 'not confined to the organisation', result: 'no', detail: 'the breach stayed within the organisation (s. 26B(4))' }
    : { fact: 'not confined to the organisation', result: 'yes', detail: ctx.incident.internal_only === false ? 'internal_only: false' : 'not recorded as confined to the organisation' };

export const sgRules: Rule[] = [
  {
    id: 'sg-pdpa-26c-assessment',
    jurisdiction: 'SG',
    law,
    article: 'PDPA s. 26C; PDPC guidelines',
    notifies: { kind: 'internal', name: 'internal assessment (nothing is filed)' },
    timeZone: tz,
    trigger: { summary: 'Reason to believe a data breach occurred', regions: ['SG'], checks: [inSg] },
    anchor: 'discovered_at',
    anchorWording: 'having reason to believe a breach occurred',
    stages: [initial(calendarDays(30, 'reasonable and expeditious; PDPC guidance: within 30 calendar days, else document why'), 'discovered_at', 'complete the assessment')],
    requiredContent: [],
    effective: { from: '2021-02-01' },
    status: 'in_force',
    source: { citation: 'PDPA s. 26C', url: 'https://www.resguard-solutions.com/blog/singapore-data-breach-notification-guide' },
    confidence: 'confirmed',
  },
  {
    id: 'sg-pdpa-26d-pdpc',
    jurisdiction: 'SG',
    law,
    article: 'PDPA ss. 26B, 26D(1)',
    notifies: { kind: 'authority', name: 'Personal Data Protection Commission (PDPC)' },
    timeZone: tz,
    trigger: {
      summary: 'Notifiable breach: significant harm, or significant scale (500 or more people)',
      regions: ['SG'],
      checks: [inSg, notInternal, anyOf('significant harm or significant scale', [significantHarm, countThreshold('SG', 500, 'at_least', 'Singapore')])],
    },
    anchor: 'assessment_completed_at',
    anchorWording: 'the day the organisation assesses the breach to be notifiable (that day excluded)',
    stages: [initial(calendarDays(3, 'as soon as practicable, no later than 3 calendar days after the day of the assessment'), 'assessment_completed_at', 'notify the PDPC')],
    requiredContent: [
      'facts of the breach: when and how it happened and was found',
      'how many people are affected',
      'the personal data affected',
      'the potential harm',
      'containment and remedial actions',
      'the plan for notifying individuals',
      'a contact person',
      'reasons and evidence if late',
    ],
    effective: { from: '2021-02-01' },
    status: 'in_force',
    source: { citation: 'PDPA s. 26D', url: 'https://laws.sg/legislation/act-2012-pdpa/section-26d' },
    confidence: 'confirmed',
  },
  {
    id: 'sg-pdpa-26d-individuals',
    jurisdiction: 'SG',
    law,
    article: 'PDPA s. 26D(2)',
    notifies: { kind: 'individuals', name: 'each affected individual' },
    timeZone: tz,
    trigger: { summary: 'Significant harm only (scale alone does not require individual notice)', regions: ['SG'], checks: [inSg, notInternal, significantHarm] },
    anchor: 'assessment_completed_at',
    anchorWording: 'at the same time as or after notifying the PDPC',
    stages: [initial(immediately('as soon as practicable, at the same time as or after the PDPC notice', 72), 'assessment_completed_at', 'notify individuals')],
    requiredContent: ['circumstances of the breach', 'the personal data affected', 'the potential harm', 'remedial actions', 'steps individuals can take', 'a contact person'],
    effective: { from: '2021-02-01' },
    status: 'in_force',
    source: { citation: 'PDPA s. 26D', url: 'https://laws.sg/legislation/act-2012-pdpa/section-26d' },
    confidence: 'confirmed',
    notes: ['Not before the PDPC notice.'],
  },
];
