// The JavaScript heap a delivery worker needs for what it is set to hold at once, checked against what its process was given.
import type { Config } from '../config.js';

const mib = 1024 * 1024;
/**
 * Live heap with nothing claimed: code, templates, connections. Measured on a worker process started by
 * `npm run worker` (a forced collection every 0.5 s during bench/fanout): 30–40 MB.
 */
const baseBytes = 48 * mib;
/**
 * Live heap per claimed row while its pass renders and sends it. Measured the same way: about 3.4 KB a row at
 * 2,000 × 4 rows, 2.4 KB at 5,000 × 4 and 2 KB at 5,000 × 8, with 500 Twilio requests in flight; 4 KB leaves room.
 */
const perRowBytes = 4 * 1024;
/** Per request in flight: the request, its socket and its buffers. */
const perRequestBytes = 16 * 1024;
/** The limit must hold the live need this many times over: room for the garbage made between two collections. */
const headroom = 1.5;

type HeapSettings = Pick<Config, 'DELIVERY_BATCH_SIZE' | 'DELIVERY_PASSES_IN_FLIGHT' | 'TWILIO_MAX_IN_FLIGHT'>;

/** The live heap a worker with these settings holds at most, by the figures above. */
export function heapNeededBytes(c: HeapSettings): number {
  return baseBytes + c.DELIVERY_BATCH_SIZE * c.DELIVERY_PASSES_IN_FLIGHT * perRowBytes + c.TWILIO_MAX_IN_FLIGHT * perRequestBytes;
}

/**
 * Why a worker with this heap limit (V8's `heap_size_limit`) should not start with these settings, or null.
 * A worker short of heap would die mid-pass and leave its rows to the reconciler again and again; it is
 * refused at start, naming what to change, instead.
 */
export function heapBudgetProblem(limitBytes: number, c: HeapSettings): string | null {
  const need = heapNeededBytes(c) * headroom;
  if (limitBytes >= need) return null;
  const rows = c.DELIVERY_BATCH_SIZE * c.DELIVERY_PASSES_IN_FLIGHT;
  return (
    `DELIVERY_BATCH_SIZE × DELIVERY_PASSES_IN_FLIGHT: ${c.DELIVERY_BATCH_SIZE} × ${c.DELIVERY_PASSES_IN_FLIGHT} = ${rows} rows held at once ` +
    `(with ${c.TWILIO_MAX_IN_FLIGHT} Twilio requests in flight) need about ${Math.ceil(need / mib)} MB of heap, and this process has ${Math.floor(limitBytes / mib)} MB; ` +
    `lower them, or start the worker with more (WORKER_HEAP_MB for \`npm run worker\`)`
  );
}
