// Washington RCW 19.255.010: residents and, over 500, the Attorney General, both within 30 days of discovery.
import type { Rule } from '../types.js';
import { countThreshold, riskNotUnlikely } from '../predicates.js';
import { calendarDays, initial } from './build.js';
import { stateBreach } from './us-states.js';

const tz = 'America/Los_Angeles';
const law = 'Revised Code of Washington 19.255.010';
const url = 'https://atg.wa.gov/washington-s-data-breach-notification-laws';
const harm = riskNotUnlikely('reasonably likely to expose consumers to a risk of harm');

export const usWaRules: Rule[] = [
  {
    id: 'us-wa-19.255-individuals',
    jurisdiction: 'US-WA',
    law,
    article: 'RCW 19.255.010(1), (8)',
    notifies: { kind: 'individuals', name: 'affected Washington residents' },
    timeZone: tz,
    trigger: { summary: 'Unauthorised acquisition of unsecured personal information with a risk of harm', regions: ['US-WA'], checks: stateBreach('US-WA', [harm]) },
    anchor: 'discovered_at',
    anchorWording: 'after the breach was discovered',
    stages: [initial(calendarDays(30, 'most expedient time possible, within 30 calendar days of discovery'), 'discovered_at', 'notify residents')],
    requiredContent: ['name and contact of the business', 'kinds of personal information', 'date or estimated date', 'whether law enforcement delayed the notice', 'a general description', 'credit bureau numbers and addresses when an SSN, licence or ID number was exposed'],
    effective: {},
    status: 'in_force',
    source: { citation: 'RCW 19.255.010', url },
    confidence: 'confirmed',
  },
  {
    id: 'us-wa-19.255-ag',
    jurisdiction: 'US-WA',
    law,
    article: 'RCW 19.255.010(7)',
    notifies: { kind: 'authority', name: 'Washington Attorney General (web form)' },
    timeZone: tz,
    trigger: { summary: 'Breach affecting more than 500 Washington residents', regions: ['US-WA'], checks: [...stateBreach('US-WA', [harm]), countThreshold('US-WA', 500, 'more_than')] },
    anchor: 'discovered_at',
    anchorWording: 'after the breach was discovered',
    stages: [initial(calendarDays(30, 'within 30 days of discovery'), 'discovered_at', 'report')],
    requiredContent: ['sample consumer notice', 'number of Washington residents affected', 'kinds of personal information', 'date or estimated date and the time frame of exposure', 'summary of containment steps'],
    effective: {},
    status: 'in_force',
    source: { citation: 'RCW 19.255.010', url },
    confidence: 'confirmed',
    notes: ['One secondary source says "without unreasonable delay"; the Attorney General\'s own page says 30 days, which is used.'],
  },
];
