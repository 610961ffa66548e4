// The way back to an incident and on to its other pages, at the top of each incident page.
import type { FC } from 'hono/jsx';
import type { Translator, WordKey } from './i18n.js';

const pages: [string, WordKey][] = [
  ['affected', 'affected'],
  ['notice', 'notice'],
  ['delivery', 'delivery'],
  ['announcement', 'announcement'],
  ['deadlines', 'deadlines'],
];

export const IncidentLinks: FC<{ t: Translator; incidentId: string; title: string }> = ({ t, incidentId, title }) => (
  <nav aria-label={title}>
    <ul class="moves">
      <li>
        <a href={`/console/incidents/${incidentId}`}>{title}</a>
      </li>
      {pages.map(([path, word]) => (
        <li>
          <a href={`/console/incidents/${incidentId}/${path}`}>{t(word)}</a>
        </li>
      ))}
    </ul>
  </nav>
);
