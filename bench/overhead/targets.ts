import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import ts from 'typescript';
import { freePort } from '../../lib/free-port.ts';
import { type FleetgateGatewaySpec, fleetgateAvailable, startFleetgateGateway } from '../lib/fleetgate.ts';
import { haproxyOverheadConfig, nginxOverheadConfig, startHaproxy, startNginx } from '../lib/peers.ts';
import { onPath, startProcess, type Tracked, waitForPort } from '../lib/procs.ts';

/** What a started target exposes to the load generator. */
export interface RunningTarget {
  port: number;
  /** The proxy process whose CPU is measured; undefined for `direct`. */
  proxy: Tracked | undefined;
  headers: Record<string, string>;
}

/** A target of the overhead benchmark. */
export interface OverheadTarget {
  name: string;
  /** Why it cannot run here (binary missing, not built yet); undefined when it can. */
  unavailable(): string | undefined;
  start(ctx: { runDir: string; backendPort: number; proxyCpus: string | undefined }): Promise<RunningTarget>;
}

/** A Node script of ours, run as its own process through tsx's loader (`node --import tsx`). */
export function startNodeScript(name: string, script: string, args: string[], cpus?: string): Tracked {
  return startProcess(name, process.execPath, ['--import', 'tsx', script, ...args], { cpus });
}

/**
 * A one-file Node script of ours compiled to plain JavaScript (TypeScript's `transpileModule`) and
 * run with node alone: the compiled counterpart of `startNodeScript`. The output goes to `.tmp/` in
 * this checkout, so its imports resolve from the checkout's node_modules.
 */
export function startCompiledScript(name: string, script: string, args: string[], cpus?: string): Tracked {
  const out = join('.tmp', 'bench-compiled', basename(script).replace(/\.ts$/, '.mjs'));
  mkdirSync(dirname(out), { recursive: true });
  const { outputText } = ts.transpileModule(readFileSync(script, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  writeFileSync(out, outputText);
  return startProcess(name, process.execPath, [out, ...args], { cpus });
}

/** The gateway secret every overhead target is started with. */
export const SECRET = 'bench-gateway-secret';

/**
 * The environment of a checkout's `fleetgate gateway` configured through the proxy's `OPR_PROXY_*`
 * variables (any commit reads them), forwarding to the backend on `backendPort`.
 */
export function gatewayEnv(port: number, backendPort: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: String(port),
    OPR_PROXY_EXECUTORS: `127.0.0.1:${backendPort}`,
    OPR_PROXY_SECRET: SECRET,
    OPR_PROXY_EXECUTOR_SECRET: 'bench-executor-secret',
    FLEETGATE_LOG_LEVEL: 'warn',
  };
}

/** A Fleetgate gateway target, from this checkout or (`checkout`) another commit's; `compiled`: its dist/. */
function fleetgateTarget(name: string, checkout: string | undefined, compiled: boolean): OverheadTarget {
  const entry = compiled ? 'dist/cli/entry.js' : 'bin/fleetgate.js';
  return {
    name,
    unavailable: () =>
      checkout === undefined && !compiled
        ? fleetgateAvailable()
        : existsSync(join(checkout ?? '.', entry))
          ? undefined
          : `no ${entry} in ${checkout ?? 'this checkout'}${compiled ? ' (npm run build)' : ''}`,
    async start({ runDir, backendPort, proxyCpus }) {
      const port = await freePort();
      const spec: FleetgateGatewaySpec = {
        port,
        secret: SECRET,
        executorSecret: 'bench-executor-secret',
        executors: [`127.0.0.1:${backendPort}`],
        logLevel: 'warn',
        checkout,
        compiled,
      };
      const proxy = await startFleetgateGateway(join(runDir, `fleetgate-${port}`), spec, proxyCpus);
      return { port, proxy, headers: { Authorization: `Bearer ${SECRET}` } };
    },
  };
}

/**
 * The targets of the overhead benchmark (docs/benchmarks.md), the Node floor included, in round
 * order. `baseline`: a checkout of an earlier commit (with node_modules), run as a second Fleetgate
 * beside this one, for a before/after comparison in the same rounds. `compiled`: Fleetgate and the
 * Node floor run as plain JavaScript (Fleetgate's dist/, as shipped) instead of through tsx.
 */
export function overheadTargets(
  baseline?: { name: string; checkout: string },
  compiled = false,
): OverheadTarget[] {
  const suffix = compiled ? ', compiled' : '';
  return [
    {
      name: 'direct',
      unavailable: () => undefined,
      async start({ backendPort }) {
        return { port: backendPort, proxy: undefined, headers: {} };
      },
    },
    fleetgateTarget(`Fleetgate${suffix}`, undefined, compiled),
    ...(baseline ? [fleetgateTarget(`${baseline.name}${suffix}`, baseline.checkout, compiled)] : []),
    {
      name: `node floor (node:http + undici${suffix})`,
      unavailable: () => undefined,
      async start({ backendPort, proxyCpus }) {
        const port = await freePort();
        const proxy = (compiled ? startCompiledScript : startNodeScript)(
          'node-floor',
          'bench/overhead/node-floor.ts',
          [String(port), String(backendPort)],
          proxyCpus,
        );
        await waitForPort(port, 20_000, proxy);
        return { port, proxy, headers: {} };
      },
    },
    {
      name: 'HAProxy',
      unavailable: () => (onPath('haproxy') ? undefined : 'haproxy not installed'),
      async start({ runDir, backendPort, proxyCpus }) {
        const port = await freePort();
        const proxy = await startHaproxy(
          join(runDir, 'haproxy'),
          haproxyOverheadConfig(port, backendPort),
          port,
          proxyCpus,
        );
        return { port, proxy, headers: {} };
      },
    },
    {
      name: 'nginx',
      unavailable: () => (onPath('nginx') ? undefined : 'nginx not installed'),
      async start({ runDir, backendPort, proxyCpus }) {
        const port = await freePort();
        const dir = join(runDir, 'nginx');
        const proxy = await startNginx(dir, nginxOverheadConfig(dir, port, backendPort), port, proxyCpus);
        return { port, proxy, headers: {} };
      },
    },
  ];
}
