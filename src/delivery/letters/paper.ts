// Paper and envelope geometry for printed letters, and the address block as the post reads it.
import { iso31661 } from 'iso-3166';

/** Points per millimetre and per inch (PDF user space). */
const mm = 72 / 25.4;
const inch = 72;

/** Countries that use US Letter paper (and #10 envelopes); everywhere else uses A4 (and DL/C5). */
export const letterPaperCountries: readonly string[] = ['US', 'CA', 'MX', 'PR', 'GU', 'VI', 'AS', 'MP', 'PH', 'CL', 'CO', 'CR', 'DO', 'GT', 'HN', 'NI', 'PA', 'SV', 'VE', 'BZ'];

export type PaperName = 'A4' | 'LETTER';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PaperLayout {
  paper: PaperName;
  envelope: string;
  size: [number, number];
  /** The one-line return address that shows above the recipient in the window. */
  returnLine: Box;
  /** The recipient block, inside the envelope window whichever way the sheet settles. */
  recipient: Box;
  /** The sender block and the date, beside or above the window. */
  sender: Box;
  /** Where the text starts on the first page, and the margins of every page. */
  firstBodyTop: number;
  margins: { top: number; bottom: number; left: number; right: number };
  /** Fold (and punch) marks on the left edge, measured from the top. */
  foldMarks: number[];
}

/**
 * A4 for a DL or C5 window envelope (DIN 676 form B / DIN 5008): the window shows the field 20 mm from
 * the left and 45 mm from the top, 85 × 45 mm; its first 17.7 mm carry the return line, then the recipient.
 */
const a4: PaperLayout = {
  paper: 'A4',
  envelope: 'DL/C5 window',
  size: [210 * mm, 297 * mm],
  returnLine: { x: 20 * mm, y: 47 * mm, width: 85 * mm, height: 5 * mm },
  recipient: { x: 20 * mm, y: 62.7 * mm, width: 85 * mm, height: 27.3 * mm },
  sender: { x: 125 * mm, y: 50 * mm, width: 75 * mm, height: 40 * mm },
  firstBodyTop: 103 * mm,
  margins: { top: 20 * mm, bottom: 22 * mm, left: 25 * mm, right: 20 * mm },
  foldMarks: [105 * mm, 148.5 * mm, 210 * mm],
};

/**
 * US Letter folded in three for a #10 window envelope (4⅛ × 9½ in; window 4½ × 1⅛ in, ⅞ in from the left,
 * ½ in from the bottom). The 3⅔ in top panel rests on the envelope's bottom, so the window shows the sheet
 * from about 2.04 in to 3.17 in down: the return line and the recipient sit inside that band.
 */
const letter: PaperLayout = {
  paper: 'LETTER',
  envelope: '#10 window',
  size: [8.5 * inch, 11 * inch],
  returnLine: { x: 1 * inch, y: 2.07 * inch, width: 4.25 * inch, height: 0.12 * inch },
  recipient: { x: 1 * inch, y: 2.2 * inch, width: 4.25 * inch, height: 0.96 * inch },
  sender: { x: 5.6 * inch, y: 0.6 * inch, width: 2.3 * inch, height: 1.4 * inch },
  firstBodyTop: 3.75 * inch,
  margins: { top: 0.75 * inch, bottom: 0.8 * inch, left: 1 * inch, right: 0.9 * inch },
  foldMarks: [11 / 3 * inch, 22 / 3 * inch],
};

export function layoutFor(country: string): PaperLayout {
  return letterPaperCountries.includes(country.toUpperCase()) ? letter : a4;
}

export interface PostalAddress {
  line1: string | null;
  line2?: string | null;
  city?: string | null;
  region?: string | null;
  postal_code?: string | null;
  country: string;
}

const countryNames = new Map(iso31661.map((c) => [c.alpha2, c.name.toUpperCase()]));

/** Where the postal code goes: after the city and region (North America, Australia…), or before the city. */
const cityRegionPostal = new Set(['US', 'CA', 'AU', 'PR', 'GU', 'VI', 'AS', 'MP', 'PH']);
/** Addresses written from the country down to the person (the local form in China, Japan, Korea, Taiwan). */
const largestFirst = new Set(['CN', 'JP', 'KR', 'TW']);

const clean = (s: string | null | undefined) => (s ?? '').replace(/[\p{Cc}\p{Cf}]/gu, ' ').replace(/\s+/g, ' ').trim();

/**
 * The lines of the address block, in the order the destination's post reads them. The country is
 * written last in capitals when it differs from the sender's (UPU practice), and omitted at home.
 */
export function addressLines(name: string | null, a: PostalAddress, senderCountry: string | null): string[] {
  const country = a.country.toUpperCase();
  const abroad = senderCountry === null || senderCountry.toUpperCase() !== country;
  const countryLine = abroad ? (countryNames.get(country) ?? country) : '';
  const [line1, line2, city, region, postal] = [a.line1, a.line2, a.city, a.region, a.postal_code].map(clean) as [string, string, string, string, string];
  let lines: string[];
  if (largestFirst.has(country) && !abroad) {
    lines = [[postal, region, city].filter(Boolean).join(' '), line1, line2, clean(name)];
  } else if (cityRegionPostal.has(country)) {
    lines = [clean(name), line1, line2, [[city, region].filter(Boolean).join(', '), postal].filter(Boolean).join(' '), countryLine];
  } else {
    lines = [clean(name), line1, line2, [postal, city].filter(Boolean).join(' '), region, countryLine];
  }
  return lines.filter((l) => l !== '');
}
