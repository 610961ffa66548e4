// The PRC holiday schedule for 2022, as the State Council General Office set it (国务院办公厅关于2022年部分节假日安排的通知).
import type { OfficialSchedule } from './types.js';

export const cn2022: OfficialSchedule = {
  jurisdiction: 'CN',
  year: 2022,
  source: 'State Council General Office, notice on the arrangement of some holidays in 2022 (国务院办公厅关于2022年部分节假日安排的通知), published 2021-10 on www.gov.cn.',
  holidays: [
    { from: '2022-01-01', to: '2022-01-03', name: 'New Year\'s Day (元旦)' },
    { from: '2022-01-31', to: '2022-02-06', name: 'Spring Festival (春节)' },
    { from: '2022-04-03', to: '2022-04-05', name: 'Tomb-sweeping Day (清明)' },
    { from: '2022-04-30', to: '2022-05-04', name: 'Labour Day (劳动节)' },
    { from: '2022-06-03', to: '2022-06-05', name: 'Dragon Boat Festival (端午)' },
    { from: '2022-09-10', to: '2022-09-12', name: 'Mid-autumn Festival (中秋)' },
    { from: '2022-10-01', to: '2022-10-07', name: 'National Day (国庆节)' },
  ],
  makeup_workdays: [
    { date: '2022-01-29', for: 'Spring Festival (春节)' },
    { date: '2022-01-30', for: 'Spring Festival (春节)' },
    { date: '2022-04-02', for: 'Tomb-sweeping Day (清明)' },
    { date: '2022-04-24', for: 'Labour Day (劳动节)' },
    { date: '2022-05-07', for: 'Labour Day (劳动节)' },
    { date: '2022-10-08', for: 'National Day (国庆节)' },
    { date: '2022-10-09', for: 'National Day (国庆节)' },
  ],
};
