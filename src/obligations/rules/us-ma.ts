// Massachusetts G.L. c. 93H §3: residents, the Attorney General and OCABR, as soon as practicable, from the first resident.
import type { Rule } from '../types.js';
import { immediately, initial } from './build.js';
import { stateBreach } from './us-states.js';

const tz = 'America/New_York';
const law = 'Massachusetts General Laws c. 93H §3';
const url = 'https://www.mass.gov/info-details/notifications-in-the-event-of-a-data-breach';

export const usMaRules: Rule[] = [
  {
    id: 'us-ma-93h-individuals',
    jurisdiction: 'US-MA',
    law,
    article: 'M.G.L. c. 93H §3(b)',
    notifies: { kind: 'individuals', name: 'affected Massachusetts residents' },
    timeZone: tz,
    trigger: { summary: 'Breach of security, or personal information acquired or used without authorisation', regions: ['US-MA'], checks: stateBreach('US-MA') },
    anchor: 'discovered_at',
    anchorWording: 'as soon as practicable after knowing or having reason to know',
    stages: [initial(immediately('as soon as practicable and without unreasonable delay; waiting to learn how many residents are affected is not allowed', 72), 'discovered_at', 'notify residents')],
    requiredContent: [
      'the right to obtain a police report',
      'how to request a free security freeze and what is needed for it',
      'mitigation services (18 months of credit monitoring if SSNs were involved)',
      'the parent or affiliate, if any',
      'must NOT state the nature of the breach or the number of residents affected',
    ],
    effective: {},
    status: 'in_force',
    source: { citation: 'M.G.L. c. 93H §3', url },
    confidence: 'confirmed',
  },
  {
    id: 'us-ma-93h-regulators',
    jurisdiction: 'US-MA',
    law,
    article: 'M.G.L. c. 93H §3(b)',
    notifies: { kind: 'authority', name: 'Massachusetts Attorney General and the Director of OCABR' },
    timeZone: tz,
    trigger: { summary: 'Any Massachusetts resident affected', regions: ['US-MA'], checks: stateBreach('US-MA') },
    anchor: 'discovered_at',
    anchorWording: 'as soon as practicable after knowing or having reason to know',
    stages: [initial(immediately('as soon as practicable and without unreasonable delay', 72), 'discovered_at', 'notify regulators')],
    requiredContent: ['the nature of the breach', 'number of Massachusetts residents affected', 'steps taken or planned', 'whether a written information security programme is maintained'],
    effective: {},
    status: 'in_force',
    source: { citation: 'M.G.L. c. 93H §3', url },
    confidence: 'confirmed',
  },
];
