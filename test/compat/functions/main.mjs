// Compatibility function: the real suite's main function without its network call (it fetches a
// todo from dummyjson.com); answers JSON with a header and a log line.
// biome-ignore lint/style/noDefaultExport: Open Runtimes loads a function module's default export
export default async (context) => {
  context.log('Sample Log');
  return context.res.json(
    {
      isTest: true,
      message: 'Hello Open Runtimes 👋',
      url: context.req.url,
      variable: process.env.TEST_VARIABLE ?? null,
      body: context.req.bodyText,
    },
    200,
    { 'x-key': 'aValue' },
  );
};
