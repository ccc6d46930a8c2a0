/**
 * `FLEETGATE_LONG=1` (set by `npm run test:long`) selects the long versions of the reliability tests:
 * the same assertions over minutes instead of seconds. `npm test` runs the short versions.
 */
export const LONG = process.env.FLEETGATE_LONG === '1';
