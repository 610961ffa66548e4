// Texas Business and Commerce Code §521.053: individuals within 60 days, the Attorney General within 30 days at 250 or more Texans.
import type { Rule } from '../types.js';
import { countThreshold } from '../predicates.js';
import { calendarDays, initial, rollForward } from './build.js';
import { stateBreach } from './us-states.js';

const tz = 'America/Chicago';
const law = 'Texas Business and Commerce Code §521.053';

export const usTxRules: Rule[] = [
  {
    id: 'us-tx-521.053-individuals',
    jurisdiction: 'US-TX',
    law,
    article: 'Tex. Bus. & Com. Code §521.053(b)',
    notifies: { kind: 'individuals', name: 'affected individuals' },
    timeZone: tz,
    trigger: { summary: 'Unauthorised acquisition of sensitive personal information (no risk-of-harm exception)', regions: ['US-TX'], checks: stateBreach('US-TX') },
    anchor: 'determined_at',
    anchorWording: 'the date the person determines that the breach occurred',
    stages: [initial(calendarDays(60, 'without unreasonable delay and by the 60th day after determination', rollForward['US-TX']), 'determined_at', 'notify individuals')],
    requiredContent: ['the statute sets no detailed list; give the date, the information involved and a contact'],
    effective: {},
    status: 'in_force',
    source: { citation: 'Tex. Bus. & Com. Code §521.053', url: 'https://lawserver.com/law/state/texas/tx-codes/texas_business_and_commerce_code_521-053' },
    confidence: 'confirmed',
  },
  {
    id: 'us-tx-521.053-ag',
    jurisdiction: 'US-TX',
    law,
    article: 'Tex. Bus. & Com. Code §521.053(i)',
    notifies: { kind: 'authority', name: 'Texas Attorney General (electronic form, published by the AG)' },
    timeZone: tz,
    trigger: { summary: 'Breach involving at least 250 Texas residents', regions: ['US-TX'], checks: [...stateBreach('US-TX'), countThreshold('US-TX', 250, 'at_least')] },
    anchor: 'determined_at',
    anchorWording: 'after determining that the breach occurred',
    stages: [initial(calendarDays(30, 'as soon as practicable and within 30 days after determination', rollForward['US-TX']), 'determined_at', 'report')],
    requiredContent: [
      'a detailed description of what happened and how',
      'the number of Texas residents affected',
      'how many were notified by mail or another direct method',
      'measures taken and planned',
      'whether law enforcement is investigating',
    ],
    effective: {},
    status: 'in_force',
    source: { citation: 'Tex. Bus. & Com. Code §521.053', url: 'https://www.perkinscoie.com/en/news-insights/security-breach-notification-chart-texas.html' },
    confidence: 'confirmed',
    notes: ['The AG deadline (30 days) is shorter than the one for individuals (60 days).'],
  },
];
