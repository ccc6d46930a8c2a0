// Compatibility function: its module takes BOOT_MS (default 2 s) to load, a long cold start.
await new Promise((resolve) => setTimeout(resolve, Number(process.env.BOOT_MS ?? 2000)));

// biome-ignore lint/style/noDefaultExport: Open Runtimes loads a function module's default export
export default async (context) => context.res.send('OK');
