// The PRC holiday schedule for 2020, as the State Council General Office set it (国务院办公厅关于2020年部分节假日安排的通知).
import type { OfficialSchedule } from './types.js';

export const cn2020: OfficialSchedule = {
  jurisdiction: 'CN',
  year: 2020,
  source: 'State Council General Office, notice on the arrangement of some holidays in 2020 (国务院办公厅关于2020年部分节假日安排的通知), published 2019-11 on www.gov.cn. Spring Festival extended to 2 February by the State Council General Office notice of 26 January 2020 on extending the 2020 Spring Festival holiday.',
  holidays: [
    { from: '2020-01-01', to: '2020-01-01', name: 'New Year\'s Day (元旦)' },
    { from: '2020-01-24', to: '2020-02-02', name: 'Spring Festival (春节)' },
    { from: '2020-04-04', to: '2020-04-06', name: 'Tomb-sweeping Day (清明)' },
    { from: '2020-05-01', to: '2020-05-05', name: 'Labour Day (劳动节)' },
    { from: '2020-06-25', to: '2020-06-27', name: 'Dragon Boat Festival (端午)' },
    { from: '2020-10-01', to: '2020-10-08', name: 'National Day (国庆节)' },
  ],
  makeup_workdays: [
    { date: '2020-01-19', for: 'Spring Festival (春节)' },
    { date: '2020-04-26', for: 'Labour Day (劳动节)' },
    { date: '2020-05-09', for: 'Labour Day (劳动节)' },
    { date: '2020-06-28', for: 'Dragon Boat Festival (端午)' },
    { date: '2020-09-27', for: 'National Day (国庆节)' },
    { date: '2020-10-10', for: 'National Day (国庆节)' },
  ],
};
