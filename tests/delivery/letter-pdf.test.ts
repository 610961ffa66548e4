// The letter PDF as a mail house and a reader get it: paper by destination, fonts embedded, every word extractable (Chinese too).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeLetterPdf } from '../../src/delivery/letters/pdf.node.js';
import { addressLines, layoutFor } from '../../src/delivery/letters/paper.js';
import { letterBlocks } from '../../src/delivery/letters/pdf.js';
import { letterContentHash, letterPdf } from '../../src/delivery/letters/service.js';
import { noticeContent } from '../../src/notices/content.js';
import { testRenderer } from '../helpers/harness.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';

const hasPoppler = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasPoppler) console.warn('pdftotext (poppler-utils) is missing: the letter PDF extraction tests are skipped; .ci/run installs it');

/** Where the PDFs and page pictures are left for a person to look at. */
const outDir = join('tmp', 'letter-pdf');
const sender = { lines: ['Example Devices Ltd', 'Tianfu Avenue 88', '610041 Chengdu', 'CHINA'], returnLine: 'Example Devices Ltd · Tianfu Avenue 88 · 610041 Chengdu · CHINA' };
const content = noticeContent.parse(sampleNoticeContent());
const noSpace = (s: string) => s.replace(/\s+/g, '');

function render(locale: 'en' | 'zh-CN', name: string) {
  return testRenderer().render({
    channel: 'letter',
    locale,
    content,
    recipient: { name, isGuardian: false, locale },
    links: { publicNotice: 'https://status.example.com/status' },
    incident: { title: 'Order export', discoveredAt: new Date('2026-11-22T09:10:00Z') },
  });
}

const cases = [
  { locale: 'en' as const, name: 'Ada Lovelace', address: { line1: '1600 Main Street', line2: 'Apt 4', city: 'Austin', region: 'TX', postal_code: '78701', country: 'US' }, paper: 'LETTER', mediabox: [612, 792] },
  { locale: 'zh-CN' as const, name: '李伟', address: { line1: '武昌区中南路 99 号', line2: '3 栋 1201 室', city: '武汉市', region: '湖北省', postal_code: '430071', country: 'CN' }, paper: 'A4', mediabox: [595.28, 841.89] },
];

