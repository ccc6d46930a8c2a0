#!/usr/bin/env node
// Entry point. The installed package and the image carry compiled JavaScript (dist/, built by
// `npm run build`, which `npm pack` and installs from git run) and no TypeScript sources: they run
// it with node alone. A checkout has the sources and runs them through tsx (a dev dependency), so
// `npm start` never runs a stale build; `node dist/cli/entry.js` runs the compiled one there.
import { existsSync } from 'node:fs';

const source = new URL('../cli/entry.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/cli/entry.js', import.meta.url).href);
}
