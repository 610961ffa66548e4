// The PRC holiday schedule for 2026, as the State Council General Office set it (国务院办公厅关于2026年部分节假日安排的通知).
import type { OfficialSchedule } from './types.js';

export const cn2026: OfficialSchedule = {
  jurisdiction: 'CN',
  year: 2026,
  source: 'State Council General Office, notice on the arrangement of some holidays in 2026 (国务院办公厅关于2026年部分节假日安排的通知), published 2025-11 on www.gov.cn.',
  holidays: [
    { from: '2026-01-01', to: '2026-01-03', name: 'New Year\'s Day (元旦)' },
    { from: '2026-02-15', to: '2026-02-23', name: 'Spring Festival (春节)' },
    { from: '2026-04-04', to: '2026-04-06', name: 'Tomb-sweeping Day (清明)' },
    { from: '2026-05-01', to: '2026-05-05', name: 'Labour Day (劳动节)' },
    { from: '2026-06-19', to: '2026-06-21', name: 'Dragon Boat Festival (端午)' },
    { from: '2026-09-25', to: '2026-09-27', name: 'Mid-autumn Festival (中秋)' },
    { from: '2026-10-01', to: '2026-10-07', name: 'National Day (国庆节)' },
  ],
  makeup_workdays: [
    { date: '2026-01-04', for: 'New Year\'s Day (元旦)' },
    { date: '2026-02-14', for: 'Spring Festival (春节)' },
    { date: '2026-02-28', for: 'Spring Festival (春节)' },
    { date: '2026-05-09', for: 'Labour Day (劳动节)' },
    { date: '2026-09-20', for: 'National Day (国庆节)' },
    { date: '2026-10-10', for: 'National Day (国庆节)' },
  ],
};
