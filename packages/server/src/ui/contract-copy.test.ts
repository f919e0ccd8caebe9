/**
 * contract.ts here is a copy of packages/ui/src/contract.ts (the server cannot import @portico/ui before
 * its node entry exists): the declarations must be the same, character for character.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './ui.test-util.js';

/** The file without its leading doc comment. */
function declarations(path: string): string {
  const text = readFileSync(path, 'utf8');
  return text.slice(text.indexOf('*/') + 2).trim();
}

it('declares the contract of packages/ui/src/contract.ts unchanged', () => {
  expect(declarations(join(ROOT, 'packages/server/src/ui/contract.ts'))).toBe(declarations(join(ROOT, 'packages/ui/src/contract.ts')));
});
