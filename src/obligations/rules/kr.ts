// South Korea, PIPA art. 34 and Enforcement Decree arts. 39–40 (amended 2026-09-11): individuals and PIPC/KISA within 72 hours.
import type { Check, Rule } from '../types.js';
import { affectedIn, anyOf, categoryAny, countThreshold, malicious, onOrAfter } from '../predicates.js';
import { followUp, hours, initial } from './build.js';

const tz = 'Asia/Seoul';
const law = 'Personal Information Protection Act (PIPA); Enforcement Decree';
const url = 'https://www.law.go.kr/LSW/lsInfoP.do?lsiSeq=289537';
const inKr = affectedIn('KR', 'Korea');

/** A leak; since 2026-09-11 also forgery, alteration or damage (e.g. ransomware). */
const coveredEvent: Check = (ctx) => {
  const fact = 'leak (or, since 2026-09-11, alteration or damage)';
  if (ctx.incident.nature === 'tampering') {
    return onOrAfter('2026-09-11', fact, () => ({ fact, result: 'yes', detail: 'alteration is covered since 2026-09-11' }))(ctx);
  }
  return { fact, result: 'yes', detail: `nature is ${ctx.incident.nature}` };
};

export const krRules: Rule[] = [
  {
    id: 'kr-pipa-34-pipc',
    jurisdiction: 'KR',
    law,
    article: 'PIPA art. 34(3); Decree art. 40',
    notifies: { kind: 'authority', name: 'Personal Information Protection Commission (PIPC) or KISA' },
    timeZone: tz,
    trigger: {
      summary: '1,000 or more people, sensitive or unique identifying data, or external unlawful access (any number)',
      regions: ['KR'],
      checks: [
        inKr,
        coveredEvent,
        anyOf('reportable leak', [
          countThreshold('KR', 1000, 'at_least', 'Korea'),
          categoryAny(['religious_beliefs', 'medical_health', 'specific_identity'], 'sensitive or unique identifying information'),
          malicious('external unlawful access to the processing system'),
        ]),
      ],
    },
    anchor: 'aware_at',
    anchorWording: 'within 72 hours of becoming aware',
    stages: [initial(hours(72, 'within 72 hours'), 'aware_at', 'initial report', 'facts confirmed so far'), followUp('supplementary report', 'further facts as soon as they are confirmed')],
    requiredContent: ['the personal information items leaked', 'when and how it happened', 'what data subjects can do', "the processor's response and remedy procedure", 'the department to contact', 'rights to damages and dispute mediation (2026)'],
    effective: { from: '2023-09-15' },
    status: 'in_force',
    source: { citation: 'PIPA art. 34; Decree art. 40', url },
    confidence: 'confirmed',
    notes: ['May be skipped when retrieval or deletion makes the risk remarkably low (record a determination).'],
  },
  {
    id: 'kr-pipa-34-individuals',
    jurisdiction: 'KR',
    law,
    article: 'PIPA art. 34(1); Decree art. 39',
    notifies: { kind: 'individuals', name: 'affected data subjects' },
    timeZone: tz,
    trigger: { summary: 'Any leak the processor becomes aware of; since 2026-09-11 also a possible leak', regions: ['KR'], checks: [inKr, coveredEvent] },
    anchor: 'aware_at',
    anchorWording: 'within 72 hours of becoming aware',
    stages: [initial(hours(72, 'within 72 hours (later only for urgent containment or force majeure)'), 'aware_at', 'notice'), followUp('supplementary notice')],
    requiredContent: ['the personal information items leaked', 'when and how it happened', 'what the data subject can do', "the processor's response and remedy procedure", 'where to report and ask for help', 'rights to damages and dispute mediation (2026)'],
    effective: { from: '2023-09-15' },
    status: 'in_force',
    source: { citation: 'PIPA art. 34; Decree art. 39', url: 'https://www.law.go.kr/LSW/lsInfoP.do?lsId=011357' },
    confidence: 'confirmed',
    notes: ['Without contact details: a website posting for at least 30 days.'],
  },
];
