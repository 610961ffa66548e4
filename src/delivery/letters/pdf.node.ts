// Node adapter: letter PDFs through pdfkit, with the letter fonts (Noto Sans SC, regular and bold: Latin and Simplified Chinese) from their npm package.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LetterPdfWriter } from './pdf.js';
import type { LetterFonts, LetterPdfMaker } from './types.js';

const require = createRequire(import.meta.url);

let loaded: LetterFonts | undefined;

/** Reads the two font files once (about 21 MB), on first use. */
export function loadLetterFonts(): LetterFonts {
  if (loaded) return loaded;
  const file = (weight: string) => require.resolve(`@expo-google-fonts/noto-sans-sc/${weight}/NotoSansSC_${weight}.ttf`);
  loaded = { regular: new Uint8Array(readFileSync(file('400Regular'))), bold: new Uint8Array(readFileSync(file('700Bold'))) };
  return loaded;
}

/** The PDF maker the Node entry points hand to the app. */
export const nodeLetterPdf: LetterPdfMaker = {
  open: (sender, onData, info) => new LetterPdfWriter(loadLetterFonts(), sender, onData, info),
};
