// Compatibility function: takes a minute, far past any timeout the suite gives it.
// biome-ignore lint/style/noDefaultExport: Open Runtimes loads a function module's default export
export default async (context) => {
  await new Promise((resolve) => setTimeout(resolve, 60_000).unref());
  return context.res.send('OK');
};
