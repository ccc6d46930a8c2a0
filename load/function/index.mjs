// The function `fleetgate load` executes by default: it works for as long as the request asks
// (`simDurationMs` in the JSON body, or the `x-sim-duration-ms` header; the same fields the local
// executor's simulated runtimes read), so a load run can hold executions in flight the way real
// functions do (the Azure trace's median execution takes about 400 ms) and make the scaler act.
const MAX_MS = 60_000;

function requestedMs(req) {
  const header = Number(req.headers['x-sim-duration-ms']);
  if (Number.isFinite(header) && header > 0) return header;
  try {
    const body = req.bodyJson;
    const ms = Number(body?.simDurationMs);
    return Number.isFinite(ms) && ms > 0 ? ms : 0;
  } catch {
    return 0;
  }
}

// biome-ignore lint/style/noDefaultExport: Open Runtimes loads a function module's default export
export default async (context) => {
  const ms = Math.min(MAX_MS, requestedMs(context.req));
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  return context.res.json({ ok: true, workedMs: ms });
};
