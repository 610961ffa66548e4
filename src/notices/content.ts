// The notice content a responder drafts: the four IV(v) elements in every notice language, and how to reach the company.
import { z } from '@hono/zod-openapi';
import { text } from '../lib/schema.js';

/** The languages every notice is written in. */
export const noticeLocales = ['en', 'zh-CN'] as const;
export type NoticeLocale = (typeof noticeLocales)[number];

/** The same text in every notice language. */
export const localizedText = (max: number) =>
  z.strictObject(Object.fromEntries(noticeLocales.map((l) => [l, text(max).pipe(z.string().min(1))])) as Record<NoticeLocale, z.ZodPipe<ReturnType<typeof text>, z.ZodString>>);

const element = (max: number, description: string) => text(max).pipe(z.string().min(1)).openapi({ description });

export const localizedContent = z.strictObject({
  headline: element(200, 'A short title for the notice, e.g. the subject line of the email.'),
  nature_and_impact: element(4000, 'IV(v)(1): what happened and what it may mean for the person.'),
  measures: element(4000, 'IV(v)(2): what the company has done and will do about it.'),
  self_protection: element(4000, 'IV(v)(3): what the person can do to protect themselves.'),
  remedies: element(4000, 'IV(v)(4): the remedies available to the person and how to claim them.'),
  sms_summary: element(300, 'A very short version of the four elements for SMS: what happened, what we did, what to do, what we offer.'),
});

export const noticeContent = z
  .strictObject({
    locales: z.strictObject(Object.fromEntries(noticeLocales.map((l) => [l, localizedContent])) as Record<NoticeLocale, typeof localizedContent>),
    contact: z.strictObject({
      email: z.email().max(254),
      phone: text(40).pipe(z.string().min(3)),
      url: z.url({ protocol: /^https$/ }).max(500),
      hours: text(200).optional(),
    }),
  })
  .openapi('NoticeContent');

export type NoticeContent = z.output<typeof noticeContent>;

/**
 * How a notice version uses in-app notices: `in_order` — as one channel where the company's channel
 * order puts it; `additional` — to every person with an app account, beside their first channel.
 */
export const inappModes = ['in_order', 'additional'] as const;
export type InappMode = (typeof inappModes)[number];
export type LocalizedContent = z.output<typeof localizedContent>;
