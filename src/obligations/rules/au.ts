// Australia, Privacy Act 1988 Part IIIC (Notifiable Data Breaches): 30-day assessment, then the OAIC and individuals as soon as practicable.
import type { Rule } from '../types.js';
import { affectedIn, orgFlag, riskAtLeast } from '../predicates.js';
import { calendarDays, immediately, initial, rollForward } from './build.js';

const tz = 'Australia/Sydney';
const law = 'Privacy Act 1988 (Cth), Part IIIC';
const appEntity = orgFlag('au_app_entity', true, 'APP entity (generally turnover above AUD 3 M)');
const inAu = affectedIn('AU', 'Australia');
const seriousHarm = riskAtLeast('significant', 'likely to result in serious harm (eligible data breach)');

export const auRules: Rule[] = [
  {
    id: 'au-ndb-26wh-assessment',
    jurisdiction: 'AU',
    law,
    article: 'Privacy Act s. 26WH',
    notifies: { kind: 'internal', name: 'internal assessment (nothing is filed)' },
    timeZone: tz,
    trigger: { summary: 'Reasonable grounds to suspect an eligible data breach', regions: ['AU'], checks: [inAu, appEntity] },
    anchor: 'discovered_at',
    anchorWording: 'becoming aware of grounds to suspect an eligible data breach',
    stages: [initial(calendarDays(30, 'take all reasonable steps to finish the assessment within 30 days', rollForward.AU), 'discovered_at', 'complete the assessment')],
    requiredContent: [],
    effective: { from: '2018-02-22' },
    status: 'in_force',
    source: { citation: 'Privacy Act s. 26WH', url: 'https://rulesmate.com.au/insights/oaic-eligible-data-breach-statement-content' },
    confidence: 'confirmed',
    notes: ['Met when assessment_completed_at is recorded (or a filing for stage "initial" is logged).'],
  },
  {
    id: 'au-ndb-26wk-oaic',
    jurisdiction: 'AU',
    law,
    article: 'Privacy Act s. 26WK',
    notifies: { kind: 'authority', name: 'Office of the Australian Information Commissioner (OAIC)' },
    timeZone: tz,
    trigger: { summary: 'Reasonable grounds to believe there was an eligible data breach (serious harm, not remediated)', regions: ['AU'], checks: [inAu, appEntity, seriousHarm] },
    anchor: 'determined_at',
    anchorWording: 'becoming aware of reasonable grounds to believe there has been an eligible data breach',
    stages: [initial(immediately('as soon as practicable', 72), 'determined_at', 'statement to the OAIC')],
    requiredContent: ['identity and contact details of the entity', 'a description of the breach', 'the kinds of information concerned', 'recommended steps for individuals', 'other entities involved (optional)'],
    effective: { from: '2018-02-22' },
    status: 'in_force',
    source: { citation: 'Privacy Act s. 26WK', url: 'https://zoelaw.ai/legislation/privacy-act-1988/sections/26WK' },
    confidence: 'confirmed',
    notes: ['The Commissioner may exempt or extend (s. 26WQ).'],
  },
  {
    id: 'au-ndb-26wl-individuals',
    jurisdiction: 'AU',
    law,
    article: 'Privacy Act s. 26WL',
    notifies: { kind: 'individuals', name: 'affected or at-risk individuals (else publish on the website)' },
    timeZone: tz,
    trigger: { summary: 'Eligible data breach (statement prepared under s. 26WK)', regions: ['AU'], checks: [inAu, appEntity, seriousHarm] },
    anchor: 'determined_at',
    anchorWording: 'as soon as practicable after preparing the s. 26WK statement',
    stages: [initial(immediately('as soon as practicable after the statement', 72), 'determined_at', 'notify individuals')],
    requiredContent: ['the contents of the s. 26WK statement'],
    effective: { from: '2018-02-22' },
    status: 'in_force',
    source: { citation: 'Privacy Act s. 26WL', url: 'https://source.tailor.au/topics/6196e639-7690-43b6-91e9-012ab4263d93' },
    confidence: 'confirmed',
  },
];
