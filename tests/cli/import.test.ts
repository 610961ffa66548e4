// `npm run import` when the server is not there: one line naming the address and what to do, no stack trace.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

it('says in one line that breachkit does not answer at BREACHKIT_URL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'breachkit-import-'));
  try {
    const file = join(dir, 'users.ndjson');
    writeFileSync(file, '{"external_id": "u-1"}\n');
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/cli/import.ts', file], { env: { PATH: process.env.PATH, BREACHKIT_URL: url, BREACHKIT_TOKEN: 'bk_test_token_for_the_cli' } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`breachkit does not answer at ${url} (ECONNREFUSED): start it with npm start, or set BREACHKIT_URL to where it runs`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
