// The `fleetgate` command, started by bin/fleetgate.js: through tsx in a checkout, or compiled as
// dist/cli/entry.js in the installed package and the image.

// A secret given as --secret leaves `ps` and /proc/<pid>/cmdline as soon as the CLI runs: before
// the rest of the CLI is even loaded.
if (process.argv.some((a) => a === '--secret' || a.startsWith('--secret='))) {
  const { hideSecretArgument } = await import('./secret-source.ts');
  hideSecretArgument();
}
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
