import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDocker, engineRunDir, testDocker } from '../../test/support/docker.ts';
import {
  engineProviderConfig,
  engineProviders,
  expectCreateFails,
  expectRestartedScalerFindsHost,
  expectTakenPortFails,
} from '../../test/support/engine-provider.ts';
import { ensureFleetgateImage } from '../../test/support/fleetgate-image.ts';
import { describeProviderContract } from './contract.ts';
import { createDockerProvider } from './docker.ts';
import { type DockerProviderConfig, LABELS } from './docker-spec.ts';

// The docker provider against the run's real engine, with the Fleetgate image built from the Dockerfile.
const docker = await testDocker();
const SECRET = 'docker-provider-secret';

function config(overrides: Record<string, unknown> = {}): DockerProviderConfig {
  return engineProviderConfig(
    'docker',
    docker.available ? docker.socketPath : '/nonexistent',
    '30s',
    overrides,
  );
}

const provider = engineProviders(createDockerProvider, config, SECRET);

describeDocker('docker host provider', docker, (engine) => {
  beforeAll(async () => {
    for (const line of await ensureFleetgateImage(engine, engineRunDir())) console.log(`[docker] ${line}`);
  }, 600_000);

  describeProviderContract('docker', async () => {
    return { provider: provider('contract', {}, true), destroyStopsHost: true, cleanup: async () => {} };
  });

  describe('limits, labels, recovery and bad input', () => {
    const pool = 'docker-faults';
    const leftovers = async () => engine.containers.list({ [LABELS.pool]: pool });
    afterAll(async () => {
      for (const c of await leftovers()) await engine.containers.remove(c.id, { force: true });
    });

    it('labels the container, and a new provider (a restarted scaler) finds, checks and removes it', async () => {
      await expectRestartedScalerFindsHost(
        () => provider(pool),
        leftovers,
        async (host) => {
          const info = await engine.containers.inspect(host.labels.container!);
          expect(info.labels).toMatchObject({
            [LABELS.pool]: pool,
            [LABELS.host]: host.id,
            [LABELS.provider]: 'docker',
          });
        },
      );
    });

    it('names a missing image and leaves no container', async () => {
      await expectCreateFails(
        provider(pool, { image: 'local/no-such-executor:1' }),
        'image "local/no-such-executor:1" is not on the Docker engine',
        leftovers,
      );
    });

    it('names an executor that cannot bind its port (taken), with its log, and leaves no container', async () => {
      await expectTakenPortFails(
        (command) => provider(pool, { command }),
        /exited with code \d+ before its executor answered.*EADDRINUSE/s,
        leftovers,
      );
    });
  });
});

describe('docker host provider, engine down', () => {
  it('names the socket nobody answers on', async () => {
    await expectCreateFails(
      provider('no-engine', { socket: '/nonexistent/docker.sock' }),
      'the Docker engine at /nonexistent/docker.sock does not answer',
    );
  });
});
