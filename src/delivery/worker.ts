// The worker loop: drains the ledger until stopped, idling briefly when there is nothing to send.
import type { DispatchDeps, DispatchTally } from './dispatch.js';
import { dispatchOnce, reconcileExpired } from './dispatch.js';

export interface WorkerOptions {
  idleMs: number;
  signal: AbortSignal;
  onTally?: (t: DispatchTally) => void;
}

export async function runWorker(deps: DispatchDeps, options: WorkerOptions): Promise<void> {
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      options.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  while (!options.signal.aborted) {
    try {
      await reconcileExpired(deps);
      const tally = await dispatchOnce(deps);
      options.onTally?.(tally);
      if (tally.claimed === 0) await sleep(options.idleMs);
    } catch (err) {
      deps.logger.error({ err }, 'delivery pass failed; retrying shortly');
      await sleep(options.idleMs);
    }
  }
}
