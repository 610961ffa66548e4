// A worker thread's side of the import parser pool (loaded through parse-worker.mjs): one block of NDJSON lines per task.
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { parseNdjsonBlock, type BlockTask } from './parse-block.js';

export function parseInWorker(task: BlockTask) {
  const chunk = parseNdjsonBlock(task);
  // The COPY rows go back as their buffer, moved rather than copied.
  if (chunk.kind !== 'copy') return chunk;
  return move({ [transferableSymbol]: [chunk.bytes.buffer], [valueSymbol]: chunk });
}
