/**
 * Property checking on a real job queue: a redis-server on 127.0.0.1 (Debian's, installed by
 * .ci/run), two `spikegrad worker` processes, one killed in the middle of a job; the totals equal a
 * local run with the same seeds, and the killed worker's job is run again by the other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initNetwork } from '../../src/network/init.js';
import { saveModel } from '../../src/network/modelFile.js';
import { resolveTopology } from '../../src/network/topologyFile.js';
import { runCli, startCli } from '../support/cli.js';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function startRedis(): Promise<string> {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(redis);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
    redis.once('error', (e) => reject(new Error(`redis-server could not be started (${e.message}); .ci/run installs Debian's redis-server`)));
    redis.stdout!.on('data', (d: Buffer) => {
      if (/ready to accept connections/i.test(String(d))) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return `redis://127.0.0.1:${port}`;
}

describe('spikegrad properties --queue with spikegrad worker', () => {
  it('two workers, one killed mid-job: nothing lost or counted twice, the same totals as a local run', async () => {
    const url = await startRedis();
    const args = ['properties', '--runs', '1200', '--seed', '4', '--only', 'snnEqualsAnn', '--job-size', '150', '--json'];
    const workers = [0, 1].map(() => startCli(['worker', '--queue', url, '--lock-ms', '2000']));
    for (const w of workers) children.push(w.child);
    await Promise.all(workers.map((w) => w.stderrMatches(/waiting for jobs/)));
    const submit = startCli([...args, '--queue', url]);
    children.push(submit.child);
    // Kill the first worker as soon as it has a job in hand.
    await workers[0].stderrMatches(/started/);
    workers[0].child.kill('SIGKILL');
    const killed = await workers[0].done;
    const lost = [...killed.stderr.matchAll(/job snnEqualsAnn seed (\d+) \(\d+ cases\) started/g)].map((m) => m[1]);
    const finished = new Set([...killed.stderr.matchAll(/seed (\d+) \(\d+ cases\) done/g)].map((m) => m[1]));
    const inHand = lost.filter((s) => !finished.has(s));
    expect(inHand.length).toBe(1);
    const queued = await submit.done;
    expect(queued.status).toBe(0);
    const viaQueue = JSON.parse(queued.stdout);
    // The job the killed worker held was run again, by the other one.
    workers[1].child.kill('SIGTERM');
    const survivor = await workers[1].done;
    expect(survivor.stderr).toContain(`job snnEqualsAnn seed ${inHand[0]} (150 cases) done`);
    const local = runCli(args, 300_000);
    expect(local.status).toBe(0);
    expect(viaQueue).toEqual(JSON.parse(local.stdout));
    expect(viaQueue).toMatchObject({ runs: 1200, jobs: 8, counterexamples: [] });
  }, 240_000);

  it('a queue nobody listens on is refused by name, exit 2', async () => {
    const port = await freePort();
    const r = runCli(['properties', '--runs', '10', '--only', 'snnEqualsAnn', '--queue', `redis://127.0.0.1:${port}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`--queue redis://127.0.0.1:${port}: cannot reach Redis`));
    const bad = runCli(['worker', '--queue', 'http://example.com']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--queue: expected redis:\/\/HOST:PORT, found "http:\/\/example.com"/);
  });
});

describe('verify and timing --queue', () => {
  it('split into ranges on two workers, one killed with a range in hand, merged in index order: the report of a local run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spikegrad-queue-'));
    const model = join(dir, 'tiny.safetensors');
    saveModel(model, { network: initNetwork(resolveTopology('examples/tiny.topology.json'), { seed: 3 }), info: { alpha: '30' } });
    const url = await startRedis();
    const workers = [0, 1].map(() => startCli(['worker', '--queue', url, '--lock-ms', '2000']));
    for (const w of workers) children.push(w.child);
    await Promise.all(workers.map((w) => w.stderrMatches(/waiting for jobs/)));
    const verify = ['verify', model, '--samples', '240', '--order', 'split,shuffle', '--seed', '5', '--policy', 'burst', '--json'];
    const submit = startCli([...verify, '--queue', url, '--job-size', '40']);
    children.push(submit.child);
    // One worker dies with a range in hand: the other takes it over once its lock runs out.
    await workers[0].stderrMatches(/job verify images \d+–\d+ started/);
    workers[0].child.kill('SIGKILL');
    const queued = await submit.done;
    expect(queued.status).toBe(0);
    const local = runCli([...verify, '--workers', '1']);
    expect(local.status).toBe(0);
    const wallClock = ({ seconds: _s, secondsPerImage: _p, snnSecondsPerImage: _n, annSecondsPerImage: _a, workers: _w, queue: _q, ...rest }: Record<string, unknown>) => rest;
    const q = JSON.parse(queued.stdout), l = JSON.parse(local.stdout);
    expect(q.queue).toEqual({ url, jobs: 6 });
    expect(wallClock(q)).toEqual(wallClock(l));
    expect(q).toMatchObject({ samples: 240, bitExact: 240 });

    const timing = ['timing', model, '--samples', '90', '--latency', 'exp:1', '--latency', 'const:1', '--barrier', 'exact', '--barrier', 'timeout:2', '--seed', '3', '--json'];
    const queuedTable = join(dir, 'queued.csv'), localTable = join(dir, 'local.csv');
    const tq = runCli([...timing, '--queue', url, '--job-size', '25', '--table', queuedTable]);
    expect(tq.status).toBe(0);
    const tl = runCli([...timing, '--workers', '1', '--table', localTable]);
    expect(tl.status).toBe(0);
    // Byte for byte: the report and every row of the per-sample table.
    expect(tq.stdout).toBe(tl.stdout);
    expect(readFileSync(queuedTable, 'utf8')).toBe(readFileSync(localTable, 'utf8'));
    workers[1].child.kill('SIGTERM');
    const [killed, survivor] = (await Promise.all(workers.map((w) => w.done))).map((d) => d.stderr);
    const started = [...killed.matchAll(/job (verify images \d+–\d+) started/g)].map((m) => m[1]);
    const finished = new Set([...killed.matchAll(/job (verify images \d+–\d+) done/g)].map((m) => m[1]));
    const inHand = started.filter((j) => !finished.has(j));
    expect(inHand.length).toBe(1);
    expect(survivor).toContain(`job ${inHand[0]} done`);
    expect(survivor).toMatch(/job timing configuration 4, images 75–89 done/);
  }, 240_000);

  it('refuses what cannot go on a queue, naming the option (exit 2)', () => {
    const cases: [string[], RegExp][] = [
      [['verify', 'm.safetensors', '--queue', 'redis://127.0.0.1:1', '--concurrent'], /--queue: each job verifies its images in one thread/],
      [['verify', 'm.safetensors', '--queue', 'redis://127.0.0.1:1', '--train-steps', '2'], /--train-steps: on-line training is one sequence/],
      [['verify', 'm.safetensors', '--queue', 'redis://127.0.0.1:1', '--workers', '2'], /--workers: with --queue the images go to `spikegrad worker` processes/],
      [['verify', 'm.safetensors', '--job-size', '5'], /--job-size: only used with --queue/],
      [['timing', 'm.safetensors', '--queue', 'redis://127.0.0.1:1', '--workers', '2'], /--workers: with --queue/],
      [['properties', '--queue', 'redis://127.0.0.1:1', '--workers', '2'], /--workers: with --queue the jobs go to `spikegrad worker` processes/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
