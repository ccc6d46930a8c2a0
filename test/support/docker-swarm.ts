import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DockerClient } from '../../lib/docker/index.ts';
import { freePort } from '../../lib/free-port.ts';
import { dockerDataRoot, engineRunDir } from './docker.ts';
import { type EngineState, startEngine, stopEngine } from './docker-engine.ts';

/** A one-node swarm on a dockerd of its own, beside the run's shared engine. */
export interface TestSwarm {
  socketPath: string;
  client: DockerClient;
  /** Leaves the swarm, stops the dockerd and removes its folders; returns what it did. */
  stop(): Promise<string[]>;
}

const GWBRIDGE = 'docker_gwbridge';

/**
 * Starts a second dockerd (swarm state lives in the data root: the run's shared engine, whose data
 * root is kept between runs, never joins a swarm), copies `images` into it from `shared`
 * (`docker save | docker load`: nothing is pulled) and makes it a one-node swarm manager listening
 * on 127.0.0.1 only. `stop()` leaves the swarm first, removes the `docker_gwbridge` network the
 * swarm made (unless that interface existed before, e.g. another run's), then stops the engine.
 */
export async function startTestSwarm(shared: DockerClient, images: string[]): Promise<TestSwarm> {
  const runDir = `${engineRunDir()}-sw`;
  const dataRoot = join(dirname(dockerDataRoot()), `swarm-data-${process.pid}`);
  const hadGwbridge = existsSync(`/sys/class/net/${GWBRIDGE}`);
  const state: EngineState = await startEngine({ runDir, dataRoot });
  const client = new DockerClient({ socketPath: state.socketPath });
  const stop = async () => {
    const notes: string[] = [];
    try {
      await client.swarm.leave(true);
      if (!hadGwbridge) await client.networks.remove(GWBRIDGE);
    } catch (error) {
      notes.push(`leaving the test swarm failed: ${(error as Error).message}`);
    } finally {
      await client.close();
    }
    notes.push(...(await stopEngine(state)));
    rmSync(dataRoot, { recursive: true, force: true });
    return notes;
  };
  try {
    for (const image of images) await copyImage(shared.socketPath, state.socketPath, image);
    const port = await freePort();
    await client.swarm.init({ listenAddr: `127.0.0.1:${port}`, advertiseAddr: `127.0.0.1:${port}` });
  } catch (error) {
    await stop();
    throw error;
  }
  return { socketPath: state.socketPath, client, stop };
}

/** `docker -H from save image | docker -H to load`, failing with both commands' stderr. */
async function copyImage(from: string, to: string, image: string): Promise<void> {
  const save = spawn('docker', ['-H', `unix://${from}`, 'save', image], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const load = spawn('docker', ['-H', `unix://${to}`, 'load', '-q'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let errors = '';
  save.stderr.on('data', (d) => {
    errors += d;
  });
  load.stderr.on('data', (d) => {
    errors += d;
  });
  save.stdout.pipe(load.stdin);
  const done = (child: ChildProcess) =>
    new Promise<number | string>((resolve) => {
      child.once('error', (e) => resolve(e.message));
      child.once('close', (code) => resolve(code ?? -1));
    });
  const [saved, loaded] = await Promise.all([done(save), done(load)]);
  if (saved !== 0 || loaded !== 0)
    throw new Error(
      `copying image ${image} into the swarm engine failed (docker save: ${saved}, docker load: ${loaded}): ${errors.trim()}`,
    );
}
