// The fixed words of an incident: natures, severities, data categories (policy section I) and region codes.
import { iso31661, iso31662 } from 'iso-3166';

export const natures = ['unauthorized_access', 'accidental_disclosure', 'loss_or_theft', 'tampering', 'ransomware', 'other'] as const;
export type Nature = (typeof natures)[number];

export const severities = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

/** Personal information the policy (section I) says the company collects. */
export const ordinaryDataCategories = [
  'account',
  'contact',
  'purchase_payment',
  'shipping_address',
  'third_party_login',
  'developer_support',
  'complaints',
  'customization_inquiry',
  'subscription',
  'customer_service',
  'device_usage',
  'recruitment',
] as const;

/** Sensitive personal information as the policy lists it. */
export const sensitiveDataCategories = [
  'religious_beliefs',
  'specific_identity',
  'medical_health',
  'financial_account',
  'location_trajectory',
  'children',
] as const;

export const dataCategories = [...ordinaryDataCategories, ...sensitiveDataCategories] as const;
export type DataCategory = (typeof dataCategories)[number];

const countries = new Set(iso31661.map((c) => c.alpha2));
const subdivisions = new Set(iso31662.map((s) => s.code));

/** True for an ISO 3166-1 alpha-2 country code or an ISO 3166-2 subdivision code. */
export function isRegionCode(code: string): boolean {
  return countries.has(code) || subdivisions.has(code);
}

export function isCountryCode(code: string): boolean {
  return countries.has(code);
}

export function isSubdivisionCode(code: string): boolean {
  return subdivisions.has(code);
}

/** One scale for the legal harm tests (GDPR risk / high risk, real risk of significant harm, serious harm). */
export const riskLevels = ['unlikely', 'risk', 'significant', 'high'] as const;
export type RiskOfHarm = (typeof riskLevels)[number];

/** The PRC incident grading levels, lowest first (一般, 较大, 重大, 特别重大). */
export const cacGrades = ['general', 'relatively_major', 'major', 'especially_major'] as const;
export type CacGrade = (typeof cacGrades)[number];

/**
 * Legal facts about an incident that regulator rules read; a key left out is not known yet, and
 * the rules that need it say so rather than guess.
 */
export interface Assessment {
  risk_of_harm?: RiskOfHarm;
  encryption_key_exposed?: boolean;
  credentials_exposed?: boolean;
  malicious?: boolean;
  cac_grade?: CacGrade;
  direct_loss_rmb?: number;
  data_held_in?: string[];
  product_vulnerability?: boolean;
  national_security_or_public_interest?: boolean;
  internal_only?: boolean;
  large_scale?: boolean;
}
