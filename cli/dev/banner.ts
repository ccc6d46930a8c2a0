/** What the dev banner says about the running fleet. */
export interface BannerInput {
  gatewayUrl: string;
  secret: string;
  /** `in-memory` or the (redacted) Redis URL. */
  registry: string;
  /** One line about the scaling policy. */
  policy: string;
  executors: number;
  executorMode: string;
  /** Folder of the executors' log files. */
  executorLogs: string;
  /** The Fleetgate image when the executors are containers (`--docker`). */
  containerImage?: string;
  /** Absolute folder of the sample function, as the executors see it. */
  functionDir: string;
  entrypoint: string;
  image: string;
  runtimeId: string;
}

/** Quotes a value for a POSIX shell (single quotes; inner single quotes closed and escaped). */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The two one-line curl commands that create the sample runtime and execute it through the gateway. */
export function curlCommands(b: BannerInput): { create: string; execute: string } {
  const auth = `-H ${shellQuote(`Authorization: Bearer ${b.secret}`)}`;
  const json = "-H 'Content-Type: application/json'";
  const create = JSON.stringify({
    runtimeId: b.runtimeId,
    image: b.image,
    source: b.functionDir,
    entrypoint: b.entrypoint,
  });
  const execute = JSON.stringify({ method: 'GET', path: '/?name=Fleetgate' });
  return {
    create: `curl -s -X POST ${b.gatewayUrl}/v1/runtimes ${auth} ${json} -d ${shellQuote(create)}`,
    execute: `curl -s -X POST ${b.gatewayUrl}/v1/runtimes/${b.runtimeId}/executions ${auth} ${json} -H 'Accept: application/json' -d ${shellQuote(execute)}`,
  };
}

/** The few lines `fleetgate dev` prints once everything listens. */
export function devBanner(b: BannerInput): string {
  const { create, execute } = curlCommands(b);
  return [
    `Fleetgate dev fleet is up (${b.registry} registry)`,
    `  gateway    ${b.gatewayUrl}   (/metrics, /v1/fleet, /readyz)`,
    b.containerImage
      ? `  executors  ${b.executors} executor container(s) of ${b.containerImage} (${b.executorMode} runtimes), started and stopped by the scaler; logs: docker logs <host id>`
      : `  executors  ${b.executors} local executor process(es) (${b.executorMode} runtimes), started and stopped by the scaler; logs in ${b.executorLogs}`,
    `  scaler     ${b.policy}`,
    `  secret     ${b.secret}`,
    '',
    'Create and run the sample function through the gateway:',
    `  ${create}`,
    `  ${execute}`,
    '',
    'Watch it scale:',
    // The secret travels in the environment, not as --secret: command lines are visible in `ps`.
    `  export FLEETGATE_GATEWAY_SECRET=${shellQuote(b.secret)}`,
    `  npx fleetgate load --gateway ${b.gatewayUrl} --rps 40 --exec-time 400ms --duration 60s`,
    `  npx fleetgate fleet --gateway ${b.gatewayUrl}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
