// The PRC holiday schedule for 2024, as the State Council General Office set it (国务院办公厅关于2024年部分节假日安排的通知).
import type { OfficialSchedule } from './types.js';

export const cn2024: OfficialSchedule = {
  jurisdiction: 'CN',
  year: 2024,
  source: 'State Council General Office, notice on the arrangement of some holidays in 2024 (国务院办公厅关于2024年部分节假日安排的通知), published 2023-10 on www.gov.cn.',
  holidays: [
    { from: '2024-01-01', to: '2024-01-01', name: 'New Year\'s Day (元旦)' },
    { from: '2024-02-10', to: '2024-02-17', name: 'Spring Festival (春节)' },
    { from: '2024-04-04', to: '2024-04-06', name: 'Tomb-sweeping Day (清明)' },
    { from: '2024-05-01', to: '2024-05-05', name: 'Labour Day (劳动节)' },
    { from: '2024-06-10', to: '2024-06-10', name: 'Dragon Boat Festival (端午)' },
    { from: '2024-09-15', to: '2024-09-17', name: 'Mid-autumn Festival (中秋)' },
    { from: '2024-10-01', to: '2024-10-07', name: 'National Day (国庆节)' },
  ],
  makeup_workdays: [
    { date: '2024-02-04', for: 'Spring Festival (春节)' },
    { date: '2024-02-18', for: 'Spring Festival (春节)' },
    { date: '2024-04-07', for: 'Tomb-sweeping Day (清明)' },
    { date: '2024-04-28', for: 'Labour Day (劳动节)' },
    { date: '2024-05-11', for: 'Labour Day (劳动节)' },
    { date: '2024-09-14', for: 'Mid-autumn Festival (中秋)' },
    { date: '2024-09-29', for: 'National Day (国庆节)' },
    { date: '2024-10-12', for: 'National Day (国庆节)' },
  ],
};
