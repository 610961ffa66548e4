// The PRC holiday schedule for 2021, as the State Council General Office set it (国务院办公厅关于2021年部分节假日安排的通知).
import type { OfficialSchedule } from './types.js';

export const cn2021: OfficialSchedule = {
  jurisdiction: 'CN',
  year: 2021,
  source: 'State Council General Office, notice on the arrangement of some holidays in 2021 (国务院办公厅关于2021年部分节假日安排的通知), published 2020-11 on www.gov.cn.',
  holidays: [
    { from: '2021-01-01', to: '2021-01-03', name: 'New Year\'s Day (元旦)' },
    { from: '2021-02-11', to: '2021-02-17', name: 'Spring Festival (春节)' },
    { from: '2021-04-03', to: '2021-04-05', name: 'Tomb-sweeping Day (清明)' },
    { from: '2021-05-01', to: '2021-05-05', name: 'Labour Day (劳动节)' },
    { from: '2021-06-12', to: '2021-06-14', name: 'Dragon Boat Festival (端午)' },
    { from: '2021-09-19', to: '2021-09-21', name: 'Mid-autumn Festival (中秋)' },
    { from: '2021-10-01', to: '2021-10-07', name: 'National Day (国庆节)' },
  ],
  makeup_workdays: [
    { date: '2021-02-07', for: 'Spring Festival (春节)' },
    { date: '2021-02-20', for: 'Spring Festival (春节)' },
    { date: '2021-04-25', for: 'Labour Day (劳动节)' },
    { date: '2021-05-08', for: 'Labour Day (劳动节)' },
    { date: '2021-09-18', for: 'Mid-autumn Festival (中秋)' },
    { date: '2021-09-26', for: 'National Day (国庆节)' },
    { date: '2021-10-09', for: 'National Day (国庆节)' },
  ],
};
