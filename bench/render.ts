// Renders 1,000,000 notices over mixed channels and locales on one core and prints notices/s per channel.
// Run: npx tsx bench/render.ts [count] [--cold]
//   --cold      also renders without reusing anything across recipients (every notice through Liquid)
import { fileURLToPath } from 'node:url';
import { readTextTree } from '../src/lib/assets.node.js';
import { noticeContent, type NoticeContent } from '../src/notices/content.js';
import { createNoticeRenderer } from '../src/notices/render.js';
import { noticeChannels, type NoticeChannel, type NoticeRenderer, type RecipientView } from '../src/notices/renderer.js';

const args = process.argv.slice(2);
const total = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const files = readTextTree(fileURLToPath(new URL('../templates/', import.meta.url)));

const para = (s: string, n: number) => Array.from({ length: n }, () => s).join(' ');
function content(i: number): NoticeContent {
  return noticeContent.parse({
    locales: {
      en: {
        headline: `Incident ${i}: your order details were exposed`,
        nature_and_impact: `${para('Between 20 and 22 November a file with names, email addresses and delivery addresses from orders was readable by anyone with its link.', 3)}\n\n${para('Payment card numbers & passwords were not in the file.', 2)}`,
        measures: para('We removed public access on 22 November, checked who downloaded the file, and changed how exports are stored.', 3),
        self_protection: para('Be careful with emails or calls that mention your orders and ask for payment or passwords.', 3),
        remedies: para('You can ask us for a copy of the data involved and to delete it. We offer a year of free identity monitoring.', 3),
        sms_summary: 'Order names, emails and addresses were exposed 20-22 Nov; no cards or passwords. We closed it. Beware of scam calls.',
      },
      'zh-CN': {
        headline: `事件${i}：您的订单信息曾被泄露`,
        nature_and_impact: `${para('11月20日至22日期间，一个包含订单姓名、电子邮件和收货地址的文件可通过链接被任何人读取。', 3)}\n\n文件中没有银行卡号和密码。`,
        measures: para('我们已于11月22日关闭公开访问，核查了下载记录，并改进了导出文件的存储方式。', 3),
        self_protection: para('请警惕提及您的订单并要求付款或索要密码的邮件或电话。', 3),
        remedies: para('您可以要求我们提供相关数据的副本或将其删除。我们提供一年免费身份监测服务。', 3),
        sms_summary: '11月20-22日订单姓名、邮箱、地址曾被泄露，无银行卡和密码。已关闭。谨防诈骗。',
      },
    },
    contact: { email: 'privacy@example.com', phone: '+86 27 0000 0000', url: 'https://example.com/security', hours: '9:00-18:00' },
  });
}

const versions = [content(1), content(2), content(3)];
const locales = ['en', 'zh-CN', 'zh-Hant-TW', 'en-GB', null, 'fr', 'zh'];
const firstNames = ['Alex', 'Li Wei', '王芳', "O'Brien", 'Zoë', 'María José', null];
const recipients: RecipientView[] = Array.from({ length: 10_000 }, (_, i) => ({
  name: firstNames[i % firstNames.length] === null ? null : `${firstNames[i % firstNames.length]} ${i}`,
  isGuardian: i % 11 === 0,
  locale: locales[i % locales.length]!,
}));
// The fan-out's mix: mostly email, then SMS; voice, letters and the announcement are rarer.
const mix: NoticeChannel[] = ['email', 'email', 'email', 'email', 'sms', 'sms', 'sms', 'voice', 'letter', 'announcement'];
const links = { publicNotice: 'https://status.example.com/n/abc123' };
const incident = { title: 'Order export exposure', discoveredAt: new Date('2026-11-22T09:00:00Z') };

function run(label: string, renderer: NoticeRenderer, count: number): void {
  const time = Object.fromEntries(noticeChannels.map((c) => [c, 0])) as Record<NoticeChannel, number>;
  const done = Object.fromEntries(noticeChannels.map((c) => [c, 0])) as Record<NoticeChannel, number>;
  const block = 1000;
  let bytes = 0;
  const started = performance.now();
  for (let b = 0; b * block < count; b++) {
    const channel = mix[b % mix.length]!;
    const n = Math.min(block, count - b * block);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const r = recipients[(b * block + i) % recipients.length]!;
      const out = renderer.render({ channel, locale: r.locale, content: versions[(b + i) % versions.length]!, recipient: channel === 'announcement' ? null : r, links, incident });
      bytes += (out.html?.length ?? 0) + (out.text?.length ?? 0);
    }
    time[channel] += performance.now() - t0;
    done[channel] += n;
  }
  const wall = (performance.now() - started) / 1000;
  console.log(`\n${label}: ${count.toLocaleString('en')} notices in ${wall.toFixed(2)} s = ${Math.round(count / wall).toLocaleString('en')} notices/s overall (${(bytes / 1e6).toFixed(0)} MB of output)`);
  for (const c of noticeChannels) {
    if (done[c] === 0) continue;
    console.log(`  ${c.padEnd(13)} ${done[c].toLocaleString('en').padStart(9)} notices  ${Math.round(done[c] / (time[c] / 1000)).toLocaleString('en').padStart(9)} notices/s`);
  }
}

console.log(`node ${process.version}, one core; templates: ${Object.keys(files).filter((f) => f.endsWith('.liquid')).length} files`);
run('src/notices/render.ts (pre-rendered per version × channel × locale × guardian, name spliced in)', createNoticeRenderer(files, { smsMaxParts: 4 }), total);
if (args.includes('--cold')) run('src/notices/render.ts, cold (reuse: false)', createNoticeRenderer(files, { smsMaxParts: 4, reuse: false }), Math.min(total, 200_000));
