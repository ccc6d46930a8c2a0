// Compatibility function: answers the JSON {}.
// biome-ignore lint/style/noDefaultExport: Open Runtimes loads a function module's default export
export default async (context) => context.res.json({});
