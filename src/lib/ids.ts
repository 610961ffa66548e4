// Identifiers: a type prefix and a time-ordered random body, so ids sort roughly by creation.

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

export function newId(prefix: string, at: Date = new Date()): string {
  let time = at.getTime();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = alphabet[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const rand = crypto.getRandomValues(new Uint8Array(12));
  let tail = '';
  for (const b of rand) tail += alphabet[b % 32];
  return `${prefix}_${head}${tail}`;
}
