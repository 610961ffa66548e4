// PRC duties: CAC incident reporting (1 h / 4 h with a 30-day summary), PIPL art. 57, NDSMR arts. 10–11, DSL art. 29, MIIT vulnerability reports.
import type { CacGrade, Check, Rule } from '../types.js';
import { always, incidentFlag, not, orgFlag, prcNexus } from '../predicates.js';
import { calendarDays, followUp, hours, immediately, initial, rollForward } from './build.js';

const tz = 'Asia/Shanghai';
const cacMeasures = 'National Cybersecurity Incident Reporting Management Measures (CAC, effective 2025-11-01)';
const cacUrl = 'https://www.cac.gov.cn/2025-09/15/c_1759583017717009.htm';
const ndsmrUrl = 'https://www.gov.cn/zhengce/content/202409/content_6977766.htm';

const gradeRank: Record<CacGrade, number> = { general: 0, relatively_major: 1, major: 2, especially_major: 3 };
const gradeLabel: Record<CacGrade, string> = { general: '一般 general', relatively_major: '较大 relatively major', major: '重大 major', especially_major: '特别重大 especially major' };

/** The incident's CAC grade: as recorded by the team, else from the Grading Guide's PI-count and direct-loss bands ("以上" includes the bound). */
export function cacGrade(ctx: Parameters<Check>[0]): { grade: CacGrade | null; detail: string } {
  const recorded = ctx.incident.cac_grade;
  if (recorded) return { grade: recorded, detail: `graded ${gradeLabel[recorded]} by the team` };
  const people = ctx.counts.total;
  const loss = ctx.incident.direct_loss_rmb;
  const byPeople: CacGrade | null = people === null ? null : people >= 100_000_000 ? 'especially_major' : people >= 10_000_000 ? 'major' : people >= 1_000_000 ? 'relatively_major' : 'general';
  const byLoss: CacGrade | null = loss === undefined || loss === null ? null : loss >= 100_000_000 ? 'especially_major' : loss >= 20_000_000 ? 'major' : loss >= 5_000_000 ? 'relatively_major' : 'general';
  const parts = [
    people === null ? 'number of people whose PI leaked not known' : `${people.toLocaleString('en-US')} people's PI`,
    byLoss === null ? 'direct loss not recorded (direct_loss_rmb)' : `direct loss RMB ${loss!.toLocaleString('en-US')}`,
  ];
  const known = [byPeople, byLoss].filter((g): g is CacGrade => g !== null);
  const highest = known.sort((a, b) => gradeRank[b] - gradeRank[a])[0] ?? null;
  // Either band alone can lift the grade; "general" needs both bands known, and the Guide's other criteria (outages, content) still need a person.
  if (highest && highest !== 'general') return { grade: highest, detail: `${parts.join(', ')} → at least ${gradeLabel[highest]} under the Grading Guide` };
  if (byPeople === 'general' && byLoss === 'general') return { grade: 'general', detail: `${parts.join(', ')} → ${gradeLabel.general} on the count and loss bands (other criteria such as outages are not evaluated: record cac_grade to override)` };
  return { grade: null, detail: `${parts.join(', ')}: grade the incident under the Grading Guide (cac_grade)` };
}

const reportableGrade: Check = (ctx) => {
  const { grade, detail } = cacGrade(ctx);
  if (grade === null) return { fact: 'CAC grade relatively major or above', result: 'unknown', detail };
  return { fact: 'CAC grade relatively major or above', result: gradeRank[grade] >= 1 ? 'yes' : 'no', detail };
};

const cacContent = [
  'reporting unit and the affected system, facility or platform',
  'when and where the incident was found, its type and grade, the harm done, the measures taken and their effect (for ransomware: amount, method and date of the demand)',
  'how the incident may develop and what further harm it may cause',
  'a first analysis of the cause',
  'leads for the investigation: likely attacker, attack path, vulnerabilities',
  'next measures and any support requested',
  'anything else that should be reported',
];

const cacStages = (firstHours: number) => [
  initial(hours(firstHours, `at the latest ${firstHours} h after discovering or learning of the incident`), 'discovered_at', 'initial report', 'items not yet known (cause, impact, trend) may follow in a supplement'),
  followUp('supplementary report', 'significant developments and investigation progress, as they become known'),
  {
    key: 'summary',
    name: 'incident handling summary report',
    kind: 'final' as const,
    deadline: calendarDays(30, 'within 30 days after handling of the incident ends', rollForward.CN),
    start: { anchor: 'disposal_ended_at' as const },
    required: true,
    description: 'cause, measures, harm, accountability, remediation and lessons, through the channel of the first report',
  },
];

