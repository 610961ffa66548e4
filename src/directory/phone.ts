// Phone validation for directory imports: libphonenumber-js's own answer for E.164 strings, with its patterns compiled once.
//
// The fast path below reads the library's metadata and mirrors the steps of its private helpers
// (getNumberType, matchesEntirely, national-prefix stripping), which may change in any release. It
// was checked, by tests/directory/phone.test.ts against the library's own isValidPhoneNumber, with
// this version only; package.json pins it exactly, and the test fails when the installed version
// differs, so an upgrade is a deliberate step: bump both, run that test, then change this constant.
export const checkedLibphonenumberVersion = '1.13.16';
import { Metadata } from 'libphonenumber-js/core';
import { isValidPhoneNumber } from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/max/metadata';

// The library's runtime API is wider than its typings; these are the members this module reads.
interface LibraryType {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}

interface LibraryPlan {
  nationalNumberPattern(): string;
  nationalPrefixForParsing(): string | 0 | undefined;
  leadingDigits(): string | 0 | undefined;
  hasTypes(): boolean;
  type(name: string): LibraryType | undefined;
}

interface LibraryMetadata {
  hasCallingCode(callingCode: string): boolean | undefined;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
  selectNumberingPlan(countryOrCallingCode: string): unknown;
  numberingPlan?: LibraryPlan;
}

interface NumberType {
  pattern: RegExp;
  lengths: number[] | undefined;
}

interface CompiledPlan {
  nationalNumber: RegExp;
  // null when the plan has no type patterns: the library then judges validity by the national pattern alone.
  types: NumberType[] | null;
  leadingDigits: RegExp | null;
}

interface CallingCode {
  main: CompiledPlan;
  // Undefined for non-geographic codes (+800, +882, ...), which have no country.
  countries: CompiledPlan[] | undefined;
  nationalPrefixForParsing: RegExp | null;
}

const e164Shape = /^\+[1-9]\d{6,14}$/;

// The order getNumberType tries them in (helpers/getNumberType.js).
const typeNames = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];

const library = new Metadata(metadata) as unknown as LibraryMetadata;

const regExps = new Map<string, RegExp>();

function compiled(source: string): RegExp {
  let re = regExps.get(source);
  if (re === undefined) {
    re = new RegExp(source);
    regExps.set(source, re);
  }
  return re;
}

// Same wrapping as helpers/matchesEntirely.js.
const entire = (pattern: string): RegExp => compiled('^(?:' + pattern + ')$');

function selectedPlan(countryOrCallingCode: string): LibraryPlan {
  library.selectNumberingPlan(countryOrCallingCode);
  const plan = library.numberingPlan;
  if (plan === undefined) throw new Error(`libphonenumber-js selected no numbering plan for ${countryOrCallingCode}`);
  return plan;
}

const plans = new Map<string, CompiledPlan>();

function compiledPlan(countryOrCallingCode: string): CompiledPlan {
  const known = plans.get(countryOrCallingCode);
  if (known !== undefined) return known;
  const plan = selectedPlan(countryOrCallingCode);
  let types: NumberType[] | null = null;
  if (plan.hasTypes()) {
    types = [];
    for (const name of typeNames) {
      const type = plan.type(name);
      // isNumberTypeEqualTo skips absent types and the empty pattern that stands for "same as fixed line".
      if (type === undefined || !type.pattern()) continue;
      types.push({ pattern: entire(type.pattern()), lengths: type.possibleLengths() });
    }
  }
  const leadingDigits = plan.leadingDigits();
  const result: CompiledPlan = { nationalNumber: entire(plan.nationalNumberPattern()), types, leadingDigits: leadingDigits ? compiled(leadingDigits) : null };
  plans.set(countryOrCallingCode, result);
  return result;
}

// Indexed by the code's numeric value: codes never start with 0, so 1-, 2- and 3-digit codes cannot collide.
const callingCodes = new Array<CallingCode | null | undefined>(1000);

function callingCodeAt(value: number): CallingCode | null {
  const known = callingCodes[value];
  if (known !== undefined) return known;
  const code = String(value);
  let result: CallingCode | null = null;
  if (library.hasCallingCode(code)) {
    const countries = library.getCountryCodesForCallingCode(code);
    const prefix = selectedPlan(code).nationalPrefixForParsing();
    result = {
      main: compiledPlan(code),
      countries: countries?.map(compiledPlan),
      nationalPrefixForParsing: prefix ? compiled('^(?:' + prefix + ')') : null,
    };
  }
  callingCodes[value] = result;
  return result;
}

// getNumberType(...) !== undefined: the national pattern, then any type whose lengths allow the number.
function hasType(plan: CompiledPlan, national: string): boolean {
  if (!plan.nationalNumber.test(national)) return false;
  if (plan.types === null) return false;
  for (const type of plan.types) {
    if (type.lengths !== undefined && type.lengths.indexOf(national.length) < 0) continue;
    if (type.pattern.test(national)) return true;
  }
  return false;
}

// isValid.js for the chosen plan.
const validIn = (plan: CompiledPlan, national: string): boolean => (plan.types === null ? plan.nationalNumber.test(national) : hasType(plan, national));

/**
 * True exactly when libphonenumber-js (max metadata) holds `e164` valid; `e164` must already match /^\+[1-9]\d{6,14}$/.
 * Any other string is refused (false), even one the library would accept in another notation.
 */
export function isValidE164(e164: string): boolean {
  if (!e164Shape.test(e164)) return false;
  // extractCountryCallingCode.js: the first prefix of 1 to 3 digits that is a calling code.
  let value = 0;
  let code: CallingCode | null = null;
  let length = 0;
  while (code === null && length < 3) {
    value = value * 10 + e164.charCodeAt(1 + length) - 48;
    length++;
    code = callingCodeAt(value);
  }
  if (code === null) return false;
  const national = e164.slice(1 + length);
  if (code.nationalPrefixForParsing !== null) {
    const prefix = code.nationalPrefixForParsing.exec(national);
    // An empty match leaves the number as it was; any other may strip or rewrite a national prefix, which stays the library's to judge.
    if (prefix !== null && !prefix.every((group) => !group)) return isValidPhoneNumber(e164);
  }
  // The shape leaves 4 to 14 national digits, inside parse.js's limits of 2 to 17.
  if (code.countries === undefined || code.countries.length === 1) return validIn(code.main, national);
  // getCountryByNationalNumber.js: the first country whose leading digits, or else whose type patterns, take the number.
  for (const country of code.countries) {
    if (country.leadingDigits !== null) {
      if (national.search(country.leadingDigits) === 0) return validIn(country, national);
    } else if (hasType(country, national)) {
      // isValid then runs the same getNumberType on the same country.
      return true;
    }
  }
  // No country claimed it: isValid falls back to the calling code's main plan.
  return validIn(code.main, national);
}
