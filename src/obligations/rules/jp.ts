// Japan, APPI art. 26 and PPC Rules arts. 7–10: preliminary report promptly, final report in 30 days (60 for malicious cases), individuals promptly.
import type { Check, Rule } from '../types.js';
import { affectedIn, anyOf, categoryAny, countThreshold, incidentFlag, malicious, not } from '../predicates.js';
import { calendarDays, immediately, initial } from './build.js';

const tz = 'Asia/Tokyo';
const law = 'Act on the Protection of Personal Information (APPI); PPC Rules';
const inJp = affectedIn('JP', 'Japan');
const unlawful = malicious('possibly caused with an unlawful purpose (intrusion, ransomware, insider theft)');
const reportable: Check = anyOf('reportable situation (APPI art. 26 / PPC Rules art. 7)', [
  categoryAny(['medical_health', 'religious_beliefs'], 'special-care-required personal information'),
  anyOf('risk of financial damage', [categoryAny(['financial_account'], 'financial account data'), incidentFlag('credentials_exposed', true, 'credentials exposed')]),
  unlawful,
  countThreshold('JP', 1000, 'more_than', 'Japan'),
]);
const dayRule = 'Whether the day of awareness counts as day 1, and holiday roll-over, are not verified: the engine does not count the day of awareness and does not roll.';

export const jpRules: Rule[] = [
  {
    id: 'jp-appi-26-ppc',
    jurisdiction: 'JP',
    law,
    article: 'APPI art. 26(1); PPC Rules arts. 7, 8',
    notifies: { kind: 'authority', name: 'Personal Information Protection Commission (PPC) or the delegated ministry' },
    timeZone: tz,
    trigger: { summary: 'Actual or suspected leak of special-care data, data risking financial damage, any malicious case, or more than 1,000 people', regions: ['JP'], checks: [inJp, reportable] },
    anchor: 'aware_at',
    anchorWording: 'from the day the business becomes aware',
    stages: [
      initial(immediately('速やかに (promptly)', 72, { days: 5, text: 'PPC guidance: the preliminary report within about 3–5 days of awareness' }), 'aware_at', 'preliminary report (速報)'),
      { key: 'final', name: 'final report (確報)', kind: 'final', deadline: calendarDays(30, 'within 30 days of awareness'), start: { anchor: 'aware_at' }, required: true, condition: not('not a malicious case', unlawful) },
      { key: 'final', name: 'final report (確報), unlawful-purpose case', kind: 'final', deadline: calendarDays(60, 'within 60 days of awareness'), start: { anchor: 'aware_at' }, required: true, condition: unlawful },
    ],
    requiredContent: ['overview', 'the items of personal data', 'the number of people', 'the cause', 'secondary damage or its risk', 'response to the people affected', 'public announcement', 'measures against recurrence', 'anything else useful'],
    effective: { from: '2022-04-01' },
    status: 'in_force',
    source: { citation: 'APPI art. 26; PPC Rules arts. 7–8', url: 'https://www.ppc.go.jp/personalinfo/legal/leakAction/' },
    confidence: 'confirmed',
    uncertainty: dayRule,
    notes: ['The 2026 APPI amendment (promulgated 2026-07-17) is not in force yet.'],
  },
  {
    id: 'jp-appi-26-individuals',
    jurisdiction: 'JP',
    law,
    article: 'APPI art. 26(2); PPC Rules art. 10',
    notifies: { kind: 'individuals', name: 'affected principals (本人)' },
    timeZone: tz,
    trigger: { summary: 'The same situations as the PPC report', regions: ['JP'], checks: [inJp, reportable] },
    anchor: 'aware_at',
    anchorWording: 'promptly according to the circumstances',
    stages: [initial(immediately('promptly according to the circumstances', 72), 'aware_at', 'notify individuals')],
    requiredContent: ['overview', 'the items of personal data', 'the cause', 'secondary damage or its risk', 'other useful matters'],
    effective: { from: '2022-04-01' },
    status: 'in_force',
    source: { citation: 'APPI art. 26(2)', url: 'https://laws.e-gov.go.jp/law/415AC0000000057' },
    confidence: 'confirmed',
    notes: ['Where individual notice is hard, an alternative such as a public announcement is allowed.'],
  },
];
