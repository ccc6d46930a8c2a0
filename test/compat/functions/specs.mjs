// Compatibility function: answers the CPUs and memory the executor gave its runtime.
// biome-ignore lint/style/noDefaultExport: Open Runtimes loads a function module's default export
export default async (context) =>
  context.res.json({ cpus: process.env.OPEN_RUNTIMES_CPUS, memory: process.env.OPEN_RUNTIMES_MEMORY });