const harmToRights: Check = (ctx) => {
  const r = ctx.incident.risk_of_harm;
  if (!r) return { fact: 'harm to rights and interests', result: 'unknown', detail: 'risk of harm not assessed (risk_of_harm)' };
  return { fact: 'harm to rights and interests', result: r === 'unlikely' ? 'no' : 'yes', detail: `risk of harm assessed as "${r}"` };
};

const rollNote = 'A period whose last day falls on a PRC rest day ends on the next working day (Civil Code art. 203); make-up working days count as working days. due_at keeps the calendar day, legal_latest_at the working day.';

export const cnRules: Rule[] = [
  {
    id: 'cn-cac-reporting-cii',
    jurisdiction: 'CN',
    law: cacMeasures,
    article: 'CAC Measures (CII operators) with the annexed Grading Guide',
    notifies: { kind: 'authority', name: 'CII protection work department and public security organ' },
    timeZone: tz,
    trigger: { summary: 'Incident graded relatively major (较大) or above at a critical information infrastructure operator', regions: ['CN'], checks: [prcNexus(), orgFlag('cii_operator', true, 'operator is a designated CII operator'), reportableGrade] },
    anchor: 'discovered_at',
    anchorWording: '发现或获知 (on discovering or learning of the incident)',
    stages: cacStages(1),
    requiredContent: cacContent,
    effective: { from: '2025-11-01' },
    status: 'in_force',
    source: { citation: 'CAC Measures; Grading Guide', url: cacUrl },
    confidence: 'confirmed',
    notes: ['Grading happens inside the window and does not pause the clock.', rollNote],
  },
  {
    id: 'cn-cac-reporting-other-operators',
    jurisdiction: 'CN',
    law: cacMeasures,
    article: 'CAC Measures (other network operators) with the annexed Grading Guide',
    notifies: { kind: 'authority', name: 'provincial cyberspace administration (Hubei CAC); public security if a crime is suspected' },
    timeZone: tz,
    trigger: {
      summary: 'Incident graded relatively major (较大) or above: ≥1,000,000 people\'s PI leaked, ≥RMB 5 M direct loss, or other Guide criteria',
      regions: ['CN'],
      checks: [prcNexus(), not('operator is not a CII operator', orgFlag('cii_operator', true, 'CII operator')), reportableGrade],
    },
    anchor: 'discovered_at',
    anchorWording: '发现或获知 (on discovering or learning of the incident)',
    stages: cacStages(4),
    requiredContent: cacContent,
    effective: { from: '2025-11-01' },
    status: 'in_force',
    source: { citation: 'CAC Measures; Grading Guide', url: cacUrl },
    confidence: 'confirmed',
    uncertainty: 'The content list was rebuilt from copies of the official text; its article numbering is not confirmed.',
    notes: ['Grading happens inside the window and does not pause the clock.', rollNote],
  },
  {
    id: 'cn-pipl-57',
    jurisdiction: 'CN',
    law: 'Personal Information Protection Law',
    article: 'PIPL art. 57',
    notifies: { kind: 'both', name: 'PI protection authorities (CAC, national and provincial; sector regulators) and the affected individuals' },
    timeZone: tz,
    trigger: { summary: 'Any actual or possible leak, tampering or loss of personal information; no threshold', regions: ['CN'], checks: [prcNexus(), always('personal information incident', 'PIPL art. 57 has no size or sensitivity threshold')] },
    anchor: 'discovered_at',
    anchorWording: '发生或者可能发生 (when it occurs or may occur), acted on from discovery',
    stages: [initial(immediately('立即: immediately', 4), 'discovered_at', 'notify authority and individuals')],
    requiredContent: ['categories of personal information, cause and possible harm', 'remedial steps taken and what individuals can do to reduce harm', 'how to contact the processor'],
    effective: { from: '2021-11-01' },
    status: 'in_force',
    source: { citation: 'PIPL art. 57', url: 'http://www.npc.gov.cn/npc/c2/c30834/202108/t20210820_313088.html' },
    confidence: 'confirmed',
    notes: ['Individual notice may be left out when the measures taken effectively avoid harm; the authority notice never is.'],
  },
  {
    id: 'cn-ndsmr-11-regulator',
    jurisdiction: 'CN',
    law: 'Network Data Security Management Regulations (State Council Order 790)',
    article: 'NDSMR art. 11 para. 1',
    notifies: { kind: 'authority', name: 'competent departments, per the applicable reporting rules (in practice the CAC channel)' },
    timeZone: tz,
    trigger: { summary: 'Any network data security incident', regions: ['CN'], checks: [prcNexus(), always('network data security incident', 'no threshold')] },
    anchor: 'discovered_at',
    anchorWording: 'when an incident occurs (发生); counted from discovery because nothing can be reported before',
    stages: [initial(immediately('立即启动预案 … 按照规定报告: immediately, as the reporting rules provide', 4), 'discovered_at', 'report')],
    requiredContent: ['what the applicable reporting rule asks (see the CAC Measures)'],
    effective: { from: '2025-01-01' },
    status: 'in_force',
    source: { citation: 'NDSMR art. 11', url: ndsmrUrl },
    confidence: 'confirmed',
  },
  {
    id: 'cn-ndsmr-11-individuals',
    jurisdiction: 'CN',
    law: 'Network Data Security Management Regulations (State Council Order 790)',
    article: 'NDSMR art. 11 para. 2',
    notifies: { kind: 'individuals', name: 'interested parties (affected individuals and organisations)' },
    timeZone: tz,
    trigger: {
      summary: 'Incident that harms the lawful rights of individuals or organisations',
      regions: ['CN'],
      checks: [prcNexus(), harmToRights],
    },
    anchor: 'discovered_at',
    anchorWording: '及时 after the incident occurs; counted from discovery',
    stages: [initial(immediately('及时: promptly'), 'discovered_at', 'notify interested parties')],
    requiredContent: ['the incident and the risk it poses', 'the harmful consequences', 'remedial measures already taken'],
    effective: { from: '2025-01-01' },
    status: 'in_force',
    source: { citation: 'NDSMR art. 11', url: ndsmrUrl },
    confidence: 'confirmed',
    notes: ['Phone, SMS, instant message, email or a public announcement (公告) all qualify.'],
  },
  {
    id: 'cn-ndsmr-10-vulnerability',
    jurisdiction: 'CN',
    law: 'Network Data Security Management Regulations (State Council Order 790)',
    article: 'NDSMR art. 10',
    notifies: { kind: 'both', name: 'competent departments; users' },
    timeZone: tz,
    trigger: {
      summary: 'Security defect or vulnerability in a network product or service that endangers national security or the public interest',
      regions: ['CN'],
      checks: [prcNexus(), incidentFlag('product_vulnerability', true, 'product or service vulnerability'), incidentFlag('national_security_or_public_interest', true, 'national security or public interest endangered')],
    },
    anchor: 'discovered_at',
    anchorWording: 'from discovery of the vulnerability',
    stages: [initial(hours(24, 'within 24 hours'), 'discovered_at', 'report')],
    requiredContent: [],
    effective: { from: '2025-01-01' },
    status: 'in_force',
    source: { citation: 'NDSMR art. 10', url: ndsmrUrl },
    confidence: 'confirmed',
  },
  {
    id: 'cn-miit-vuln-reporting',
    jurisdiction: 'CN',
    law: 'MIIT network product security vulnerability rules (2021)',
    article: 'MIIT vulnerability management rules (article not verified)',
    notifies: { kind: 'authority', name: 'MIIT vulnerability sharing platform (NVDB)' },
    timeZone: tz,
    trigger: { summary: 'Provider learns of a vulnerability in its own network product', regions: ['CN'], checks: [prcNexus(), incidentFlag('product_vulnerability', true, 'vulnerability in own network product')] },
    anchor: 'discovered_at',
    anchorWording: 'from learning of the vulnerability',
    stages: [initial(calendarDays(2, 'within 2 days', rollForward.CN), 'discovered_at', 'report')],
    requiredContent: ['product name, model and version; nature, harm and reach of the vulnerability (not verified)'],
    effective: { from: '2021-09-01' },
    status: 'in_force',
    source: { citation: 'MIIT rules (secondary mention only)', url: 'https://kw-legal.com/en/2024/11/01/14603en' },
    confidence: 'uncertain',
    uncertainty: 'Known from a single secondary mention; the 2-day period is applied as calendar days with PRC rest-day roll-over and shown, never hidden, until the article is checked.',
    notes: [rollNote],
  },
  {
    id: 'cn-dsl-29',
    jurisdiction: 'CN',
    law: 'Data Security Law',
    article: 'DSL art. 29',
    notifies: { kind: 'both', name: 'competent departments; users' },
    timeZone: tz,
    trigger: { summary: 'Any data security incident', regions: ['CN'], checks: [prcNexus(), always('data security incident', 'any data, not only personal information')] },
    anchor: 'discovered_at',
    anchorWording: '发生数据安全事件时 (when a data security incident occurs); counted from discovery',
    stages: [initial(immediately('立即 … 及时告知用户并向有关主管部门报告: immediately / promptly'), 'discovered_at', 'inform users and report')],
    requiredContent: [],
    effective: { from: '2021-09-01' },
    status: 'in_force',
    source: { citation: 'DSL art. 29', url: 'http://www.npc.gov.cn/npc/c2/c30834/202106/t20210610_311888.html' },
    confidence: 'confirmed',
  },
];

