// The company's own promise (privacy policy section IV(v)): tell users promptly, with four required elements, wherever they live.
import type { Rule } from '../types.js';
import { always } from '../predicates.js';
import { immediately, initial } from './build.js';

export const companyRules: Rule[] = [
  {
    id: 'cn-niimbot-policy-IVv',
    jurisdiction: 'company',
    law: 'NIIMBOT privacy policy (contractual promise; mirrors GB/T 35273 §10.2)',
    article: 'Privacy policy section IV(v)',
    notifies: { kind: 'both', name: 'affected users (email, letter, phone, in-app notification; public announcement where individual notice is impractical); regulators when required' },
    timeZone: 'Asia/Shanghai',
    trigger: { summary: 'Any personal-information security incident, for every user wherever they live', regions: [], checks: [always('personal-information security incident', 'the policy promises notice for every such incident')] },
    anchor: 'discovered_at',
    anchorWording: '"promptly" after the incident',
    stages: [initial(immediately('"promptly inform you"'), 'discovered_at', 'notify users')],
    requiredContent: [
      'the nature and potential impact of the incident',
      'the disposal measures taken or to be taken',
      'suggestions for self-protection and reducing risk',
      'the remedial actions open to the user',
    ],
    effective: {},
    status: 'in_force',
    source: { citation: 'Privacy policy IV(v); GB/T 35273 §10.2', url: 'seed/privacy-policy.txt' },
    confidence: 'confirmed',
    notes: ['Stricter on content than PIPL art. 57: every notice carries all four elements.'],
  },
];