describe.runIf(hasPoppler)('letter PDF', () => {
  mkdirSync(outDir, { recursive: true });
  for (const c of cases) {
    it(`${c.locale}: ${c.paper} for ${c.address.country}, fonts embedded as subsets, text extracted equals the text rendered`, async () => {
      const notice = render(c.locale, c.name);
      const letter = { deliveryId: '1042', locale: notice.locale, text: notice.text!, recipientLines: addressLines(c.name, c.address, 'CN'), country: c.address.country, date: c.locale === 'en' ? 'December 6, 2026' : '2026年12月6日' };
      const { pdf, printed } = await letterPdf(nodeLetterPdf, sender, letter, new Date('2026-12-06T00:00:00Z'));
      const file = join(outDir, `letter-${c.locale}.pdf`);
      writeFileSync(file, pdf);

      expect(printed.paper).toBe(c.paper);
      expect(layoutFor(c.address.country).paper).toBe(c.paper);
      const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
      const [, w, h] = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info)!;
      expect(Number(w)).toBeCloseTo(c.mediabox[0]!, 1);
      expect(Number(h)).toBeCloseTo(c.mediabox[1]!, 1);
      expect(Number(/Pages:\s+(\d+)/.exec(info)![1])).toBe(printed.pages);

      // Every font embedded, as a subset, with a Unicode map (what keeps the text extractable).
      const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' }).trim().split('\n').slice(2);
      expect(fonts.length).toBeGreaterThan(0);
      for (const line of fonts) expect(line).toMatch(/\+NotoSansSC-\w+\s+CID TrueType\s+Identity-H\s+yes yes yes/);
      // Subsetting keeps the file small next to the 10 MB fonts.
      expect(pdf.length).toBeLessThan(200_000);

      // The text, in drawing order: exactly what was drawn, footers apart; and what was drawn holds the whole letter.
      const extracted = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
      let body = noSpace(extracted);
      for (const footer of printed.footers) {
        expect(body).toContain(noSpace(footer));
        body = body.replace(noSpace(footer), '');
      }
      expect(body).toBe(noSpace(printed.drawn.join('')));
      expect(noSpace(printed.drawn.join(''))).toContain(noSpace(letterBlocks(notice.text!).map((b) => b.text).join('')));
      for (const element of [content.locales[c.locale].nature_and_impact, content.locales[c.locale].remedies, c.name, c.address.line1]) {
        expect(noSpace(extracted)).toContain(noSpace(element));
      }
      expect(printed.footers).toContain(c.locale === 'en' ? `Page 1 of ${printed.pages}` : `第 1 页，共 ${printed.pages} 页`);

      // Page 1 as a picture, left for a person to look at.
      execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, join(outDir, `letter-${c.locale}-page1`)]);

      // The proof is stable: the same letter hashes the same, a changed address does not.
      const hash = letterContentHash(letter, sender, printed.paper);
      expect(letterContentHash({ ...letter }, sender, printed.paper)).toBe(hash);
      expect(letterContentHash({ ...letter, recipientLines: [...letter.recipientLines.slice(0, -1), 'elsewhere'] }, sender, printed.paper)).not.toBe(hash);
    }, 30_000);
  }

  it('a letter to a guardian names the child it is about, and that text is extracted as drawn (en and zh-CN)', async () => {
    for (const [locale, guardian, child, about] of [['en', 'Jana Schulz', 'Mia Schulz', 'This letter is about Mia Schulz only'], ['zh-CN', '王芳', '王小明', '本信仅涉及王小明']] as const) {
      const notice = testRenderer().render({
        channel: 'letter', locale, content, recipient: { name: guardian, isGuardian: true, locale, subjectName: child },
        links: { publicNotice: 'https://status.example.com/status' }, incident: { title: 'Order export', discoveredAt: new Date('2026-11-22T09:10:00Z') },
      });
      expect(notice.text).toContain(about);
      const address = { line1: 'Lindenweg 7', city: 'Bonn', postal_code: '53113', country: 'DE' };
      const letter = { deliveryId: '2042', locale: notice.locale, text: notice.text!, recipientLines: addressLines(guardian, address, 'CN'), country: 'DE', date: '6 December 2026' };
      const { pdf, printed } = await letterPdf(nodeLetterPdf, sender, letter, new Date('2026-12-06T00:00:00Z'));
      const file = join(outDir, `letter-guardian-${locale}.pdf`);
      writeFileSync(file, pdf);
      let body = noSpace(execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }));
      for (const footer of printed.footers) body = body.replace(noSpace(footer), '');
      expect(body).toBe(noSpace(printed.drawn.join('')));
      expect(body).toContain(noSpace(about));
    }
  }, 30_000);

  it('places the recipient inside the window of the envelope each paper goes in', () => {
    const mm = 72 / 25.4;
    const a4 = layoutFor('DE');
    // DIN 5008 form B: the window field is 20 mm from the left, 45 mm from the top, 85 × 45 mm.
    expect(a4.recipient.x).toBeCloseTo(20 * mm);
    expect(a4.returnLine.y).toBeGreaterThanOrEqual(45 * mm);
    expect(a4.recipient.y + a4.recipient.height).toBeLessThanOrEqual(90 * mm + 0.01);
    const us = layoutFor('US');
    // #10: the window shows 2.04–3.17 in from the top of a sheet resting in the envelope, from ⅞ in on the left.
    expect(us.returnLine.y).toBeGreaterThanOrEqual(2.04 * 72);
    expect(us.recipient.y + us.recipient.height).toBeLessThanOrEqual(3.17 * 72);
    expect(us.recipient.x).toBeGreaterThanOrEqual(0.875 * 72);
    expect(us.recipient.x + us.recipient.width).toBeLessThanOrEqual((0.875 + 4.5) * 72);
    expect(['MX', 'CA', 'US'].map((c) => layoutFor(c).paper)).toEqual(['LETTER', 'LETTER', 'LETTER']);
    expect(['CN', 'DE', 'BR', 'JP'].map((c) => layoutFor(c).paper)).toEqual(['A4', 'A4', 'A4', 'A4']);
  });

  it('writes the address as the destination post reads it, with the country only when abroad', () => {
    expect(addressLines('Ada Lovelace', { line1: '1600 Main Street', city: 'Austin', region: 'TX', postal_code: '78701', country: 'US' }, 'US')).toEqual(['Ada Lovelace', '1600 Main Street', 'Austin, TX 78701']);
    expect(addressLines('Max Muster', { line1: 'Hauptstraße 5', city: 'Berlin', postal_code: '10115', country: 'DE' }, 'CN')).toEqual(['Max Muster', 'Hauptstraße 5', '10115 Berlin', 'GERMANY']);
    expect(addressLines('李伟', { line1: '中南路 99 号', city: '武汉市', region: '湖北省', postal_code: '430071', country: 'CN' }, 'CN')).toEqual(['430071 湖北省 武汉市', '中南路 99 号', '李伟']);
  });
});
