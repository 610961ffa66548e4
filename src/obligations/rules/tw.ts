// Taiwan: current PDPA art. 12 (individuals after investigation), the MODA digital-economy 72-hour rule, and the amended art. 12 (not in force).
import type { Rule } from '../types.js';
import { affectedIn, always, anyOf, categoryAny, countThreshold, orgFlag } from '../predicates.js';
import { hours, immediately, initial } from './build.js';

const tz = 'Asia/Taipei';
const inTw = affectedIn('TW', 'Taiwan');

export const twRules: Rule[] = [
  {
    id: 'tw-pdpa-12-current',
    jurisdiction: 'TW',
    law: 'Personal Data Protection Act; Enforcement Rules art. 22',
    article: 'PDPA art. 12',
    notifies: { kind: 'individuals', name: 'affected data subjects' },
    timeZone: tz,
    trigger: { summary: 'Personal data stolen, leaked, altered or otherwise infringed', regions: ['TW'], checks: [inTw, always('personal data infringed', 'no threshold')] },
    anchor: 'assessment_completed_at',
    anchorWording: '查明後 (after the facts are established by investigation)',
    stages: [initial(immediately('promptly (即時) after investigation'), 'assessment_completed_at', 'notify data subjects')],
    requiredContent: ['the facts of the infringement', 'the measures already taken'],
    effective: {},
    status: 'in_force',
    source: { citation: 'PDPA art. 12; Enforcement Rules art. 22', url: 'https://www.pdpc.gov.tw/en/News_Content/169/741/' },
    confidence: 'confirmed',
    notes: ['No general duty to report to a regulator under the current Act.', 'When notice costs too much, the internet or news media may be used.'],
  },
  {
    id: 'tw-moda-digital-economy-72h',
    jurisdiction: 'TW',
    law: 'MODA rules on personal data security for digital-economy industries',
    article: 'MODA security maintenance measures (Annex 1 industries)',
    notifies: { kind: 'authority', name: 'Ministry of Digital Affairs (or the local government, copying MODA)' },
    timeZone: tz,
    trigger: { summary: 'A business in a listed digital-economy industry suffers an incident endangering operations or many data subjects', regions: ['TW'], checks: [inTw, orgFlag('tw_digital_economy_business', true, 'listed digital-economy business (MODA Annex 1)')] },
    anchor: 'aware_at',
    anchorWording: 'within 72 hours of learning of the incident',
    stages: [initial(hours(72, 'within 72 hours'), 'aware_at', 'report')],
    requiredContent: ['the Annex 2 reporting form'],
    effective: {},
    status: 'in_force',
    source: { citation: 'MODA measures', url: 'https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=K0010162' },
    confidence: 'uncertain',
    uncertainty: 'Whether NIIMBOT is in an Annex 1 industry is not verified: the rule is "possible" until the organisation profile says (tw_digital_economy_business).',
  },
  {
    id: 'tw-pdpa-12-amended',
    jurisdiction: 'TW',
    law: 'Amended Personal Data Protection Act (promulgated 2025-11-11); draft measures of 2026-01-22',
    article: 'amended PDPA art. 12 (draft measures)',
    notifies: { kind: 'both', name: 'Personal Data Protection Commission (once set up) and data subjects' },
    timeZone: tz,
    trigger: {
      summary: 'Draft: report where special-category data is involved, the system holds 10,000 or more records, or 100 or more are affected',
      regions: ['TW'],
      checks: [inTw, anyOf('reportable (draft)', [categoryAny(['medical_health', 'religious_beliefs', 'specific_identity'], 'special-category data'), countThreshold('TW', 100, 'at_least', 'Taiwan')])],
    },
    anchor: 'aware_at',
    anchorWording: 'within 72 hours of knowledge (draft)',
    stages: [initial(hours(72, 'draft: within 72 hours'), 'aware_at', 'notify and report')],
    requiredContent: ['to be prescribed by the PDPC'],
    effective: {},
    status: 'not_in_force',
    source: { citation: 'amended PDPA art. 12 (draft)', url: 'https://www.pdpc.gov.tw/News_Content/20/1099' },
    confidence: 'uncertain',
    uncertainty: 'Not in force and no effective date set; the measures are a draft: inactive unless enabled by name for a what-if.',
  },
];
