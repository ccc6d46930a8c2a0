// Test function: with ?hog=1 it allocates memory until something stops it (a container's memory
// limit: the engine's OOM killer); otherwise it answers "ok".
// biome-ignore lint/style/noDefaultExport: Open Runtimes loads a function module's default export
export default async (context) => {
  if (context.req.query.hog !== '1') return context.res.text('ok');
  const kept = [];
  for (;;) kept.push(Buffer.alloc(1 << 20, 1));
};
