// The PRC holiday schedule for 2023, as the State Council General Office set it (国务院办公厅关于2023年部分节假日安排的通知).
import type { OfficialSchedule } from './types.js';

export const cn2023: OfficialSchedule = {
  jurisdiction: 'CN',
  year: 2023,
  source: 'State Council General Office, notice on the arrangement of some holidays in 2023 (国务院办公厅关于2023年部分节假日安排的通知), published 2022-12 on www.gov.cn.',
  holidays: [
    { from: '2022-12-31', to: '2023-01-02', name: 'New Year\'s Day (元旦)' },
    { from: '2023-01-21', to: '2023-01-27', name: 'Spring Festival (春节)' },
    { from: '2023-04-05', to: '2023-04-05', name: 'Tomb-sweeping Day (清明)' },
    { from: '2023-04-29', to: '2023-05-03', name: 'Labour Day (劳动节)' },
    { from: '2023-06-22', to: '2023-06-24', name: 'Dragon Boat Festival (端午)' },
    { from: '2023-09-29', to: '2023-09-29', name: 'Mid-autumn Festival (中秋)' },
    { from: '2023-09-30', to: '2023-10-06', name: 'National Day (国庆节)' },
  ],
  makeup_workdays: [
    { date: '2023-01-28', for: 'Spring Festival (春节)' },
    { date: '2023-01-29', for: 'Spring Festival (春节)' },
    { date: '2023-04-23', for: 'Labour Day (劳动节)' },
    { date: '2023-05-06', for: 'Labour Day (劳动节)' },
    { date: '2023-06-25', for: 'Dragon Boat Festival (端午)' },
    { date: '2023-10-07', for: 'National Day (国庆节)' },
    { date: '2023-10-08', for: 'National Day (国庆节)' },
  ],
};
