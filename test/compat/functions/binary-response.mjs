// Compatibility function: answers the bytes 00 0a ff.
// biome-ignore lint/style/noDefaultExport: Open Runtimes loads a function module's default export
export default async (context) => context.res.binary(Buffer.from([0, 10, 255]));
