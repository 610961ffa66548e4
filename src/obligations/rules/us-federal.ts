// US federal duties: HIPAA breach notification (covered entities only) and SEC Form 8-K Item 1.05 (domestic registrants only).
import type { Check, Rule } from '../types.js';
import { affectedIn, countThreshold, not, orgFlag, unencrypted } from '../predicates.js';
import { businessDays, calendarDays, initial } from './build.js';

const tz = 'America/New_York';
const hipaaLaw = 'HIPAA Breach Notification Rule (45 CFR Part 164, Subpart D)';
const coveredEntity = orgFlag('hipaa_covered_entity', true, 'HIPAA covered entity or business associate');
const phi: Check = (ctx) =>
  ctx.categories.has('medical_health')
    ? { fact: 'protected health information involved', result: 'yes', detail: 'medical_health data involved' }
    : { fact: 'protected health information involved', result: 'no', detail: 'no health data involved' };
const hipaaChecks = [affectedIn('US'), coveredEntity, phi, unencrypted()];
const fiveHundred = countThreshold('US', 500, 'at_least', 'the US');

const oneStateOver500: Check = (ctx) => {
  const subs = Object.entries(ctx.counts.subdivisions('US'));
  const fact = 'more than 500 residents of one state';
  const over = subs.filter(([, n]) => n > 500);
  if (over.length) return { fact, result: 'yes', detail: over.map(([s, n]) => `${s}: ${n}`).join(', ') };
  if (!subs.length) return { fact, result: 'unknown', detail: 'no per-state counts' };
  return { fact, result: 'no', detail: `largest state count ${Math.max(...subs.map(([, n]) => n))}` };
};

export const usFederalRules: Rule[] = [
  {
    id: 'us-hipaa-individuals',
    jurisdiction: 'US',
    law: hipaaLaw,
    article: '45 CFR §164.404',
    notifies: { kind: 'individuals', name: 'affected individuals' },
    timeZone: tz,
    trigger: { summary: 'Breach of unsecured protected health information by a covered entity', regions: ['US'], checks: hipaaChecks },
    anchor: 'discovered_at',
    anchorWording: 'after discovery of the breach',
    stages: [initial(calendarDays(60, 'without unreasonable delay, no later than 60 calendar days after discovery'), 'discovered_at', 'notify individuals')],
    requiredContent: ['what happened, with the dates of the breach and of its discovery', 'the kinds of unsecured PHI involved', 'steps individuals should take', 'what the entity is doing to investigate, mitigate and prevent a repeat', 'how to reach the entity (toll-free number, email, website or postal address)'],
    effective: { from: '2009-09-23' },
    status: 'in_force',
    source: { citation: '45 CFR §164.404', url: 'https://www.accountablehq.com/post/45-cfr-164-404-explained-hipaa-breach-notification-to-individuals-requirements-timelines-and-exceptions' },
    confidence: 'confirmed',
  },
  {
    id: 'us-hipaa-hhs',
    jurisdiction: 'US',
    law: hipaaLaw,
    article: '45 CFR §164.408',
    notifies: { kind: 'authority', name: 'HHS Secretary (OCR breach portal)' },
    timeZone: tz,
    trigger: { summary: 'Any breach of unsecured PHI', regions: ['US'], checks: hipaaChecks },
    anchor: 'discovered_at',
    anchorWording: 'after discovery (500 or more), or after the end of the calendar year (fewer)',
    stages: [
      { key: 'initial', name: 'report with the individual notices (500 or more)', kind: 'initial', deadline: calendarDays(60, 'with the individual notice, within 60 days'), start: { anchor: 'discovered_at' }, required: true, condition: fiveHundred },
      {
        key: 'annual',
        name: 'annual log report (fewer than 500)',
        kind: 'initial',
        deadline: calendarDays(60, 'within 60 days after the end of the calendar year'),
        start: { anchor: 'discovered_at', yearEnd: true },
        required: true,
        condition: not('fewer than 500 affected', fiveHundred),
      },
    ],
    requiredContent: ['the fields of the HHS web form'],
    effective: { from: '2009-09-23' },
    status: 'in_force',
    source: { citation: '45 CFR §164.408', url: 'https://getpocketlaw.com/law/cfr_45/section-164-408-notification-to-the-secretary_69b7f2ade63f' },
    confidence: 'confirmed',
  },
  {
    id: 'us-hipaa-media',
    jurisdiction: 'US',
    law: hipaaLaw,
    article: '45 CFR §164.406',
    notifies: { kind: 'individuals', name: 'prominent media outlets serving the state' },
    timeZone: tz,
    trigger: { summary: 'Breach involving more than 500 residents of one state', regions: ['US'], checks: [...hipaaChecks, oneStateOver500] },
    anchor: 'discovered_at',
    anchorWording: 'after discovery of the breach',
    stages: [initial(calendarDays(60, 'no later than 60 calendar days after discovery'), 'discovered_at', 'media notice')],
    requiredContent: ['the same content as the individual notice'],
    effective: { from: '2009-09-23' },
    status: 'in_force',
    source: { citation: '45 CFR §164.406', url: 'https://auditsuisse.com/hipaa-incident-response-requirements' },
    confidence: 'confirmed',
  },
  {
    id: 'us-sec-8k-1.05',
    jurisdiction: 'US',
    law: 'Securities Exchange Act; Form 8-K',
    article: 'Form 8-K Item 1.05',
    notifies: { kind: 'authority', name: 'SEC and the public (EDGAR)' },
    timeZone: tz,
    trigger: { summary: 'Cybersecurity incident determined to be material, at an SEC domestic registrant', regions: ['US'], checks: [orgFlag('sec_domestic_registrant', true, 'SEC domestic registrant (foreign private issuers use 6-K)')] },
    anchor: 'materiality_determined_at',
    anchorWording: 'after determining the incident is material (itself without unreasonable delay after discovery)',
    stages: [
      initial(businessDays(4, 'US', 'within four business days (weekends and US federal holidays excluded)'), 'materiality_determined_at', 'Form 8-K Item 1.05'),
      { key: 'amendment', name: 'Form 8-K/A with information not available at first filing', kind: 'supplementary', deadline: businessDays(4, 'US', 'within four business days of the information becoming available'), start: { event: 'information_available' }, required: false },
    ],
    requiredContent: ['the material aspects of the nature, scope and timing of the incident', 'its material or reasonably likely material impact, including on financial condition and results'],
    effective: { from: '2023-12-18' },
    status: 'in_force',
    source: { citation: 'Form 8-K Item 1.05', url: 'https://breachdocket.com/articles/sec-8k-item-1-05-meaning-explainer-2026-06-22' },
    confidence: 'confirmed',
    notes: ['The materiality determination is the anchor: it is never guessed from discovery.'],
  },
];
