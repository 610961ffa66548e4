// Hong Kong, PDPO (Cap. 486): no statutory duty; the PCPD recommends notice as soon as practicable.
import type { Rule } from '../types.js';
import { affectedIn, riskAtLeast } from '../predicates.js';
import { immediately, initial } from './build.js';

export const hkRules: Rule[] = [
  {
    id: 'hk-pdpo-voluntary',
    jurisdiction: 'HK',
    law: 'Personal Data (Privacy) Ordinance (Cap. 486); PCPD guidance (June 2023)',
    article: 'PCPD Guidance on Data Breach Handling',
    notifies: { kind: 'both', name: 'Privacy Commissioner for Personal Data (PCPD) and affected data subjects (recommended)' },
    timeZone: 'Asia/Hong_Kong',
    trigger: { summary: 'Data breach, especially with a real risk of harm', regions: ['HK'], checks: [affectedIn('HK', 'Hong Kong'), riskAtLeast('risk', 'real risk of harm')] },
    anchor: 'aware_at',
    anchorWording: 'as soon as practicable after becoming aware, whatever the state of the investigation',
    stages: [initial(immediately('as soon as practicable (recommended practice)'), 'aware_at', 'notify PCPD and data subjects')],
    requiredContent: ['a general description', 'the kind and amount of data', 'the cause', 'the risk of harm', 'remedial actions', 'a contact'],
    effective: {},
    status: 'voluntary',
    source: { citation: 'PCPD data breach notification guidance', url: 'https://www.pcpd.org.hk/english/enforcement/data_breach_notification/dbn.html' },
    confidence: 'confirmed',
    notes: ['Recommended, not mandatory. Cap. 653 (critical infrastructure operators only, 12 h / 48 h) is not modelled.'],
  },
];
