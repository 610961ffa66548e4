import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
// @ts-expect-error -- a plain ESM script without type declarations
import { generatedAssets } from '../scripts/bundle-assets.mjs';

it('src/assets.generated.ts matches templates/ and runbooks/ (run `npm run bundle-assets` after editing them)', () => {
  expect(readFileSync('src/assets.generated.ts', 'utf8')).toBe((generatedAssets as () => string)());
});
