// What the notice service needs from the template layer: render one channel in one language for one recipient.
import type { LocalizedContent, NoticeContent } from './content.js';

export const noticeChannels = ['email', 'sms', 'voice', 'letter', 'announcement', 'inapp', 'page'] as const;
export type NoticeChannel = (typeof noticeChannels)[number];

export interface RecipientView {
  /** Name of the person addressed: the user, or a minor's guardian. */
  name: string | null;
  /** The notice goes to a parent or guardian about a child (policy VI). */
  isGuardian: boolean;
  locale: string | null;
  /**
   * The person the notice is about when that is not the recipient: the child a guardian is told about
   * (`subject.name`). A guardian of several affected children gets one notice per child, each naming them.
   */
  subjectName?: string | null;
}

export interface RenderInput {
  channel: NoticeChannel;
  /** The language asked for; the renderer falls back along its chain. */
  locale: string | null;
  content: NoticeContent;
  recipient: RecipientView | null;
  /**
   * `publicNotice`: the public status page. `noticePage`: this person's own notice page (absent in
   * previews: a stand-in as long as a real link, on the public page's host).
   */
  links: { publicNotice: string; noticePage?: string };
  incident: { title: string; discoveredAt: Date };
}

export interface RenderedNotice {
  channel: NoticeChannel;
  /** The language actually used. */
  locale: string;
  subject?: string;
  html?: string;
  /**
   * Plain text. A letter's text marks its headline with `# ` and its section headings with `## `; the
   * letter renderer (src/letters) lays it out on paper.
   */
  text?: string;
  /** SMS only: how many parts the message takes, and in which encoding. */
  sms?: { encoding: 'GSM-7' | 'UCS-2'; parts: number; characters: number };
}

export interface NoticeRenderer {
  /** Hash of every template source: part of a notice version's proof. */
  readonly templatesHash: string;
  readonly locales: readonly string[];
  render(input: RenderInput): RenderedNotice;
}

/** A rendering refused for a reason the responder can fix (e.g. an SMS longer than allowed). */
export class RenderRefusedError extends Error {
  constructor(
    readonly channel: NoticeChannel,
    readonly locale: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export type { LocalizedContent };
