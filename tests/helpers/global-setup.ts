// Runs once before all tests: makes a freshly initialised PGlite data directory that every test file copies (≈1 s instead of ≈5 s of initdb).
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject): Promise<void> {
  const dir = join(tmpdir(), 'breachkit-tests');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `pglite-template-${process.pid}.tar`);
  const pglite = await PGlite.create();
  const dump = await pglite.dumpDataDir('none');
  writeFileSync(path, new Uint8Array(await dump.arrayBuffer()));
  await pglite.close();
  project.provide('pgliteTemplate', path);
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}
