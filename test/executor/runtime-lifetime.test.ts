import { afterEach, describe, expect, it } from 'vitest';
import { callExecutor, type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { isAlive, waitGone } from '../support/processes.ts';

// A real runtime is pluggable by configuration alone ({logsDir} in the command template), and runtime
// processes die with their executor whatever they run: here a runtime that ignores the IPC channel
// and starts a child of its own, under a real executor process that is SIGKILLed.
const FUNCTIONS = 'test/executor/fixtures/functions';

describe('runtime processes and their executor', () => {
  let fleet: ExecutorFleet | undefined;
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('kills a runtime that ignores IPC, and its children, when the executor is SIGKILLed', async () => {
    fleet = await startExecutors(1, {
      args: ['--runtime-command', 'noipc/*=node {source}/no-ipc-runtime.mjs {runtimeServer} {logsDir}'],
    });
    const url = fleet.hosts[0]!.url;
    const body = { image: 'noipc/runtime:1', source: FUNCTIONS, entrypoint: 'pid.mjs' };
    const created = await callExecutor(url, fleet.secret, 'POST', '/v1/runtimes', {
      ...body,
      runtimeId: 'orphan',
    });
    expect(created.status, created.text).toBe(201);
    const line = created.json.output
      .map((l: { content: string }) => l.content)
      .find((c: string) => c.startsWith('grandchild '));
    const grandchild = Number(line.split(' ')[1]);
    const executed = await callExecutor(url, fleet.secret, 'POST', '/v1/runtimes/orphan/executions', {});
    const runtime = JSON.parse(executed.json.body).pid as number;
    expect([isAlive(runtime), isAlive(grandchild)]).toEqual([true, true]);
    await fleet.kill(0, 'SIGKILL');
    expect(await waitGone(runtime)).toBe(true);
    expect(await waitGone(grandchild)).toBe(true);
  });

  it('stops a runtime and its children on DELETE', async () => {
    fleet = await startExecutors(1, {
      args: ['--runtime-command', 'noipc/*=node {source}/no-ipc-runtime.mjs {runtimeServer} {logsDir}'],
    });
    const url = fleet.hosts[0]!.url;
    const body = { image: 'noipc/runtime:1', source: FUNCTIONS, entrypoint: 'pid.mjs', runtimeId: 'deleted' };
    const created = await callExecutor(url, fleet.secret, 'POST', '/v1/runtimes', body);
    const line = created.json.output
      .map((l: { content: string }) => l.content)
      .find((c: string) => c.startsWith('grandchild '));
    const grandchild = Number(line.split(' ')[1]);
    expect(isAlive(grandchild)).toBe(true);
    expect((await callExecutor(url, fleet.secret, 'DELETE', '/v1/runtimes/deleted')).status).toBe(200);
    expect(await waitGone(grandchild)).toBe(true);
  });
});
