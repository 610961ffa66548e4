// Request and response shapes for scopes and affected snapshots.
import { z } from '@hono/zod-openapi';
import { reachBases } from '../delivery/reach.js';
import { label, timestamp } from '../lib/schema.js';
import { regionCode } from '../incidents/schema.js';
import { dataCategories } from '../incidents/vocabulary.js';

export const accountStatuses = ['active', 'deleted'] as const;
export const channels = ['email', 'sms', 'voice', 'letter'] as const;
export type Channel = (typeof channels)[number];

const externalId = label.openapi({ description: 'A user id from the company directory.' });

export const scopeBody = z
  .strictObject({
    data_categories: z.array(z.enum(dataCategories)).max(dataCategories.length).default([]),
    systems: z.array(label).max(500).default([]),
    regions: z.array(regionCode).max(300).default([]).openapi({ description: 'Countries or subdivisions; empty means everywhere.' }),
    window: z
      .strictObject({ from: timestamp.nullable().default(null), to: timestamp.nullable().default(null) })
      .nullable()
      .default(null)
      .openapi({ description: 'Only users whose data existed during this window (created before `to`, not deleted before `from`).' }),
    account_statuses: z.array(z.enum(accountStatuses)).min(1).default(['active', 'deleted']).openapi({
      description: 'Deleted accounts whose data still sits in backups are affected too (policy V(iii)); both by default.',
    }),
    include_ids: z.array(externalId).max(10_000).default([]).openapi({ description: 'Always affected (e.g. from forensics). Larger lists: upload them.' }),
    exclude_ids: z.array(externalId).max(10_000).default([]),
  })
  .superRefine((s, ctx) => {
    if (s.window?.from && s.window.to && s.window.to < s.window.from) ctx.addIssue({ code: 'custom', path: ['window', 'to'], message: 'must not be before window.from' });
  })
  .openapi('Scope');

export type Scope = z.output<typeof scopeBody>;

export interface SnapshotSummary {
  total: number;
  by_jurisdiction: Record<string, number>;
  by_country: Record<string, number>;
  by_subdivision: Record<string, number>;
  by_channel: Record<string, number>;
  by_data_category: Record<string, number>;
  /** People whose channel was refused at resolve time (e.g. a letter to an address without a country), by channel. */
  rejected_channels: Record<string, number>;
  minors: number;
  minors_without_guardian: number;
  deleted_accounts: number;
  announcement_only: number;
  from_include_list: number;
}

export const summarySchema = z
  .object({
    total: z.number().int(),
    by_jurisdiction: z.record(z.string(), z.number().int()),
    by_country: z.record(z.string(), z.number().int()),
    by_subdivision: z.record(z.string(), z.number().int()),
    by_channel: z.record(z.string(), z.number().int()),
    by_data_category: z.record(z.string(), z.number().int()),
    rejected_channels: z
      .record(z.string(), z.number().int())
      .optional()
      .openapi({ description: 'People whose channel was refused at resolve time (a letter to an address without a country or with unknown lines), by channel; they fall to their next channel or the announcement.' }),
    minors: z.number().int(),
    minors_without_guardian: z.number().int(),
    deleted_accounts: z.number().int(),
    announcement_only: z
      .number()
      .int()
      .openapi({ description: 'People no individual channel can reach: covered by the public announcement. The same count the delivery run and the check route give (`reach.announcement_only`).' }),
    from_include_list: z.number().int(),
  })
  .openapi('AffectedSummary');

export const snapshotSchema = z
  .object({
    id: z.string(),
    incident_id: z.string(),
    version: z.number().int(),
    row_count: z.number().int(),
    content_hash: z.string(),
    created_at: z.string(),
    created_by: z.string(),
    scope: z.record(z.string(), z.unknown()),
    summary: summarySchema,
    reach: z
      .object({
        basis: z.enum(reachBases).openapi({
          description:
            "What the counts rest on: `runs` (the snapshot's delivery runs), `next_run` (no run yet: DELIVERY_CHANNEL_ORDER and the newest approved notice's in-app mode, what starting the run now plans), `next_run_inapp_unknown` (no approved notice yet, so in-app counts only where the order names it; a notice sending in-app in addition may reach more).",
        }),
        people: z.number().int(),
        reachable: z.number().int().openapi({ description: 'People an individual channel can still reach (or has reached).' }),
        reached: z.number().int(),
        in_flight: z.number().int(),
        unknown: z.number().int(),
        not_planned: z.number().int(),
        announcement_only: z.number().int(),
        no_channel: z.number().int(),
      })
      .openapi({ description: 'Counts of reach for this snapshot: the one definition the delivery run, the check route and the announcement rule use.' }),
  })
  .openapi('AffectedSnapshot');
