// The PRC holiday schedule for 2025, as the State Council General Office set it (国务院办公厅关于2025年部分节假日安排的通知).
import type { OfficialSchedule } from './types.js';

export const cn2025: OfficialSchedule = {
  jurisdiction: 'CN',
  year: 2025,
  source: 'State Council General Office, notice on the arrangement of some holidays in 2025 (国务院办公厅关于2025年部分节假日安排的通知), published 2024-11 on www.gov.cn.',
  holidays: [
    { from: '2025-01-01', to: '2025-01-01', name: 'New Year\'s Day (元旦)' },
    { from: '2025-01-28', to: '2025-02-04', name: 'Spring Festival (春节)' },
    { from: '2025-04-04', to: '2025-04-06', name: 'Tomb-sweeping Day (清明)' },
    { from: '2025-05-01', to: '2025-05-05', name: 'Labour Day (劳动节)' },
    { from: '2025-05-31', to: '2025-06-02', name: 'Dragon Boat Festival (端午)' },
    { from: '2025-10-01', to: '2025-10-05', name: 'National Day (国庆节)' },
    { from: '2025-10-06', to: '2025-10-06', name: 'Mid-autumn Festival (中秋)' },
    { from: '2025-10-07', to: '2025-10-08', name: 'National Day (国庆节)' },
  ],
  makeup_workdays: [
    { date: '2025-01-26', for: 'Spring Festival (春节)' },
    { date: '2025-02-08', for: 'Spring Festival (春节)' },
    { date: '2025-04-27', for: 'Labour Day (劳动节)' },
    { date: '2025-09-28', for: 'National Day (国庆节)' },
    { date: '2025-10-11', for: 'National Day (国庆节)' },
  ],
};
