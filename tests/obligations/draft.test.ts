// The report-draft templates are checked at start: a missing or broken one stops it, naming the file.
import { expect, it } from 'vitest';
import { createDraftRenderer, DraftTemplateError } from '../../src/obligations/draft.js';
import { templateFiles } from '../helpers/harness.js';

it('refuses a missing draft template, one without labels, and one that does not parse', () => {
  const files = templateFiles();
  expect(() => createDraftRenderer(files)).not.toThrow();
  const { ['obligations/zh-CN/draft.md.liquid']: _gone, ...without } = files;
  expect(() => createDraftRenderer(without)).toThrow(new DraftTemplateError('templates/obligations/zh-CN/draft.md.liquid is missing'));
  const noLabels = { ...files, 'obligations/en/draft.md.liquid': '---\ntitle: x\n---\n# {{ rule.law }}\n' };
  expect(() => createDraftRenderer(noLabels)).toThrow(/templates\/obligations\/en\/draft\.md\.liquid: front matter needs a labels map/);
  const broken = { ...files, 'obligations/en/draft.md.liquid': '---\nlabels: {}\n---\n{% for x in %}\n' };
  expect(() => createDraftRenderer(broken)).toThrow(/templates\/obligations\/en\/draft\.md\.liquid: /);
});
