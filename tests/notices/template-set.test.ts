import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTextTree } from '../../src/lib/assets.node.js';
import { loadTemplateSet, type TemplateSetOptions } from '../../src/notices/template-set.js';
import { channelParts, noticeElements, TemplateError, type TemplateProblem } from '../../src/notices/types.js';

const files = readTextTree(fileURLToPath(new URL('../../templates/', import.meta.url)));
const bodyFiles = Object.values(channelParts)
  .flat()
  .filter((p) => p.carriesElements)
  .flatMap((p) => ['en', 'zh-CN'].map((l) => `${l}/${p.file}`));

function refusal(broken: Record<string, string>, options?: TemplateSetOptions): TemplateError {
  try {
    loadTemplateSet(broken, options);
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('the broken templates were accepted');
}

function expectRefused(broken: Record<string, string>, file: string, problem: TemplateProblem, detail?: RegExp | string, options?: TemplateSetOptions): TemplateError {
  const err = refusal(broken, options);
  expect(err.file).toBe(file);
  expect(err.problem).toBe(problem);
  expect(err.message).toContain(`templates/${file}`);
  if (detail) expect(err.detail).toMatch(detail);
  return err;
}

const declaredAt = (source: string, element: string) => new RegExp(`\\n  ${element}: ([a-z_.]+)`).exec(source)![1]!;
const withBody = (source: string, edit: (body: string) => string) => {
  const end = source.indexOf('\n---\n', 4) + 5;
  return source.slice(0, end) + edit(source.slice(end));
};

describe('loadTemplateSet on the real templates', () => {
  it('loads every channel × locale and hashes the files', () => {
    const set = loadTemplateSet(files);
    expect(set.templatesHash).toMatch(/^[0-9a-f]{64}$/);
    for (const locale of ['en', 'zh-CN']) for (const channel of Object.keys(channelParts)) expect(set.parts(locale, channel as never).length).toBe(channelParts[channel as keyof typeof channelParts].length);
    expect(loadTemplateSet({ ...files, 'en/sms.liquid': `${files['en/sms.liquid']} ` }).templatesHash).not.toBe(set.templatesHash);
  });

  it('covers sixteen body files', () => {
    expect(bodyFiles).toHaveLength(16);
    for (const f of bodyFiles) expect(files[f], f).toBeDefined();
  });
});

describe('a template lacking an IV(v) element is refused', () => {
  // One test per element per channel file: the declaration removed.
  for (const file of bodyFiles) {
    for (const element of noticeElements) {
      it(`${file} without ${element} declared`, () => {
        const broken = { ...files, [file]: files[file]!.replace(new RegExp(`\\n  ${element}: [a-z_.]+`), '') };
        expectRefused(broken, file, 'missing_element', element);
      });
    }
  }

  // And with the declaration kept but the variable no longer printed anywhere in the body.
  for (const file of bodyFiles) {
    for (const element of noticeElements) {
      it(`${file} declaring ${element} but never printing it`, () => {
        const variable = declaredAt(files[file]!, element);
        const output = new RegExp(`\\{\\{-?\\s*${variable.replace('.', '\\.')}\\b[^}]*\\}\\}`, 'g');
        const broken = { ...files, [file]: withBody(files[file]!, (b) => b.replace(output, 'x')) };
        expectRefused(broken, file, 'element_not_shown', variable);
      });
    }
  }

  it('refuses an element printed only inside an if condition', () => {
    const file = 'en/email.text.liquid';
    const broken = { ...files, [file]: withBody(files[file]!, (b) => b.replace('{{ notice.measures }}', '{% if notice.measures %}see the website{% endif %}')) };
    expectRefused(broken, file, 'element_not_shown', /^measures at notice\.measures$/);
  });
});

describe('variables', () => {
  it('refuses a variable the front matter does not declare', () => {
    const file = 'zh-CN/sms.liquid';
    expectRefused({ ...files, [file]: withBody(files[file]!, (b) => `{{ incident.title }}${b}`) }, file, 'undeclared_variable', 'incident.title');
  });

  it('refuses a whole object where a field is declared', () => {
    const file = 'en/voice.liquid';
    expectRefused({ ...files, [file]: withBody(files[file]!, (b) => `{{ notice }}${b}`) }, file, 'undeclared_variable', 'notice');
  });

  it('refuses declaring a variable the renderer does not supply', () => {
    const file = 'en/letter.liquid';
    expectRefused({ ...files, [file]: files[file]!.replace('variables: [', 'variables: [recipient.password, ') }, file, 'unknown_variable', 'recipient.password');
  });

  it('refuses any recipient field in the public announcement', () => {
    for (const locale of ['en', 'zh-CN']) {
      const file = `${locale}/announcement.liquid`;
      expectRefused({ ...files, [file]: files[file]!.replace('variables: [', 'variables: [recipient.name, ') }, file, 'unknown_variable', /recipient\.name.*no personal data/);
    }
  });
});

describe('files and syntax', () => {
  it('refuses a missing channel part in any locale', () => {
    // Report drafts under obligations/ have their own loader.
    for (const file of Object.keys(files).filter((f) => f.endsWith('.liquid') && !f.startsWith('obligations/'))) {
      const { [file]: _gone, ...without } = files;
      expectRefused(without, file, 'missing_template');
    }
  });

  it('refuses a whole locale missing when it is required', () => {
    const err = expectRefused(files, 'fr/email.subject.liquid', 'missing_template', /for fr/, { locales: ['en', 'zh-CN', 'fr'] });
    expect(err.message).toMatch(/^templates\/fr\/email\.subject\.liquid: template missing/);
  });

  it('refuses an unknown template file and ignores non-template files', () => {
    expectRefused({ ...files, 'en/emial.html.liquid': files['en/email.html.liquid']! }, 'en/emial.html.liquid', 'unknown_template');
    expect(() => loadTemplateSet({ ...files, 'NOTES.md': '# notes' })).not.toThrow();
  });

  it('refuses a file without front matter, a bad element name, and broken Liquid, naming the file', () => {
    const file = 'en/email.text.liquid';
    expectRefused({ ...files, [file]: files[file]!.replace(/^---\n/, '') }, file, 'front_matter');
    expectRefused({ ...files, [file]: files[file]!.replace('elements:\n', 'elements:\n  apology: notice.headline\n') }, file, 'unknown_element', /apology/);
    expectRefused({ ...files, [file]: withBody(files[file]!, (b) => `{% if notice.headline %}${b}`) }, file, 'syntax');
    expectRefused({ ...files, [file]: withBody(files[file]!, (b) => `{{ notice.headline | shout }}${b}`) }, file, 'syntax', /shout/);
  });

  it('refuses raw output in HTML except after paragraphs', () => {
    const file = 'zh-CN/email.html.liquid';
    expectRefused({ ...files, [file]: withBody(files[file]!, (b) => `{{ notice.headline | raw }}${b}`) }, file, 'unsafe_filter');
    expect(() => loadTemplateSet(files)).not.toThrow();
  });
});
