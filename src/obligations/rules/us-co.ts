// Colorado Revised Statutes §6-1-716: residents and, at 500 or more, the Attorney General, within 30 days of determination.
import type { Rule } from '../types.js';
import { countThreshold, riskNotUnlikely } from '../predicates.js';
import { calendarDays, initial } from './build.js';
import { stateBreach } from './us-states.js';

const tz = 'America/Denver';
const law = 'Colorado Revised Statutes §6-1-716';
const url = 'https://complianceiq.site/breach-notification/colorado';
const misuse = riskNotUnlikely('misuse has occurred or is reasonably likely');

export const usCoRules: Rule[] = [
  {
    id: 'us-co-6-1-716-individuals',
    jurisdiction: 'US-CO',
    law,
    article: 'C.R.S. §6-1-716(2)',
    notifies: { kind: 'individuals', name: 'affected Colorado residents' },
    timeZone: tz,
    trigger: { summary: 'Unauthorised acquisition of unencrypted personal information, unless misuse is found not reasonably likely', regions: ['US-CO'], checks: stateBreach('US-CO', [misuse]) },
    anchor: 'determined_at',
    anchorWording: 'determination that a breach occurred (enough evidence to conclude it)',
    stages: [initial(calendarDays(30, 'within 30 days after determination'), 'determined_at', 'notify residents')],
    requiredContent: [
      'date, estimated date or range',
      'the personal information acquired',
      'how to contact the business',
      'phone numbers, addresses and websites of the credit bureaus and the FTC',
      'that residents can learn about fraud alerts and security freezes',
      'for online credentials: change the password and security questions',
    ],
    effective: {},
    status: 'in_force',
    source: { citation: 'C.R.S. §6-1-716', url },
    confidence: 'confirmed',
    notes: ['Where another applicable law sets a shorter deadline, that one controls.', 'Substitute notice threshold here is 250,000 Colorado residents (not 500,000).'],
  },
  {
    id: 'us-co-6-1-716-ag',
    jurisdiction: 'US-CO',
    law,
    article: 'C.R.S. §6-1-716(2)(f)',
    notifies: { kind: 'authority', name: 'Colorado Attorney General' },
    timeZone: tz,
    trigger: { summary: 'Breach reasonably believed to affect 500 or more Colorado residents', regions: ['US-CO'], checks: [...stateBreach('US-CO', [misuse]), countThreshold('US-CO', 500, 'at_least')] },
    anchor: 'determined_at',
    anchorWording: 'determination that a breach occurred',
    stages: [initial(calendarDays(30, 'within 30 days after determination'), 'determined_at', 'report')],
    requiredContent: ['the breach, the number affected and its nature (AG form)'],
    effective: {},
    status: 'in_force',
    source: { citation: 'C.R.S. §6-1-716', url },
    confidence: 'confirmed',
  },
];
