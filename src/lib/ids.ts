// Identifiers: a type prefix and a time-ordered random body, so ids sort roughly by creation.

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

// Random bytes drawn in blocks: one getRandomValues call per id costs more than the id itself.
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

function randomBytes(n: number): Uint8Array {
  if (poolOffset + n > pool.length) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  poolOffset += n;
  return pool.subarray(poolOffset - n, poolOffset);
}

export function newId(prefix: string, at: Date): string {
  let time = at.getTime();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = alphabet[time % 32] + head;
    time = Math.floor(time / 32);
  }
  let tail = '';
  for (const b of randomBytes(12)) tail += alphabet[b % 32];
  return `${prefix}_${head}${tail}`;
}
