// Node adapter: parses the NDJSON blocks of directory imports in worker threads, side by side, so an
// import uses every core while the database writes.
import { Piscina } from 'piscina';
import type { BlockParser } from './parse-block.js';

export interface ParsePool {
  parser: BlockParser;
  close(): Promise<void>;
}

/** Threads start when an import needs them and stop after a while without work. */
export function createParsePool(threads: number): ParsePool {
  const pool = new Piscina({
    filename: new URL('./parse-worker.mjs', import.meta.url).href,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 10_000,
  });
  return {
    // The block is the task's own copy: it is moved to the thread, not copied again.
    parser: (task) => pool.run(task, { transferList: [task.bytes.buffer as ArrayBuffer] }),
    close: () => pool.destroy(),
  };
}
