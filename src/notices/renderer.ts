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

/**
 * One rendering shared by every recipient of the same notice, channel, language and role (guardian or not,
 * named or not): the recipient's name is left as `slot` wherever it goes. The `html` field takes the name
 * HTML-escaped, every other field takes it as it is.
 */
export interface SharedRendering {
  /** Equal for two recipients exactly when their renderings differ only by the name. */
  key: string;
  rendered: RenderedNotice;
  /** A token no name or notice text can contain; absent from `rendered` for an unnamed recipient. */
  slot: string;
}

export interface NoticeRenderer {
  /** Hash of every template source: part of a notice version's proof. */
  readonly templatesHash: string;
  readonly locales: readonly string[];
  render(input: RenderInput): RenderedNotice;
  /**
   * The shared rendering for this recipient and the name (cleaned as `render` cleans it, null for none) that
   * fills its slot; null when the notice cannot be shared (it names a child, or a template does more with the
   * name than print it). Email and in-app only.
   */
  renderShared?(input: RenderInput): { shared: SharedRendering; name: string | null } | null;
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
