// Every rule the engine knows, one module per jurisdiction, in a stable order.
import type { Rule } from '../types.js';
import { auRules } from './au.js';
import { brRules } from './br.js';
import { caRules } from './ca.js';
import { cnRules } from './cn.js';
import { companyRules } from './company.js';
import { euRules } from './eu.js';
import { hkRules } from './hk.js';
import { inRules } from './in.js';
import { jpRules } from './jp.js';
import { krRules } from './kr.js';
import { sgRules } from './sg.js';
import { twRules } from './tw.js';
import { ukRules } from './uk.js';
import { usCaRules } from './us-ca.js';
import { usCoRules } from './us-co.js';
import { usFederalRules } from './us-federal.js';
import { usFlRules } from './us-fl.js';
import { usMaRules } from './us-ma.js';
import { usNyRules } from './us-ny.js';
import { usTxRules } from './us-tx.js';
import { usWaRules } from './us-wa.js';

export const allRules: readonly Rule[] = [
  ...cnRules,
  ...companyRules,
  ...euRules,
  ...ukRules,
  ...usCaRules,
  ...usNyRules,
  ...usTxRules,
  ...usFlRules,
  ...usWaRules,
  ...usCoRules,
  ...usMaRules,
  ...usFederalRules,
  ...caRules,
  ...auRules,
  ...sgRules,
  ...jpRules,
  ...krRules,
  ...inRules,
  ...brRules,
  ...hkRules,
  ...twRules,
];

export const rulesById: ReadonlyMap<string, Rule> = new Map(allRules.map((r) => [r.id, r]));
