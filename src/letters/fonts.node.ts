// Node adapter: the letter fonts (Noto Sans SC, regular and bold: Latin and Simplified Chinese) from their npm package.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { LetterFonts } from './pdf.js';

const require = createRequire(import.meta.url);

export function loadLetterFonts(): LetterFonts {
  const file = (weight: string) => require.resolve(`@expo-google-fonts/noto-sans-sc/${weight}/NotoSansSC_${weight}.ttf`);
  return { regular: new Uint8Array(readFileSync(file('400Regular'))), bold: new Uint8Array(readFileSync(file('700Bold'))) };
}
