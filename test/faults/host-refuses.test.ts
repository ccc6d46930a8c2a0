import { afterAll, beforeAll, describe, it } from 'vitest';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { HOST_FAULT_RUN, runHostFault } from './support/host-fault.ts';

describe('an executor that stops accepting connections, under load', () => {
  let fleet: ExecutorFleet;

  beforeAll(async () => {
    fleet = await startExecutors(3, {
      mode: 'simulated',
      idPrefix: 'refuse',
      args: ['--sim-cold-start', '20'],
    });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it(
    'loses no request: new connections are refused before anything is sent, so they go elsewhere',
    () =>
      runHostFault(
        fleet,
        {
          id: 'host-refuses',
          fault: 'executor stops accepting connections',
          apply: (h) => h.stopAccepting(),
          expectFailed: () => [],
          // Its open keep-alive connections still serve, so it may stay in rotation.
        },
        'refuse',
      ),
    HOST_FAULT_RUN.durationMs + 60_000,
  );
});
