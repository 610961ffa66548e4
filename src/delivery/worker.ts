// The worker loop: drains the ledger until stopped, idling briefly when there is nothing to send.
import { sleepUnlessAborted } from '../lib/sleep.js';
import type { DispatchDeps, DispatchTally } from './dispatch.js';
import { completeFinishedRuns, dispatchOnce, newClaimPosition, reconcileExpired } from './dispatch.js';

export interface WorkerOptions {
  idleMs: number;
  signal: AbortSignal;
  onTally?: (t: DispatchTally) => void;
  /**
   * Passes run at once in this process (1 by default): while one waits on the provider or the database,
   * another claims and renders. Each keeps its own place in the queue; SKIP LOCKED keeps their claims apart.
   */
  passes?: number;
}

export async function runWorker(deps: DispatchDeps, options: WorkerOptions): Promise<void> {
  const sleep = (ms: number) => sleepUnlessAborted(ms, options.signal);
  const lane = async (d: DispatchDeps, reconciles: boolean) => {
    while (!options.signal.aborted) {
      try {
        if (reconciles) await reconcileExpired(d);
        const tally = await dispatchOnce(d);
        options.onTally?.(tally);
        if (tally.claimed === 0) {
          // Nothing ready: a run with nothing left to do is complete.
          if (reconciles) await completeFinishedRuns(d);
          await sleep(options.idleMs);
        }
      } catch (err) {
        d.logger.error({ err }, 'delivery pass failed; retrying shortly');
        await sleep(options.idleMs);
      }
    }
  };
  const passes = Math.max(1, options.passes ?? 1);
  await Promise.all(
    Array.from({ length: passes }, (_, i) =>
      lane(i === 0 || !deps.claimCursor ? deps : { ...deps, claimCursor: newClaimPosition(deps.claimCursor.restartMs) }, i === 0),
    ),
  );
}
