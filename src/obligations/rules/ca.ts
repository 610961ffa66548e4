// Canada, PIPEDA s. 10.1 and the Breach of Security Safeguards Regulations: OPC and individuals as soon as feasible where there is a real risk of significant harm.
import type { Rule } from '../types.js';
import { affectedIn, riskAtLeast } from '../predicates.js';
import { followUp, immediately, initial } from './build.js';

const tz = 'America/Toronto';
const law = 'Personal Information Protection and Electronic Documents Act (PIPEDA); SOR/2018-64';
const url = 'https://laws-lois.justice.gc.ca/eng/acts/P-8.6/section-10.1.html';
const rrosh = riskAtLeast('significant', 'real risk of significant harm (RROSH)');

export const caRules: Rule[] = [
  {
    id: 'ca-pipeda-10.1-opc',
    jurisdiction: 'CA',
    law,
    article: 'PIPEDA s. 10.1(1); Regulations s. 2',
    notifies: { kind: 'authority', name: 'Office of the Privacy Commissioner of Canada (OPC)' },
    timeZone: tz,
    trigger: { summary: 'Breach of security safeguards creating a real risk of significant harm', regions: ['CA'], checks: [affectedIn('CA', 'Canada'), rrosh] },
    anchor: 'determined_at',
    anchorWording: 'after the organisation determines that the breach has occurred',
    stages: [initial(immediately('as soon as feasible', 72), 'determined_at', 'report'), followUp('new information', 'Regulations s. 2(2): new information may follow the report')],
    requiredContent: [
      'circumstances and, if known, cause',
      'the day or period of the breach',
      'the personal information involved',
      'how many people are affected, exactly or approximately',
      'steps taken to reduce the risk of harm',
      'steps taken or planned to notify individuals',
      'a contact person',
    ],
    effective: { from: '2018-11-01' },
    status: 'in_force',
    source: { citation: 'PIPEDA s. 10.1', url },
    confidence: 'confirmed',
    notes: ['Every breach is kept on record for 24 months.', 'Other organisations that can reduce the harm are told too (s. 10.2).'],
  },
  {
    id: 'ca-pipeda-10.1-individuals',
    jurisdiction: 'CA',
    law,
    article: 'PIPEDA s. 10.1(3); Regulations s. 3',
    notifies: { kind: 'individuals', name: 'affected individuals in Canada' },
    timeZone: tz,
    trigger: { summary: 'Real risk of significant harm', regions: ['CA'], checks: [affectedIn('CA', 'Canada'), rrosh] },
    anchor: 'determined_at',
    anchorWording: 'after the organisation determines that the breach has occurred',
    stages: [initial(immediately('as soon as feasible', 72), 'determined_at', 'notify individuals')],
    requiredContent: [
      'circumstances of the breach',
      'the day or period',
      'the personal information involved',
      'steps taken to reduce the harm',
      'steps the individual can take',
      'a toll-free number or email address for questions',
      'the internal complaint process and the right to complain to the OPC',
    ],
    effective: { from: '2018-11-01' },
    status: 'in_force',
    source: { citation: 'PIPEDA s. 10.1', url },
    confidence: 'confirmed',
    notes: ['Indirect (public) notice is allowed where direct notice causes further harm or undue hardship, or contacts are missing.'],
  },
];
