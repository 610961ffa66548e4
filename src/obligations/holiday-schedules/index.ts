// The official holiday schedules breachkit ships, one file per jurisdiction and year.
import { cn2020 } from './cn-2020.js';
import { cn2021 } from './cn-2021.js';
import { cn2022 } from './cn-2022.js';
import { cn2023 } from './cn-2023.js';
import { cn2024 } from './cn-2024.js';
import { cn2025 } from './cn-2025.js';
import { cn2026 } from './cn-2026.js';
import type { OfficialSchedule } from './types.js';

export type { HolidaySchedule, OfficialSchedule } from './types.js';

export const officialSchedules: readonly OfficialSchedule[] = [cn2020, cn2021, cn2022, cn2023, cn2024, cn2025, cn2026];

/** Jurisdictions whose working days are set each year by an official notice: without one, a year is not known. */
export const scheduledJurisdictions: ReadonlySet<string> = new Set(['CN']);
