// What the letter service needs from a PDF maker, kept apart from pdfkit so that runtimes without one (Workers) never load it.
import type { PaperName } from './paper.js';

/** Font files (TrueType or OpenType) with Latin and CJK glyphs; only the glyphs used are embedded. */
export interface LetterFonts {
  regular: Uint8Array;
  bold: Uint8Array;
}

export interface LetterToPrint {
  deliveryId: string;
  /** The language the letter was rendered in (`en`, `zh-CN`). */
  locale: string;
  /** The rendered template text: `# ` headline, `## ` headings, blank lines between paragraphs. */
  text: string;
  /** The recipient block, in the order the post reads it (see addressLines). */
  recipientLines: string[];
  country: string;
  /** The date printed on the letter, already in the letter's language. */
  date: string;
}

export interface LetterSender {
  /** The organisation's name and postal address lines, printed beside the window. */
  lines: string[];
  /** The same on one line, small, above the recipient in the window (returns come back to it). */
  returnLine: string;
}

export interface PrintedLetter {
  deliveryId: string;
  /** 1-based page of the combined file where this letter starts. */
  firstPage: number;
  pages: number;
  paper: PaperName;
  /** Every string of the letter drawn, in order: what a text extraction of its pages gives back, less the footers. */
  drawn: string[];
  /** The page footers (reference and page numbers), two per page. */
  footers: string[];
}

/** Writes letters into one PDF as they come; the file leaves through the `onData` given at open. */
export interface LetterWriter {
  add(letter: LetterToPrint): PrintedLetter;
  readonly pageCount: number;
  end(): Promise<void>;
}

/** Opens PDF files of letters: pdfkit with the letter fonts, supplied by a Node adapter (pdf.node.ts). */
export interface LetterPdfMaker {
  open(sender: LetterSender, onData: (chunk: Uint8Array) => void, info: { title: string; createdAt: Date }): LetterWriter;
}
