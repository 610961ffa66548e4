// Posts a file through a console form as a browser does (multipart, the page's CSRF token, the session's cookies).
import type { Harness } from '../helpers/harness.js';
import { csrfIn, type ConsoleClient } from './client.js';

export async function uploadForm(h: Harness, client: ConsoleClient, path: string, fields: Record<string, string>, file: { name: string; content: string | Uint8Array } | null): Promise<Response> {
  const form = new FormData();
  form.set('csrf', csrfIn(client.lastHtml));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  if (file) form.set('file', new File([typeof file.content === 'string' ? file.content : new Uint8Array(file.content)], file.name));
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await h.app.request(path, { method: 'POST', headers: { cookie }, body: form });
  if ((res.headers.get('content-type') ?? '').startsWith('text/html')) client.lastHtml = await res.clone().text();
  return res;
}
