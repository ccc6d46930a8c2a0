import { afterAll, beforeAll, describe, it } from 'vitest';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { HOST_FAULT_RUN, type HostFaultScenario, runHostFault } from './support/host-fault.ts';

const scenarios: HostFaultScenario[] = [
  {
    id: 'host-never-answers',
    fault: 'executor accepts and never answers',
    apply: (h) => {
      h.frozen = true;
    },
    // Exactly the requests it took and never answered: each times out (maxTimeout 3 s) with a 504.
    expectFailed: (h) => h.unanswered(),
    failure: 'upstream_timeout',
    ejected: true,
  },
  {
    id: 'host-answers-late',
    fault: 'executor answers slowly (+1.5 s per response)',
    apply: (h) => {
      h.delayMs = 1_500;
    },
    expectFailed: () => [],
  },
];

describe('hosts that stop answering or slow down, under load', () => {
  let fleet: ExecutorFleet;

  beforeAll(async () => {
    fleet = await startExecutors(3, {
      mode: 'simulated',
      idPrefix: 'timeout',
      args: ['--sim-cold-start', '20'],
    });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it.each(scenarios)(
    '$fault: only requests the host took and never answered fail',
    (scenario) => runHostFault(fleet, scenario, `t${scenarios.indexOf(scenario)}`),
    HOST_FAULT_RUN.durationMs + 60_000,
  );
});
