import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { DEFAULT_GATEWAY_OPTIONS, gatewayOptionsFromConfig, resolveGatewayOptions } from './options.ts';

describe('gatewayOptionsFromConfig', () => {
  it('maps the open-runtimes/proxy environment onto the gateway options', () => {
    const config = parseConfig({
      env: {
        OPR_PROXY_EXECUTORS: '10.0.0.5:8080,executor-2',
        OPR_PROXY_SECRET: 'proxy-secret',
        OPR_PROXY_EXECUTOR_SECRET: 'exec-secret',
        OPR_PROXY_HEALTHCHECK_INTERVAL: '2500',
        OPR_PROXY_MAX_TIMEOUT: '30',
        OPR_PROXY_ALGORITHM: 'round-robin',
        OPR_PROXY_ENV: 'development',
        PORT: '8081',
      },
    });
    const o = resolveGatewayOptions(gatewayOptionsFromConfig(config));
    expect(o).toMatchObject({
      port: 8081,
      secret: 'proxy-secret',
      executorSecret: 'exec-secret',
      maxTimeout: 30_000,
      algorithm: 'round-robin',
      env: 'development',
    });
    expect(o.healthCheck.interval).toBe(2_500);
    expect(o.executors).toHaveLength(2);
    expect(o.executors[0]).toContain('10.0.0.5:8080');
  });

  it('defaults keyless requests to power of two choices when no algorithm is set', () => {
    const o = gatewayOptionsFromConfig(parseConfig({ env: {} }));
    expect(o.algorithm).toBe('p2c');
    expect(o.bodyLimit).toBe(22 * 1024 * 1024);
    expect(o.secret).toBe('');
  });

  // Before the config schema was the one table of defaults, an embedded or test gateway probed every
  // 5 s and waited 30 s for broadcasts and client headers, the CLI gateway 10 s for each.
  it('gives an embedded gateway the same defaults as `fleetgate gateway` with no config', () => {
    const cli = resolveGatewayOptions(gatewayOptionsFromConfig(parseConfig({ env: {} })));
    expect(resolveGatewayOptions({})).toEqual(cli);
    expect(DEFAULT_GATEWAY_OPTIONS).toEqual(cli);
    expect(cli.healthCheck.interval).toBe(10_000);
    expect(cli.broadcastTimeout).toBe(10_000);
    expect(cli.headersTimeout).toBe(10_000);
  });

  it('copies the frozen config, so options can be changed (`--port`) without touching it', () => {
    const config = parseConfig({ env: {} });
    const o = gatewayOptionsFromConfig(config);
    o.port = 1;
    o.executors.push('http://x');
    expect(config.gateway.port).toBe(80);
    expect(config.gateway.executors).toEqual([]);
  });
});
