#!/usr/bin/env node
// Entry point: runs the TypeScript CLI through tsx so `npx fleetgate` works right after `npm install`.
import { register } from 'tsx/esm/api';

register();
// A secret given as --secret leaves `ps` and /proc/<pid>/cmdline as soon as the CLI runs.
if (process.argv.some((a) => a === '--secret' || a.startsWith('--secret='))) {
  const { hideSecretArgument } = await import('../cli/secret-source.ts');
  hideSecretArgument();
}
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
