// New York GBL §899-aa (as amended Dec 2024): residents within 30 days; AG, Department of State, State Police and DFS alongside.
import type { Rule } from '../types.js';
import { affectedIn, unencrypted, usStatePersonalInformation } from '../predicates.js';
import { calendarDays, immediately, initial } from './build.js';

const tz = 'America/New_York';
const law = 'New York General Business Law §899-aa';
const url = 'https://www.covingtonblogs.com/2025/01/07/new-york-adopts-amendment-to-the-state-data-breach-notification-law/';

export const usNyRules: Rule[] = [
  {
    id: 'us-ny-899aa-individuals',
    jurisdiction: 'US-NY',
    law,
    article: 'GBL §899-aa(2)',
    notifies: { kind: 'individuals', name: 'affected New York residents' },
    timeZone: tz,
    trigger: { summary: 'Unauthorised access to or acquisition of computerised private information', regions: ['US-NY'], checks: [affectedIn('US-NY'), usStatePersonalInformation(), unencrypted()] },
    anchor: 'discovered_at',
    anchorWording: 'after the breach has been discovered',
    stages: [initial(calendarDays(30, 'most expedient time possible, within 30 days after discovery (law-enforcement delay only)'), 'discovered_at', 'notify residents')],
    requiredContent: [
      'contact details of the business',
      'phone numbers and websites of the state and federal agencies that help with breaches and identity theft',
      'which categories and elements of information were accessed or acquired',
    ],
    effective: { from: '2024-12-21' },
    status: 'in_force',
    source: { citation: 'GBL §899-aa', url },
    confidence: 'confirmed',
  },
  {
    id: 'us-ny-899aa-regulators',
    jurisdiction: 'US-NY',
    law,
    article: 'GBL §899-aa(8)',
    notifies: { kind: 'authority', name: 'NY Attorney General, Department of State, Division of State Police and Department of Financial Services (consumer reporting agencies if over 5,000)' },
    timeZone: tz,
    trigger: { summary: 'Any New York resident is to be notified', regions: ['US-NY'], checks: [affectedIn('US-NY'), usStatePersonalInformation(), unencrypted()] },
    anchor: 'individuals_notified_at',
    anchorWording: 'when residents are notified',
    stages: [initial(immediately('no separate number in the statute: treated as the same time as the resident notice', 24), 'individuals_notified_at', 'notify regulators')],
    requiredContent: ['timing, content and distribution of the notices', 'approximate number of people affected', 'a copy of the template notice'],
    effective: { from: '2024-12-21' },
    status: 'in_force',
    source: { citation: 'GBL §899-aa', url: 'https://mcdonaldhopkins.com/insights/news/changes-to-new-yorks-data-breach-notification-law' },
    confidence: 'uncertain',
    uncertainty: 'No statutory time limit was found for the regulator notice: it is due at once from the resident notice, with the team target as the working deadline.',
  },
];
