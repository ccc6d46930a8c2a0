import type { Command } from './io.ts';

/**
 * Every `fleetgate` subcommand, loaded lazily so `fleetgate --help` stays fast.
 * Add a command by adding one entry here and one file under `cli/`.
 */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  config: {
    summary: 'Validate configuration files and print them resolved, with secrets masked',
    load: async () => (await import('./config-command.ts')).configCommand,
  },
  load: {
    summary: 'Send executions through a gateway at a fixed rate; print latency and cold routes',
    load: async () => (await import('./load-command.ts')).loadCommand,
  },
  executor: {
    summary: 'Run a local Open Runtimes executor (process or simulated runtimes)',
    load: async () => (await import('./executor-command.ts')).executorCommand,
  },
  fleet: {
    summary: "Show a gateway's hosts: health, in-flight, ring share, warm runtimes",
    load: async () => (await import('./fleet-command.ts')).fleetCommand,
  },
  hosts: {
    summary: 'List, add, drain and remove executor hosts in a Redis registry',
    load: async () => (await import('./hosts-command.ts')).hostsCommand,
  },
};
