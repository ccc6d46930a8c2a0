// Compatibility function: answers the request body's bytes unchanged.
// biome-ignore lint/style/noDefaultExport: Open Runtimes loads a function module's default export
export default async (context) => context.res.binary(context.req.bodyBinary);
