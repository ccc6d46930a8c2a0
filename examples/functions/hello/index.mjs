// A sample Open Runtimes Node function: answers JSON with the request's method, path and a greeting.
// Run it through a local executor (see the README quickstart):
//   image "openruntimes/node:v5-22", source "examples/functions/hello", entrypoint "index.mjs"
// biome-ignore lint/style/noDefaultExport: Open Runtimes loads a function module's default export
export default async (context) => {
  const name = context.req.query.name ?? 'world';
  context.log(`hello called for ${context.req.method} ${context.req.path}`);
  return context.res.json({
    greeting: `Hello, ${name}!`,
    method: context.req.method,
    path: context.req.path,
  });
};
