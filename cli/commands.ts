import type { Command } from './io.ts';

/**
 * Every `fleetgate` subcommand, loaded lazily so `fleetgate --help` stays fast.
 * Add a command by adding one entry here and one file under `cli/`.
 */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  gateway: {
    summary: 'Run the gateway: runtime-aware routing to executor hosts (drop-in for open-runtimes/proxy)',
    load: async () => (await import('./gateway-command.ts')).gatewayCommand,
  },
  config: {
    summary: 'Validate configuration files and print them resolved, with secrets masked',
    load: async () => (await import('./config-command.ts')).configCommand,
  },
  hosts: {
    summary: 'List, add, drain and remove executor hosts in a Redis registry',
    load: async () => (await import('./hosts-command.ts')).hostsCommand,
  },
  dev: {
    summary: 'Run a local fleet: gateway, scaler and executors, in-memory registry (npm start)',
    load: async () => (await import('./dev-command.ts')).devCommand,
  },
  fleet: {
    summary: "Show a gateway's hosts: health, in-flight, ring share, warm runtimes",
    load: async () => (await import('./fleet-command.ts')).fleetCommand,
  },
  runtimes: {
    summary: "Explain a runtime's keep-warm state: idle-time histogram, plan, next pre-warm",
    load: async () => (await import('./runtimes-command.ts')).runtimesCommand,
  },
  load: {
    summary: 'Send executions through a gateway at a fixed rate; print latency and cold routes',
    load: async () => (await import('./load-command.ts')).loadCommand,
  },
  executor: {
    summary: 'Run a local Open Runtimes executor (process or simulated runtimes)',
    load: async () => (await import('./executor-command.ts')).executorCommand,
  },
  policy: {
    summary: 'Check scaling policies (defaults filled in) and simulate them against demand series',
    load: async () => (await import('./policy-command.ts')).policyCommand,
  },
  scaler: {
    summary: 'Run the autoscaler: YAML policies on metrics; hosts started, drained and removed',
    load: async () => (await import('./scaler-command.ts')).scalerCommand,
  },
};
