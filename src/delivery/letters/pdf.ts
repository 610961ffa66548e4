// Lays rendered letters out as print-ready PDF pages (pdfkit, fonts subset through fontkit): one letter or a whole batch in one file.
import PDFDocument from 'pdfkit';
import { layoutFor, type PaperLayout } from './paper.js';
import type { LetterFonts, LetterSender, LetterToPrint, LetterWriter, PrintedLetter } from './types.js';

const pageLabel: Record<string, (n: number, of: number) => string> = {
  en: (n, of) => `Page ${n} of ${of}`,
  'zh-CN': (n, of) => `第 ${n} 页，共 ${of} 页`,
};
const referenceLabel: Record<string, string> = { en: 'Ref.', 'zh-CN': '编号' };

interface Block {
  kind: 'headline' | 'heading' | 'paragraph';
  text: string;
}

/** The template's plain-text marks read back: `# ` a headline, `## ` a heading, anything else a paragraph. */
export function letterBlocks(text: string): Block[] {
  return text
    .split(/\n[ \t]*\n/)
    .map((b) => b.trim())
    .filter(Boolean)
    .map((b) =>
      b.startsWith('## ') ? { kind: 'heading', text: b.slice(3).trim() } : b.startsWith('# ') ? { kind: 'headline', text: b.slice(2).trim() } : { kind: 'paragraph', text: b },
    );
}

const sizes = { headline: 14, heading: 11, paragraph: 10.5, address: 9.5, addressMin: 7, small: 6.5, footer: 8 } as const;

/**
 * Writes letters into one PDF, each starting on a new sheet with its own page numbers. `onData` receives
 * the file as it is produced; pages are flushed after each letter, so memory stays flat for any batch.
 */
export class LetterPdfWriter implements LetterWriter {
  private readonly doc: PDFKit.PDFDocument;
  private readonly ended: Promise<void>;
  private pagesWritten = 0;

  constructor(
    fonts: LetterFonts,
    private readonly sender: LetterSender,
    onData: (chunk: Uint8Array) => void,
    info: { title: string; createdAt: Date },
  ) {
    // No default font: pdfkit would load its built-in Helvetica metrics, which letters never use.
    this.doc = new PDFDocument({ autoFirstPage: false, bufferPages: true, font: null as unknown as string, compress: true, info: { Title: info.title, Creator: 'breachkit', CreationDate: info.createdAt } });
    this.doc.registerFont('regular', fonts.regular as never);
    this.doc.registerFont('bold', fonts.bold as never);
    this.doc.on('data', (chunk: Uint8Array) => onData(chunk));
    this.ended = new Promise((resolve, reject) => {
      this.doc.on('end', () => resolve());
      this.doc.on('error', reject);
    });
  }

  add(letter: LetterToPrint): PrintedLetter {
    const doc = this.doc;
    const layout = layoutFor(letter.country);
    const drawn: string[] = [];
    const footers: string[] = [];
    const draw = (text: string, x: number, y: number, options: PDFKit.Mixins.TextOptions, into = drawn) => {
      doc.text(text, x, y, options);
      into.push(text);
    };
    doc.addPage({ size: layout.size, margins: layout.margins });
    const first = doc.bufferedPageRange().start + doc.bufferedPageRange().count - 1;

    // The window: return line, then the recipient; beside it, the sender and the date.
    doc.font('regular').fontSize(sizes.small);
    draw(this.sender.returnLine, layout.returnLine.x, layout.returnLine.y, { width: layout.returnLine.width, height: layout.returnLine.height, lineBreak: false, ellipsis: true });
    // The recipient block shrinks to fit the window rather than lose a line; nothing is cut.
    const recipient = letter.recipientLines.join('\n');
    let size: number = sizes.address;
    doc.fontSize(size);
    while (size > sizes.addressMin && doc.heightOfString(recipient, { width: layout.recipient.width, lineGap: 0 }) > layout.recipient.height) doc.fontSize((size -= 0.5));
    draw(recipient, layout.recipient.x, layout.recipient.y, { width: layout.recipient.width, lineGap: 0 });
    doc.fontSize(sizes.address);
    draw([...this.sender.lines, '', letter.date].join('\n'), layout.sender.x, layout.sender.y, { width: layout.sender.width, lineGap: 1.5 });
    this.foldMarks(layout);

    // The letter itself, flowing onto further pages as needed.
    const width = layout.size[0] - layout.margins.left - layout.margins.right;
    doc.x = layout.margins.left;
    doc.y = layout.firstBodyTop;
    const floor = layout.size[1] - layout.margins.bottom;
    for (const block of letterBlocks(letter.text)) {
      const bold = block.kind !== 'paragraph';
      doc.font(bold ? 'bold' : 'regular').fontSize(sizes[block.kind]);
      if (block.kind === 'heading') {
        doc.moveDown(0.4);
        // A heading never ends a page: it moves over with room for a few lines of its section.
        if (doc.y + doc.currentLineHeight(true) * 4 > floor) doc.addPage({ size: layout.size, margins: layout.margins });
      }
      draw(block.text, layout.margins.left, doc.y, { width, lineGap: block.kind === 'paragraph' ? 2.5 : 1, paragraphGap: block.kind === 'headline' ? 8 : 5 });
    }

    // Page numbers and the reference, once the page count is known.
    const range = doc.bufferedPageRange();
    const pages = range.start + range.count - first;
    const label = pageLabel[letter.locale] ?? pageLabel.en!;
    for (let i = 0; i < pages; i++) {
      doc.switchToPage(first + i);
      const bottom = doc.page.margins.bottom;
      // Writing inside the bottom margin would otherwise start a new page.
      doc.page.margins.bottom = 0;
      const y = layout.size[1] - bottom + 10;
      doc.font('regular').fontSize(sizes.footer);
      draw(`${referenceLabel[letter.locale] ?? referenceLabel.en} ${letter.deliveryId}`, layout.margins.left, y, { width: width / 2, lineBreak: false }, footers);
      draw(label(i + 1, pages), layout.margins.left + width / 2, y, { width: width / 2, align: 'right', lineBreak: false }, footers);
      doc.page.margins.bottom = bottom;
    }
    doc.flushPages();
    const printed = { deliveryId: letter.deliveryId, firstPage: this.pagesWritten + 1, pages, paper: layout.paper, drawn, footers };
    this.pagesWritten += pages;
    return printed;
  }

  /** Short marks on the left edge where the sheet is folded (and, on A4, punched). */
  private foldMarks(layout: PaperLayout): void {
    const doc = this.doc;
    doc.save().lineWidth(0.4).strokeColor('#888888');
    for (const y of layout.foldMarks) doc.moveTo(4 * (72 / 25.4), y).lineTo(9 * (72 / 25.4), y).stroke();
    doc.restore();
  }

  get pageCount(): number {
    return this.pagesWritten;
  }

  async end(): Promise<void> {
    this.doc.end();
    await this.ended;
  }
}
