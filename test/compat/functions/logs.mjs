// Compatibility function: logs the request body's number of MiB in 1 KiB lines, answers OK.
// biome-ignore lint/style/noDefaultExport: Open Runtimes loads a function module's default export
export default async (context) => {
  const kib = 'A'.repeat(1023); // context.log ends each line with \n
  for (let i = 0; i < 1024 * Number(context.req.bodyText); i++) context.log(kib);
  return context.res.send('OK');
};
