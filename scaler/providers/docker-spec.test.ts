import { describe, expect, it } from 'vitest';
import { providerSchema } from '../policy/shell-schema.ts';
import { containerSpec, type DockerProviderConfig, hostUrl, LABELS } from './docker-spec.ts';

const parse = (fields: Record<string, unknown>) =>
  providerSchema.parse({ type: 'docker', image: 'fleetgate:local', ...fields }) as DockerProviderConfig;

describe('docker provider container spec', () => {
  it('host network: the chosen port in portEnv and a label, the secret in secretEnv, no hostname', () => {
    const spec = containerSpec(parse({ memory: '256MiB', cpus: 0.5, pids: 64 }), 'p', 'p-d1', 's3cret', 9123);
    expect(spec.env).toEqual({ OPR_EXECUTOR_SECRET: 's3cret', FLEETGATE_EXECUTOR_PORT: '9123' });
    expect(spec.labels).toEqual({
      [LABELS.pool]: 'p',
      [LABELS.host]: 'p-d1',
      [LABELS.provider]: 'docker',
      [LABELS.port]: '9123',
    });
    expect(spec.networkMode).toBe('host');
    expect(spec.hostname).toBeUndefined();
    expect(spec.limits).toEqual({ memoryBytes: 256 * 1024 * 1024, cpus: 0.5, pids: 64 });
    expect(spec.stopTimeoutS).toBe(30);
    expect(spec.groupAdd).toBeUndefined();
  });

  it("groups: extra groups of the container user (a mounted socket's gid)", () => {
    expect(containerSpec(parse({ groups: ['998', 'docker'] }), 'p', 'p-d3', 's', 9124).groupAdd).toEqual([
      '998',
      'docker',
    ]);
  });

  it('named network: name and hostname are the host id, mounts parsed, own labels win over configured ones', () => {
    const config = parse({
      network: 'fleetgate',
      mounts: ['/var/run/docker.sock:/var/run/docker.sock', '/tmp:/tmp:ro'],
      labels: { team: 'a', [LABELS.pool]: 'spoofed' },
      secretEnv: 'MY_SECRET',
      command: ['executor', '--work-dir', '/w/{host}/x'],
    });
    const spec = containerSpec(config, 'p', 'p-d2', 'x', undefined);
    expect(spec).toMatchObject({
      name: 'p-d2',
      hostname: 'p-d2',
      networkMode: 'fleetgate',
      cmd: ['executor', '--work-dir', '/w/p-d2/x'],
    });
    expect(spec.env).toEqual({ MY_SECRET: 'x' });
    expect(spec.labels).toMatchObject({ team: 'a', [LABELS.pool]: 'p' });
    expect(spec.binds).toEqual([
      { source: '/var/run/docker.sock', target: '/var/run/docker.sock', readOnly: false },
      { source: '/tmp', target: '/tmp', readOnly: true },
    ]);
  });

  it.each([
    ['host network with a port', {}, { networks: {} }, 9123, 'http://127.0.0.1:9123'],
    ['host network without a port', {}, { networks: {} }, undefined, undefined],
    [
      'named network',
      { network: 'n' },
      { networks: { n: { ipAddress: '10.0.0.7' } } },
      undefined,
      'http://10.0.0.7:80',
    ],
    [
      'named network, another port',
      { network: 'n', port: 9900 },
      { networks: { n: { ipAddress: '10.0.0.7' } } },
      undefined,
      'http://10.0.0.7:9900',
    ],
    ['named network, no address yet', { network: 'n' }, { networks: {} }, undefined, undefined],
  ])('URL: %s', (_name, fields, info, port, url) => {
    expect(hostUrl(parse(fields), info, port)).toBe(url);
  });

  it.each([
    [{ image: '' }, 'image'],
    [{ mounts: ['relative:/x'] }, 'mounts.0'],
    [{ groups: ['a b'] }, 'groups.0'],
    [{ port: 70000 }, 'port'],
    [{ secretEnv: 'NOT VALID' }, 'secretEnv'],
    [{ memory: 'lots' }, 'memory'],
    [{ surprise: true }, ''],
  ])('rejects bad fields: %j', (fields, path) => {
    const result = providerSchema.safeParse({ type: 'docker', image: 'fleetgate:local', ...fields });
    expect(result.success).toBe(false);
    if (!result.success && path) expect(result.error.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
