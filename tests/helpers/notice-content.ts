// A complete notice content, as a responder would draft it.

export const sampleNoticeContent = () => ({
  locales: {
    en: {
      headline: 'Your order details were exposed',
      nature_and_impact: 'Between 20 and 22 November a file with names, email addresses and delivery addresses from orders was readable by anyone with its link.\n\nPayment card numbers and passwords were not in the file.',
      measures: 'We removed public access on 22 November, checked who downloaded the file, and changed how exports are stored.',
      self_protection: 'Be careful with emails or calls that mention your orders and ask for payment or passwords.',
      remedies: 'You can ask us for a copy of the data involved and to delete it. We offer a year of free identity monitoring.',
      sms_summary: 'Order names, emails and addresses were exposed 20-22 Nov; no cards or passwords. We closed it. Beware of scam calls. Free monitoring offered.',
    },
    'zh-CN': {
      headline: '您的订单信息曾被泄露',
      nature_and_impact: '11月20日至22日期间，一个包含订单姓名、电子邮件和收货地址的文件可通过链接被任何人读取。\n\n文件中没有银行卡号和密码。',
      measures: '我们已于11月22日关闭公开访问，核查了下载记录，并改进了导出文件的存储方式。',
      self_protection: '请警惕提及您的订单并要求付款或索要密码的邮件或电话。',
      remedies: '您可以要求我们提供相关数据的副本或将其删除。我们提供一年免费身份监测服务。',
      sms_summary: '11月20-22日订单姓名、邮箱、地址曾被泄露，无银行卡和密码。已关闭。谨防诈骗。提供免费监测。',
    },
  },
  contact: { email: 'privacy@example.com', phone: '+86 27 0000 0000', url: 'https://example.com/security', hours: '9:00-18:00' },
});
