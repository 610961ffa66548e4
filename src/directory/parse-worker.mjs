// Entry of a parser worker thread: a new thread knows no TypeScript, so the handler is loaded through tsx.
import { tsImport } from 'tsx/esm/api';

const { parseInWorker } = await tsImport('./parse-worker.ts', import.meta.url);
export default parseInWorker;
