/**
 * Property checking on a real job queue: a redis-server on 127.0.0.1 (Debian's, installed by
 * .ci/run), two `spikegrad worker` processes, one killed in the middle of a job; the totals equal a
 * local run with the same seeds, and the killed worker's job is run again by the other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
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
    const finished = new Set([...killed.stderr.matchAll(/seed (\d+) done/g)].map((m) => m[1]));
    const inHand = lost.filter((s) => !finished.has(s));
    expect(inHand.length).toBe(1);
    const queued = await submit.done;
    expect(queued.status).toBe(0);
    const viaQueue = JSON.parse(queued.stdout);
    // The job the killed worker held was run again, by the other one.
    workers[1].child.kill('SIGTERM');
    const survivor = await workers[1].done;
    expect(survivor.stderr).toContain(`job snnEqualsAnn seed ${inHand[0]} done`);
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
