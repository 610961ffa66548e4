// EU/EEA duties under GDPR arts. 33–34, with one supervisory authority per member state for a controller without an EU establishment.
import type { Rule, RuleContext } from '../types.js';
import { affectedInAny, riskAtLeast, riskNotUnlikely, unencrypted } from '../predicates.js';
import { followUp, hours, immediately, initial } from './build.js';

/** EU member states and the EEA states that apply the GDPR, with the zone of each supervisory authority. */
export const eeaAuthorityZones: Record<string, string> = {
  AT: 'Europe/Vienna', BE: 'Europe/Brussels', BG: 'Europe/Sofia', HR: 'Europe/Zagreb', CY: 'Asia/Nicosia', CZ: 'Europe/Prague',
  DK: 'Europe/Copenhagen', EE: 'Europe/Tallinn', FI: 'Europe/Helsinki', FR: 'Europe/Paris', DE: 'Europe/Berlin', GR: 'Europe/Athens',
  HU: 'Europe/Budapest', IE: 'Europe/Dublin', IT: 'Europe/Rome', LV: 'Europe/Riga', LT: 'Europe/Vilnius', LU: 'Europe/Luxembourg',
  MT: 'Europe/Malta', NL: 'Europe/Amsterdam', PL: 'Europe/Warsaw', PT: 'Europe/Lisbon', RO: 'Europe/Bucharest', SK: 'Europe/Bratislava',
  SI: 'Europe/Ljubljana', ES: 'Europe/Madrid', SE: 'Europe/Stockholm', IS: 'Atlantic/Reykjavik', LI: 'Europe/Vaduz', NO: 'Europe/Oslo',
};
export const eeaStates = Object.keys(eeaAuthorityZones);

const inEea = affectedInAny(eeaStates, 'the EU/EEA');

/** No EU establishment, so no one-stop shop: each state where affected people live has its own authority and clock. */
function perMemberState(ctx: RuleContext) {
  return eeaStates
    .filter((s) => ctx.counts.presence(s).result !== 'no')
    .map((s) => ({ target: s, authority: `supervisory authority of ${s}`, timeZone: eeaAuthorityZones[s]! }));
}

const art33Content = [
  'what happened, with the categories and approximate numbers of people and records concerned',
  'name and contact details of the DPO or another contact point',
  'the likely consequences',
  'measures taken or proposed, including mitigation',
  'why the report is late, if after 72 hours',
];

const art33Url = 'https://www.gdpr-ccpa.org/gdpr-articles/gdpr-article-33-notification-of-a-personal-data-breach-to-the-supervisory-authority';

export const euRules: Rule[] = [
  {
    id: 'eu-gdpr-33',
    jurisdiction: 'EU',
    law: 'General Data Protection Regulation (EU) 2016/679',
    article: 'GDPR art. 33; EDPB Guidelines 9/2022 para. 73',
    notifies: { kind: 'authority', name: 'supervisory authority of each member state where affected people live' },
    timeZone: 'Europe/Brussels',
    trigger: { summary: 'Personal data breach, unless unlikely to result in a risk to people', regions: eeaStates, checks: [inEea, riskNotUnlikely('not unlikely to result in a risk')] },
    targets: perMemberState,
    anchor: 'aware_at',
    anchorWording: 'after having become aware (reasonable certainty that personal data was compromised)',
    stages: [
      initial(hours(72, 'without undue delay and, where feasible, within 72 hours'), 'aware_at', 'notification'),
      followUp('further information in phases', 'art. 33(4): what is not yet known may follow without undue further delay'),
    ],
    requiredContent: art33Content,
    effective: { from: '2018-05-25' },
    status: 'in_force',
    source: { citation: 'GDPR art. 33', url: art33Url },
    confidence: 'confirmed',
    notes: ['72 hours run on through nights, weekends and holidays.', 'Every breach is recorded internally (art. 33(5)), notified or not.'],
  },
  {
    id: 'eu-gdpr-34',
    jurisdiction: 'EU',
    law: 'General Data Protection Regulation (EU) 2016/679',
    article: 'GDPR art. 34',
    notifies: { kind: 'individuals', name: 'affected data subjects in the EU/EEA' },
    timeZone: 'Europe/Brussels',
    trigger: {
      summary: 'Breach likely to result in a high risk to people, unless the data was unintelligible (e.g. encrypted)',
      regions: eeaStates,
      checks: [inEea, riskAtLeast('high', 'high risk to rights and freedoms'), unencrypted()],
    },
    anchor: 'aware_at',
    anchorWording: 'without undue delay after becoming aware',
    stages: [initial(immediately('without undue delay'), 'aware_at', 'notify data subjects')],
    requiredContent: ['in clear and plain language, the nature of the breach', 'DPO or contact point', 'likely consequences', 'measures taken or proposed'],
    effective: { from: '2018-05-25' },
    status: 'in_force',
    source: { citation: 'GDPR art. 34', url: 'https://gdprhub.eu/index.php?title=Article_34_GDPR' },
    confidence: 'confirmed',
    notes: ['Where individual notice takes disproportionate effort, a public communication replaces it (art. 34(3)(c)).'],
  },
  {
    id: 'eu-digital-omnibus-proposal',
    jurisdiction: 'EU',
    law: 'Digital Omnibus proposal (19 Nov 2025), amending GDPR art. 33',
    article: 'proposed GDPR art. 33',
    notifies: { kind: 'authority', name: 'supervisory authority via the ENISA single entry point (proposed)' },
    timeZone: 'Europe/Brussels',
    trigger: { summary: '(proposed) only breaches likely to result in a high risk', regions: eeaStates, checks: [inEea, riskAtLeast('high', 'high risk (proposed threshold)')] },
    targets: perMemberState,
    anchor: 'aware_at',
    anchorWording: 'after becoming aware',
    stages: [initial(hours(96, 'proposed: within 96 hours'), 'aware_at', 'notification')],
    requiredContent: ['the common EU template (proposed)'],
    effective: {},
    status: 'proposed',
    source: { citation: 'Digital Omnibus proposal', url: 'https://www.addleshawgoddard.com/en/insights/insights-briefings/2026/data-protection/eu-digital-omnibus-edpb-edps-joint-opinion' },
    confidence: 'uncertain',
    uncertainty: 'A proposal, not law: inactive unless enabled by name (enableRules) for a what-if; eu-gdpr-33 stays the rule in force.',
  },
];
