import { describe, expect, it } from 'vitest';
import { readTextTree } from '../../src/lib/assets.node.js';
import { natures } from '../../src/incidents/vocabulary.js';
import { loadRunbooks, parseRunbook, RunbookError, requiredSections, runbooksForNature, stepRoles } from '../../src/runbooks/parse.js';

const files = readTextTree('runbooks');

const sample = `---
slug: sample
title: Sample runbook
version: 1
natures:
  - ransomware
  - other
roles:
  legal: approver
  it-ops: responder
---

## When to use
When a test needs a runbook.

## Roles
- **legal**: decides.
- **it-ops**: does the work.

## Preflight
- [ ] Logs are kept.
- Backups are known
  and untouched.

## Steps
### Contain
1. [it-ops] [+30m from discovered] Isolate the machines.
   Keep them powered on.

     - memory is evidence
2. [legal] Decide on law enforcement.

### Recover
3. [responder] [+1d12h from contained_at] Restore from backups.
4. [admin] [see the guide](https://example.com) before issuing keys.

## Recovering an interrupted run
Read the timeline first.

\`\`\`
## Not a section (inside a code block)
\`\`\`
`;

const lineOf = (text: string, needle: string) => {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  if (index === -1) throw new Error(`test setup: "${needle}" not in text`);
  return index + 1;
};

function errorOf(text: string, file = 'sample.md'): RunbookError {
  try {
    parseRunbook(file, text);
  } catch (err) {
    if (err instanceof RunbookError) return err;
    throw err;
  }
  throw new Error('expected the runbook to be refused');
}

