// Headless Chromium for the page tests: Debian's build, with the flags this machine's closed network needs.
import { existsSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Serves a fetch handler on a free port of 127.0.0.1, for the browser to load. */
export async function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<{ base: string; close: () => void }> {
  let close = () => {};
  const port = await new Promise<number>((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
    close = () => server.close();
  });
  return { base: `http://127.0.0.1:${port}`, close };
}
