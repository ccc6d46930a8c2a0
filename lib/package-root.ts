import { fileURLToPath } from 'node:url';

/**
 * Whether this code runs compiled (`dist/**.js`, the installed package and the image) rather than
 * as TypeScript through tsx (a checkout). A module knows from its own file name.
 */
export const COMPILED = import.meta.url.endsWith('.js');

/**
 * The package root (where package.json, bin/ and examples/ are), in both layouts: this file is
 * `lib/package-root.ts` in a checkout and `dist/lib/package-root.js` once compiled.
 */
export const PACKAGE_ROOT = fileURLToPath(new URL(COMPILED ? '../../' : '../', import.meta.url));

/**
 * The command that starts `fleetgate` again as a child process (`node <this> executor …`): the
 * compiled entry when this code is compiled, else bin/fleetgate.js, which loads tsx.
 */
export const FLEETGATE_ENTRY = COMPILED
  ? fileURLToPath(new URL('../cli/entry.js', import.meta.url))
  : `${PACKAGE_ROOT}bin/fleetgate.js`;