describe('the runbooks in runbooks/', () => {
  const runbooks = loadRunbooks(files);

  it('all parse, README aside, each with every required section and real steps', () => {
    expect([...runbooks.keys()].sort()).toEqual([
      'credential-stuffing',
      'exposed-storage',
      'insider-misuse',
      'lost-device',
      'misdirected-mail',
      'notification-process',
      'processor-breach',
      'ransomware',
      'regulator-reporting',
    ]);
    for (const r of runbooks.values()) {
      expect(Object.keys(r.sections)).toEqual(expect.arrayContaining([...requiredSections]));
      expect(r.file).toBe(`${r.slug}.md`);
      expect(r.preflight.length, r.slug).toBeGreaterThanOrEqual(2);
      expect(r.steps.length, r.slug).toBeGreaterThanOrEqual(8);
      expect(r.steps.some((s) => s.due !== null), r.slug).toBe(true);
      r.steps.forEach((s, i) => {
        expect(s.id).toBe(`${r.slug}.${i + 1}`);
        expect(stepRoles).toContain(s.role);
        expect(s.owner in r.roles || (stepRoles as readonly string[]).includes(s.owner), `${s.id} owner ${s.owner}`).toBe(true);
        expect(s.text.length, s.id).toBeGreaterThan(20);
      });
    }
  });

  it('give every step a distinct id across all runbooks', () => {
    const ids = [...runbooks.values()].flatMap((r) => r.steps.map((s) => s.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('map named functions to API roles: legal approves, infra responds', () => {
    const exposed = runbooks.get('exposed-storage')!;
    expect(exposed.steps[0]).toMatchObject({ id: 'exposed-storage.1', owner: 'infra', role: 'responder', phase: 'Contain', due: { minutes: 30, anchor: 'discovered_at' } });
    expect(exposed.steps.find((s) => s.owner === 'legal')!.role).toBe('approver');
    expect(runbooks.get('ransomware')!.steps[3]).toMatchObject({ owner: 'legal', role: 'approver' });
  });

  it('use the less common anchors where the law counts from them', () => {
    const anchors = new Set(runbooks.get('regulator-reporting')!.steps.flatMap((s) => (s.due ? [s.due.anchor] : [])));
    for (const a of ['discovered_at', 'aware_at', 'assessment_completed_at', 'determined_at', 'individuals_notified_at', 'disposal_ended_at']) expect(anchors).toContain(a);
  });

  it('attach automatically by nature: regulator reporting always, notification by hand only', () => {
    const slugsFor = (nature: (typeof natures)[number]) => runbooksForNature(runbooks, nature).map((r) => r.slug);
    expect(slugsFor('ransomware')).toEqual(['ransomware', 'regulator-reporting']);
    expect(slugsFor('accidental_disclosure')).toEqual(['exposed-storage', 'misdirected-mail', 'regulator-reporting']);
    expect(slugsFor('unauthorized_access')).toEqual(['credential-stuffing', 'exposed-storage', 'regulator-reporting']);
    expect(slugsFor('loss_or_theft')).toEqual(['lost-device', 'regulator-reporting']);
    expect(slugsFor('tampering')).toEqual(['insider-misuse', 'regulator-reporting']);
    expect(slugsFor('other')).toEqual(['processor-breach', 'regulator-reporting']);
    for (const n of natures) expect(slugsFor(n)).not.toContain('notification-process');
  });
});

describe('parseRunbook', () => {
  it('reads front matter, sections, preflight items, phases, owners, due offsets and detail', () => {
    const r = parseRunbook('sample.md', sample);
    expect(r).toMatchObject({ slug: 'sample', title: 'Sample runbook', version: '1', natures: ['ransomware', 'other'], roles: { legal: 'approver', 'it-ops': 'responder' } });
    expect(r.preflight).toEqual(['Logs are kept.', 'Backups are known and untouched.']);
    expect(Object.keys(r.sections)).toEqual([...requiredSections]);
    expect(r.sections['Recovering an interrupted run']).toContain('## Not a section');
    expect(r.steps.map((s) => [s.id, s.owner, s.role, s.phase, s.due])).toEqual([
      ['sample.1', 'it-ops', 'responder', 'Contain', { minutes: 30, anchor: 'discovered_at' }],
      ['sample.2', 'legal', 'approver', 'Contain', null],
      ['sample.3', 'responder', 'responder', 'Recover', { minutes: 36 * 60, anchor: 'contained_at' }],
      ['sample.4', 'admin', 'admin', 'Recover', null],
    ]);
    expect(r.steps[0]!.detail).toBe('Keep them powered on.\n\n  - memory is evidence');
    expect(r.steps[0]!.line).toBe(lineOf(sample, '1. [it-ops]'));
    // A Markdown link right after the owner is text, not a due offset.
    expect(r.steps[3]!.text).toBe('[see the guide](https://example.com) before issuing keys.');
  });

  it('reads Windows line endings and a byte-order mark the same way', () => {
    const r = parseRunbook('sample.md', `\uFEFF${sample.replaceAll('\n', '\r\n')}`);
    expect(r.steps).toHaveLength(4);
    expect(r.steps[1]!.line).toBe(lineOf(sample, '2. [legal]'));
  });

  it('accepts short and field names for every anchor, and week offsets', () => {
    const withAnchor = (a: string) => parseRunbook('sample.md', sample.replace('[+30m from discovered]', `[+1w2h from ${a}]`)).steps[0]!.due;
    for (const [short, field] of [
      ['occurred', 'occurred_from'],
      ['discovered', 'discovered_at'],
      ['aware', 'aware_at'],
      ['determined', 'determined_at'],
      ['contained', 'contained_at'],
      ['assessment_completed', 'assessment_completed_at'],
      ['individuals_notified', 'individuals_notified_at'],
      ['disposal_ended', 'disposal_ended_at'],
    ]) {
      expect(withAnchor(short!)).toEqual({ minutes: 7 * 1440 + 120, anchor: field });
      expect(withAnchor(field!)).toEqual({ minutes: 7 * 1440 + 120, anchor: field });
    }
  });

  it('accepts an empty natures list (attached by hand) and no roles key', () => {
    const text = sample.replace(/natures:\n {2}- ransomware\n {2}- other\n/, 'natures: []\n').replace(/roles:\n.*\n.*\n/, '').replace('[it-ops]', '[responder]').replace('[legal]', '[approver]');
    const r = parseRunbook('sample.md', text);
    expect(r.natures).toEqual([]);
    expect(r.roles).toEqual({});
    expect(r.steps[1]!.role).toBe('approver');
  });
});

describe('a broken runbook is refused with its file and line', () => {
  const cases: { what: string; change: (t: string) => string; message: RegExp; line: (t: string) => number }[] = [
    { what: 'no front matter', change: (t) => t.replace(/^---\n/, ''), message: /opens with front matter/, line: () => 1 },
    { what: 'unclosed front matter', change: (t) => t.replace('---\n\n## When', '\n## When'), message: /never closed/, line: () => 1 },
    // YAML reports the line where it notices the missing ].
    { what: 'front matter that is not YAML', change: (t) => t.replace('title: Sample runbook', 'title: [Sample'), message: /not valid YAML: Flow sequence/, line: (t) => lineOf(t, 'version: 1') },
    { what: 'a repeated front matter key', change: (t) => t.replace('version: 1', 'version: 1\nslug: other'), message: /not valid YAML: Map keys must be unique/, line: (t) => lineOf(t, 'slug: other') },
    { what: 'an unknown front matter key', change: (t) => t.replace('version: 1', 'version: 1\nnature: [other]'), message: /unknown front matter key "nature"/, line: (t) => lineOf(t, 'nature: [other]') },
    { what: 'a slug that is not kebab-case', change: (t) => t.replace('slug: sample', 'slug: Sample_One'), message: /slug must be lower-case/, line: (t) => lineOf(t, 'slug:') },
    { what: 'a missing title', change: (t) => t.replace('title: Sample runbook\n', ''), message: /lacks title/, line: () => 1 },
    { what: 'a version of zero', change: (t) => t.replace('version: 1', 'version: 0'), message: /version must be/, line: (t) => lineOf(t, 'version:') },
    { what: 'an unknown nature', change: (t) => t.replace('  - other', '  - hack'), message: /unknown nature hack/, line: (t) => lineOf(t, '- hack') },
    { what: 'a nature listed twice', change: (t) => t.replace('  - other', '  - ransomware'), message: /nature ransomware is listed twice/, line: (t) => lineOf(t, 'roles:') - 1 },
    { what: 'natures that are not a list', change: (t) => t.replace(/natures:\n {2}- ransomware\n {2}- other/, 'natures: ransomware'), message: /natures must be a list/, line: (t) => lineOf(t, 'natures:') },
    { what: 'a role mapped to viewer', change: (t) => t.replace('legal: approver', 'legal: viewer'), message: /role legal must map to one of responder, approver, admin/, line: (t) => lineOf(t, 'legal: viewer') },
    { what: 'an API role redefined', change: (t) => t.replace('legal: approver', 'responder: approver'), message: /responder is an API role/, line: (t) => lineOf(t, 'responder: approver') },
    { what: 'a declared role not described', change: (t) => t.replace('- **legal**: decides.', '- legal decides.'), message: /role legal is not described under "## Roles"/, line: (t) => lineOf(t, 'legal: approver') },
    { what: 'a missing section', change: (t) => t.replace('## Preflight', '## Before'), message: /"## Preflight" is missing/, line: (t) => t.split('\n').length - 1 },
    { what: 'an empty section', change: (t) => t.replace('When a test needs a runbook.\n', ''), message: /"## When to use" is empty/, line: (t) => lineOf(t, '## When to use') },
    { what: 'a section twice', change: (t) => t.replace('## Recovering', '## Roles\n- again\n\n## Recovering'), message: new RegExp(`"## Roles" appears twice \\(first on line ${lineOf(sample, '## Roles')}\\)`), line: (t) => lineOf(t, '- again') - 1 },
    { what: 'a preflight with no checks', change: (t) => t.replace('- [ ] Logs are kept.\n- Backups are known\n  and untouched.', 'Nothing to check.'), message: /lists its checks/, line: (t) => lineOf(t, '## Preflight') },
    { what: 'no steps', change: (t) => t.replace(/### Contain[\s\S]*?(?=## Recovering)/, '### Later\n\n'), message: /the Steps section has no steps/, line: (t) => lineOf(t, '## Steps') },
    { what: 'a stray paragraph among the steps', change: (t) => t.replace('### Recover\n', 'Then recover.\n'), message: /a line is a step/, line: (t) => lineOf(t, 'Then recover.') },
    { what: 'a step without an owner', change: (t) => t.replace('2. [legal] Decide', '2. Decide'), message: /step 2 needs an owner/, line: (t) => lineOf(t, '2. Decide') },
    { what: 'an unknown role', change: (t) => t.replace('2. [legal]', '2. [intern]'), message: /unknown role intern; use one of responder, approver, admin, legal, it-ops/, line: (t) => lineOf(t, '[intern]') },
    { what: 'an offset without a sign', change: (t) => t.replace('[+30m from', '[30m from'), message: /bad due offset \[30m from discovered\]/, line: (t) => lineOf(t, '[30m from') },
    { what: 'an offset in an unknown unit', change: (t) => t.replace('[+30m from', '[+30s from'), message: /bad due offset/, line: (t) => lineOf(t, '[+30s from') },
    { what: 'an offset with units out of order', change: (t) => t.replace('[+1d12h from', '[+12h1d from'), message: /bad due offset/, line: (t) => lineOf(t, '[+12h1d') },
    { what: 'an offset without "from"', change: (t) => t.replace('[+30m from discovered]', '[+30m after discovered]'), message: /bad due offset/, line: (t) => lineOf(t, 'after discovered') },
    { what: 'an unknown anchor', change: (t) => t.replace('from discovered]', 'from lunch]'), message: /unknown clock anchor lunch; use one of occurred, discovered, aware/, line: (t) => lineOf(t, 'from lunch') },
    { what: 'a step number used twice', change: (t) => t.replace('3. [responder]', '2. [responder]'), message: new RegExp(`step 2 is numbered twice \\(first on line ${lineOf(sample, '2. [legal]')}\\)`), line: (t) => lineOf(t, '2. [responder]') },
    { what: 'a gap in numbering', change: (t) => t.replace('3. [responder]', '5. [responder]'), message: /step 5 should be step 3/, line: (t) => lineOf(t, '5. [responder]') },
    { what: 'a step with nothing to do', change: (t) => t.replace('2. [legal] Decide on law enforcement.', '2. [legal] [+1h from aware]'), message: /step 2 says nothing to do/, line: (t) => lineOf(t, '2. [legal]') },
    { what: 'detail before any step', change: (t) => t.replace('### Contain\n', '### Contain\n   orphan detail\n'), message: /must follow a step/, line: (t) => lineOf(t, 'orphan detail') },
  ];
  for (const { what, change, message, line } of cases) {
    it(`refuses ${what}`, () => {
      const text = change(sample);
      expect(text, 'the change applied').not.toBe(sample);
      const err = errorOf(text);
      expect(err.message).toMatch(message);
      expect(err.line).toBe(line(text));
      expect(err.file).toBe('sample.md');
      expect(err.message.startsWith(`runbooks/sample.md:${line(text)}: `)).toBe(true);
    });
  }

  it('refuses a broken real runbook at its line', () => {
    const text = files['ransomware.md']!.replace('4. [legal]', '4. [lawyer]');
    expect(errorOf(text, 'ransomware.md').message).toBe(
      `runbooks/ransomware.md:${lineOf(text, '4. [lawyer]')}: unknown role lawyer; use one of responder, approver, admin, incident-lead, security, it-ops, legal, management`,
    );
  });
});

describe('loadRunbooks', () => {
  it('skips README files and files that are not Markdown, in any folder', () => {
    const loaded = loadRunbooks({ 'README.md': '# not a runbook', 'extra/readme.md': 'nope', 'notes.txt': 'nope', 'extra/sample.md': sample });
    expect([...loaded.keys()]).toEqual(['sample']);
    expect(loaded.get('sample')!.file).toBe('extra/sample.md');
  });

  it('refuses two runbooks with one slug, naming the second file and its slug line', () => {
    const second = sample.replace('title: Sample runbook', 'title: Another');
    expect(() => loadRunbooks({ 'a.md': sample, 'b.md': second })).toThrow(/^runbooks\/b\.md:2: slug sample is already used by a\.md$/);
  });

  it('stops at the first broken file', () => {
    expect(() => loadRunbooks({ 'a.md': sample.replace('slug: sample', 'slug: a'), 'b.md': sample.replace('[legal]', '[nobody]') })).toThrow(/^runbooks\/b\.md:\d+: unknown role nobody/);
  });
});
