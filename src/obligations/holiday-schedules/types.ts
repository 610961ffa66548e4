// The shape of a holiday schedule: the days off and the weekend days worked in lieu that one authority set for one year.

export interface HolidaySchedule {
  /** ISO 3166 code of the jurisdiction whose calendar this is (CN, or e.g. BR, US-TX). */
  jurisdiction: string;
  /** The year the schedule is for; a range may start in the last days of the year before (New Year's Eve). */
  year: number;
  /** The official notice the days are taken from. */
  source: string;
  holidays: { from: string; to: string; name: string }[];
  /** Weekend days that are working days, and the holiday each pays back (调休). */
  makeup_workdays: { date: string; for: string }[];
}

/** A schedule shipped with breachkit, copied from the official notice. */
export type OfficialSchedule = HolidaySchedule;
