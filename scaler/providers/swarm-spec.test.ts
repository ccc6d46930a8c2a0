import { describe, expect, it } from 'vitest';
import { providerSchema } from '../policy/shell-schema.ts';
import { LABELS } from './docker-spec.ts';
import { type SwarmProviderConfig, serviceBody, taskFailed, taskUrl } from './swarm-spec.ts';

function config(overrides: Record<string, unknown> = {}): SwarmProviderConfig {
  return providerSchema.parse({
    type: 'swarm',
    image: 'local/fleetgate:test',
    ...overrides,
  }) as SwarmProviderConfig;
}

describe('swarm service body', () => {
  it('replaces {host} in the command by the host id and adds the configured groups, as the docker provider does', () => {
    const body = serviceBody(
      config({ command: ['executor', '--work-dir', '/w/{host}'], groups: ['998'] }),
      'p',
      'p-s2',
      'shh',
      4100,
    );
    expect(body).toMatchObject({
      TaskTemplate: { ContainerSpec: { Args: ['executor', '--work-dir', '/w/p-s2'], Groups: ['998'] } },
    });
    const plain = serviceBody(config(), 'p', 'p-s3', 'shh', 4100) as unknown as {
      TaskTemplate: { ContainerSpec: Record<string, unknown> };
    };
    expect(plain.TaskTemplate.ContainerSpec.Groups).toBeUndefined();
  });

  it('is one replica of the image with the command as arguments, secret and port in the environment, labels and limits', () => {
    const body = serviceBody(
      config({
        command: ['executor'],
        memory: '256MiB',
        cpus: 0.5,
        pids: 64,
        stopTimeout: '10s',
        env: { A: '1' },
      }),
      'p',
      'p-s1',
      'shh',
      4100,
    );
    expect(body).toMatchObject({
      Name: 'p-s1',
      Labels: {
        [LABELS.pool]: 'p',
        [LABELS.host]: 'p-s1',
        [LABELS.provider]: 'swarm',
        [LABELS.port]: '4100',
      },
      Mode: { Replicated: { Replicas: 1 } },
      TaskTemplate: {
        ContainerSpec: {
          Image: 'local/fleetgate:test',
          Args: ['executor'],
          Env: ['A=1', 'OPR_EXECUTOR_SECRET=shh', 'FLEETGATE_EXECUTOR_PORT=4100'],
          HealthCheck: { Test: ['NONE'] },
          StopGracePeriod: 10_000_000_000,
        },
        Resources: { Limits: { MemoryBytes: 256 * 1024 * 1024, NanoCPUs: 500_000_000, Pids: 64 } },
        Networks: [{ Target: 'host' }],
      },
    });
    // The secret never lands in a label.
    expect(JSON.stringify(body.Labels)).not.toContain('shh');
  });

  it('on a named network: hostname is the host id, no port label or variable', () => {
    const body = serviceBody(config({ network: 'fleet' }), 'p', 'p-s2', 'shh', undefined);
    const spec = (body.TaskTemplate as { ContainerSpec: { Hostname?: string; Env: string[] } }).ContainerSpec;
    expect(spec.Hostname).toBe('p-s2');
    expect(spec.Env).toEqual(['OPR_EXECUTOR_SECRET=shh']);
    expect(body.Labels).not.toHaveProperty(LABELS.port);
  });
});

describe('swarm task URL and failure', () => {
  it('is the node address and port on the host network, the task address and port on a named one', () => {
    expect(taskUrl(config(), { addresses: {} }, '10.0.0.7', 4100)).toBe('http://10.0.0.7:4100');
    expect(taskUrl(config(), { addresses: {} }, '', 4100)).toBeUndefined();
    const named = config({ network: 'fleet', port: 80 });
    expect(taskUrl(named, { addresses: { fleet: '10.1.0.3' } }, '', undefined)).toBe('http://10.1.0.3:80');
    expect(taskUrl(named, { addresses: { other: '10.2.0.3' } }, '', undefined)).toBeUndefined();
  });

  it('counts failed, rejected and orphaned tasks as failed, not starting or running ones', () => {
    expect(
      ['failed', 'rejected', 'orphaned', 'starting', 'running', 'shutdown'].map((state) =>
        taskFailed({ state }),
      ),
    ).toEqual([true, true, true, false, false, false]);
  });

  it('rejects an unknown provider type naming swarm among the choices', () => {
    const result = providerSchema.safeParse({ type: 'swarms', image: 'x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('type must be static, process, command, docker or swarm');
  });
});
