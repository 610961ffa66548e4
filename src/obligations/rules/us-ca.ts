// California Civil Code §1798.82 (as amended by SB 446): residents within 30 days, the Attorney General 15 days after them when over 500.
import type { Rule } from '../types.js';
import { countThreshold } from '../predicates.js';
import { calendarDays, initial } from './build.js';
import { stateBreach } from './us-states.js';

const tz = 'America/Los_Angeles';
const law = 'California Civil Code §1798.82 (SB 446, from 2026-01-01)';

export const usCaRules: Rule[] = [
  {
    id: 'us-ca-1798.82-individuals',
    jurisdiction: 'US-CA',
    law,
    article: 'Cal. Civ. Code §1798.82(a)',
    notifies: { kind: 'individuals', name: 'affected California residents' },
    timeZone: tz,
    trigger: { summary: "Unencrypted personal information of a California resident acquired, or reasonably believed acquired, by an unauthorised person", regions: ['US-CA'], checks: stateBreach('US-CA') },
    anchor: 'discovered_at',
    anchorWording: 'discovery or notification of the breach',
    stages: [initial(calendarDays(30, 'within 30 calendar days of discovery (law-enforcement or scope delays allowed)'), 'discovered_at', 'notify residents')],
    requiredContent: [
      'titled "Notice of Data Breach" with the headings What Happened, What Information Was Involved, What We Are Doing, What You Can Do, For More Information, in at least 10-point type',
      'name and contact details of the business',
      'the kinds of personal information involved',
      'the date, estimated date or date range of the breach',
      'whether a law-enforcement investigation delayed the notice',
      'a general description of the incident',
      'credit bureau phone numbers and addresses when an SSN, licence or ID number was exposed',
      '12 months of free identity-theft prevention when the business was the source and an SSN or ID number was exposed',
    ],
    effective: {},
    status: 'in_force',
    source: { citation: 'Cal. Civ. Code §1798.82', url: 'https://www.dataprotectionreport.com/2025/11/california-tightens-data-breach-notification-timelines-imposes-30-day-notice-requirement/' },
    confidence: 'confirmed',
    notes: ['The 30-day limit applies from 2026-01-01; before that the statute set no number.'],
  },
  {
    id: 'us-ca-1798.82-ag',
    jurisdiction: 'US-CA',
    law,
    article: 'Cal. Civ. Code §1798.82(f)',
    notifies: { kind: 'authority', name: 'California Attorney General (electronic submission)' },
    timeZone: tz,
    trigger: { summary: 'Notice owed to more than 500 California residents for one breach', regions: ['US-CA'], checks: [...stateBreach('US-CA'), countThreshold('US-CA', 500, 'more_than')] },
    anchor: 'individuals_notified_at',
    anchorWording: 'after notifying the affected consumers',
    stages: [initial(calendarDays(15, 'within 15 calendar days of notifying consumers'), 'individuals_notified_at', 'submit sample notice')],
    requiredContent: ['one sample copy of the consumer notice, without personal information'],
    effective: {},
    status: 'in_force',
    source: { citation: 'Cal. Civ. Code §1798.82(f)', url: 'https://www.lcwlegal.com/news/sb-446-requires-disclosure-of-data-breaches-to-consumers-within-30-days' },
    confidence: 'confirmed',
    notes: ['Worst case is discovery + 30 + 15 days.'],
  },
];
