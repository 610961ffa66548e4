// Brazil, LGPD art. 48 and ANPD Resolution CD/ANPD 15/2024: ANPD and data subjects within 3 business days, complementary information within 20.
import type { Check, Rule, Stage } from '../types.js';
import { affectedIn, anyOf, categoryAny, incidentFlag, riskAtLeast } from '../predicates.js';
import { businessDays, initial } from './build.js';

const tz = 'America/Sao_Paulo';
const law = 'Lei Geral de Proteção de Dados (LGPD); Resolution CD/ANPD 15/2024';
const url = 'https://bastilhocoelho.com.br/?p=5679';

const relevantRisk: Check[] = [
  affectedIn('BR', 'Brazil'),
  riskAtLeast('significant', 'may significantly affect interests or fundamental rights'),
  anyOf('special circumstance (Res. 15/2024 art. 5)', [
    categoryAny(['religious_beliefs', 'medical_health', 'specific_identity', 'children', 'financial_account'], 'sensitive, children\'s or financial data'),
    incidentFlag('credentials_exposed', true, 'authentication data'),
    incidentFlag('large_scale', true, 'large-scale data'),
  ]),
];

const small: Check = (ctx) => ({ fact: 'small-scale processing agent', result: ctx.organisation.br_small_processing_agent === true ? 'yes' : 'no', detail: `br_small_processing_agent: ${ctx.organisation.br_small_processing_agent ?? 'not recorded (standard period)'}` });
const standard: Check = (ctx) => ({ fact: 'standard period', result: ctx.organisation.br_small_processing_agent === true ? 'no' : 'yes', detail: 'small agents get double time' });

function communication(name: string): Stage[] {
  return [
    { ...initial(businessDays(3, 'BR', '3 dias úteis from knowledge'), 'aware_at', name), condition: standard },
    { ...initial(businessDays(6, 'BR', '6 dias úteis (doubled for small-scale agents)'), 'aware_at', name), condition: small },
  ];
}

const uncertainty = 'Counting of dias úteis (start-day exclusion, local holidays) is not verified: the engine skips the day of knowledge, weekends and national public holidays; Federal District holidays and Carnival (not a national holiday) are not skipped.';

export const brRules: Rule[] = [
  {
    id: 'br-lgpd-48-anpd',
    jurisdiction: 'BR',
    law,
    article: 'LGPD art. 48; Res. 15/2024 arts. 5–6',
    notifies: { kind: 'authority', name: 'Autoridade Nacional de Proteção de Dados (ANPD)' },
    timeZone: tz,
    trigger: { summary: 'Relevant risk or damage: significant effect on rights plus sensitive, children\'s, elderly, financial, authentication, secret or large-scale data', regions: ['BR'], checks: relevantRisk },
    anchor: 'aware_at',
    anchorWording: "the controller's knowledge that the incident affected personal data",
    stages: [
      ...communication('communication to the ANPD'),
      { key: 'complementary', name: 'complementary information', kind: 'final', deadline: businessDays(20, 'BR', '20 dias úteis from the communication'), start: { afterFilingOf: 'initial' }, required: true },
    ],
    requiredContent: [
      'the nature and categories of the personal data affected',
      'the number and kinds of data subjects (children and elderly people included)',
      'the technical and security measures used',
      'the risks of the incident',
      'reasons for any delay',
      'measures adopted or to be adopted',
      'documents on the DPO or representative',
    ],
    effective: { from: '2024-04-26' },
    status: 'in_force',
    source: { citation: 'LGPD art. 48; Res. CD/ANPD 15/2024', url },
    confidence: 'confirmed',
    uncertainty,
    notes: ['Incident records are kept for at least 5 years.'],
  },
  {
    id: 'br-lgpd-48-individuals',
    jurisdiction: 'BR',
    law,
    article: 'LGPD art. 48; Res. 15/2024 art. 9',
    notifies: { kind: 'individuals', name: 'affected data subjects (else a public notice kept for 90 days)' },
    timeZone: tz,
    trigger: { summary: 'The same as the ANPD communication', regions: ['BR'], checks: relevantRisk },
    anchor: 'aware_at',
    anchorWording: "the controller's knowledge that the incident affected personal data",
    stages: communication('notify data subjects'),
    requiredContent: ['in simple, clear words: the personal data affected', 'the risks', 'the technical and security measures', 'reasons for any delay', 'measures taken or to be taken', 'the date the incident became known', 'how to reach the DPO'],
    effective: { from: '2024-04-26' },
    status: 'in_force',
    source: { citation: 'LGPD art. 48; Res. CD/ANPD 15/2024', url },
    confidence: 'confirmed',
    uncertainty,
  },
];
