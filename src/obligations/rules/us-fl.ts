// Florida Statutes §501.171: individuals within 30 days (15 more for good cause), the Department of Legal Affairs at 500 or more.
import type { Rule } from '../types.js';
import { countThreshold, riskNotUnlikely } from '../predicates.js';
import { calendarDays, initial } from './build.js';
import { stateBreach } from './us-states.js';

const tz = 'America/New_York';
const law = 'Florida Statutes §501.171';
const harm = riskNotUnlikely('identity theft or financial harm not ruled out');

export const usFlRules: Rule[] = [
  {
    id: 'us-fl-501.171-individuals',
    jurisdiction: 'US-FL',
    law,
    article: 'Fla. Stat. §501.171(4)',
    notifies: { kind: 'individuals', name: 'affected Florida individuals' },
    timeZone: tz,
    trigger: { summary: 'Unauthorised access to electronic personal information, unless harm is found not reasonably likely (documented)', regions: ['US-FL'], checks: stateBreach('US-FL', [harm]) },
    anchor: 'determined_at',
    anchorWording: 'determination of a breach or reason to believe one occurred',
    stages: [
      initial(calendarDays(30, 'as expeditiously as practicable, within 30 days'), 'determined_at', 'notify individuals'),
      {
        key: 'extension',
        name: 'extended notice (good cause shown to the Department in writing)',
        kind: 'final',
        deadline: calendarDays(15, '15 more days'),
        start: { afterDueOf: 'initial' },
        required: false,
        description: 'only when good cause was given in writing within 30 days of determination',
      },
    ],
    requiredContent: ['date, estimated date or date range of the breach', 'the personal information accessed', 'contact details for questions'],
    effective: {},
    status: 'in_force',
    source: { citation: 'Fla. Stat. §501.171', url: 'https://www.swlaw.com/data-breach-map/view/state/fl' },
    confidence: 'confirmed',
  },
  {
    id: 'us-fl-501.171-ag',
    jurisdiction: 'US-FL',
    law,
    article: 'Fla. Stat. §501.171(3)',
    notifies: { kind: 'authority', name: 'Florida Department of Legal Affairs' },
    timeZone: tz,
    trigger: { summary: 'Breach affecting 500 or more individuals in Florida', regions: ['US-FL'], checks: [...stateBreach('US-FL', [harm]), countThreshold('US-FL', 500, 'at_least')] },
    anchor: 'determined_at',
    anchorWording: 'determination of a breach or reason to believe one occurred',
    stages: [initial(calendarDays(30, 'within 30 days'), 'determined_at', 'report')],
    requiredContent: ['a synopsis of events', 'number of Floridians affected', 'free services offered and how to use them', 'a copy of the notice or what else was done', 'a contact (name, address, phone, email)'],
    effective: {},
    status: 'in_force',
    source: { citation: 'Fla. Stat. §501.171', url: 'https://www.wordsbywit.com/florida' },
    confidence: 'confirmed',
  },
];
