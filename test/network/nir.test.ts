/** NIR interchange: the layout checked by an independent h5py reader, exact round trips, quantised imports, refusals by node and field. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spikeCaseArbitrary } from '../../src/verify/properties/arbitraries.js';
import { architectureOf } from '../../src/network/build.js';
import { initNetwork } from '../../src/network/init.js';
import { loadModel, saveModel } from '../../src/network/modelFile.js';
import { nirArray, node, type NirGraph } from '../../src/network/nir/graph.js';
import { networkToNir } from '../../src/network/nir/export.js';
import { nirToNetwork } from '../../src/network/nir/import.js';
import { decodeNir, encodeNir, readNir, writeNir } from '../../src/network/nir/nirFile.js';
import { cifar10Architecture, mnistArchitecture } from '../../src/network/presets.js';
import { roundHalfAwayReal } from '../../src/network/rounding.js';
import type { Network } from '../../src/network/topology.js';
import { runCli } from '../support/cli.js';

// Debian's python3-h5py installs for the system interpreter (.ci/run installs it).
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const h5py = (...args: string[]) => spawnSync(PYTHON, ['test/support/nir_h5py.py', ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'spikegrad-nir-'));

/** Every layer's kind, sizes and thresholds as plain data, and its parameters as bytes (fast to compare, exact). */
const plain = (n: Network) => ({
  architecture: architectureOf(n),
  params: n.layers.map((l) => ('weights' in l ? [Buffer.from(l.weights.buffer, l.weights.byteOffset, l.weights.byteLength).toString('base64'), Array.from(l.bias)] : null)),
});
const roundTrip = async (n: Network) => nirToNetwork(await decodeNir(await encodeNir(networkToNir(n)), 'x.nir'), { theta: 1024, inputScale: 1 }).network;

describe('NIR export', () => {
  it('an independent h5py reader finds NIR’s layout: node types, parameters, shapes along every edge, dtypes', async () => {
    const network = initNetwork(mnistArchitecture(), { seed: 4 });
    const file = join(dir, 'mnist.nir');
    await writeNir(file, networkToNir(network, { alpha: 50, sourceSha256: 'ab'.repeat(32) }));
    const r = h5py('check', file);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.version).toBe('1.0.7');
    expect(out.chain.map((x: string[]) => x[1])).toEqual([
      'Input', 'Conv2d', 'IF', 'SumPool2d', 'IF', 'Conv2d', 'IF', 'SumPool2d', 'IF', 'Flatten', 'Affine', 'IF', 'Affine', 'I', 'Output',
    ]);
    expect(out.edges).toBe(14);
    expect(out.dtypes['layer0.weight']).toBe('int32');
    expect(out.dtypes['layer0_neurons.v_threshold']).toBe('float64');
    expect(out.weight0).toEqual(Array.from((network.layers[0] as { weights: Float64Array }).weights.slice(0, 5)));
    expect(out.metadata).toEqual(expect.arrayContaining(['format', 'architecture', 'reset', 'threshold_comparison', 'spikes', 'bias', 'residual_phase', 'alpha', 'source_sha256']));
  });

  it('export then import gives back the same network: the MNIST and CIFAR-10 topologies', async () => {
    for (const arch of [mnistArchitecture(), cifar10Architecture()]) {
      const network = initNetwork(arch, { seed: 2 });
      expect(plain(await roundTrip(network))).toEqual(plain(network));
    }
  }, 180_000);

  it('export then import gives back the same network: random networks (pooling weights, linear layers, every kind)', async () => {
    await fc.assert(
      fc.asyncProperty(spikeCaseArbitrary(), async (c) => {
        expect(plain(await roundTrip(c.network))).toEqual(plain(c.network));
      }),
      { numRuns: 40, seed: 16 },
    );
  }, 120_000);
});

describe('NIR import of foreign files', () => {
  it('a float network written by h5py as nir.write does is quantised to v_threshold/Θ, half away from zero', async () => {
    const file = join(dir, 'foreign.nir');
    const w = h5py('foreign', file, 'plain');
    expect(w.status).toBe(0);
    const { w1, w2 } = JSON.parse(w.stdout) as { w1: number[]; w2: number[] };
    const r = nirToNetwork(await readNir(file), { theta: 256, inputScale: 1 }, file);
    const [fc1, fc2] = r.network.layers as { weights: Float64Array; bias: Float64Array; theta: number; activation: string }[];
    // Hidden layer: v_threshold 0.5, so a real weight w becomes w·256/0.5; bias 0.05 likewise.
    expect(Array.from(fc1.weights)).toEqual(w1.map((x) => roundHalfAwayReal(x * 512)));
    expect(Array.from(fc1.bias)).toEqual(new Array(6).fill(roundHalfAwayReal(0.05000000074505806 * 512)));
    expect([fc1.theta, fc1.activation]).toEqual([256, 'relu']);
    // Classification layer (no neurons after it): real V = W·x, so w·Θ.
    expect(Array.from(fc2.weights)).toEqual(w2.map((x) => roundHalfAwayReal(x * 256)));
    expect(r.layers.map((l) => l.exact)).toEqual([false, false]);
    expect(Math.max(...r.layers.map((l) => l.maxRoundingError))).toBeLessThanOrEqual(0.5);
  });

  it('the CLI imports it and the model evaluates through the integer ANN', () => {
    const file = join(dir, 'foreign.nir');
    const out = join(dir, 'foreign.safetensors');
    const r = runCli(['import', file, '--out', out, '--theta', '256', '--json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).layers.map((l: { nodes: string[] }) => l.nodes)).toEqual([['fc1', 'if1'], ['fc2']]);
    expect(loadModel(out).network.layers.map((l) => l.kind)).toEqual(['dense', 'dense']);
  });
});

describe('NIR refusals: exit 2, naming the node and the field, nothing written', () => {
  const base = () => networkToNir(initNetwork({ inputShape: [1, 8, 8], layers: [
    { kind: 'conv2d', channels: 2, kernel: 3, stride: 1, padding: 1, activation: 'relu', theta: 64, thetaBp: 4 },
    { kind: 'avgpool', size: 2, weight: 1, activation: 'linear', theta: 4, thetaBp: 64 },
    { kind: 'flatten' },
    { kind: 'dense', units: 3, activation: 'linear', theta: 64, thetaBp: 64 },
  ] }, { seed: 1 }));
  const cases: [string, (g: NirGraph) => void, RegExp][] = [
    ['a missing parameter', (g) => g.nodes.get('layer0')!.params.delete('weight'), /node "layer0" \(Conv2d\): missing parameter "weight"/],
    ['an unknown node type', (g) => (g.nodes.get('layer1')!.type = 'MaxPool2d'), /node "layer1": unknown node type "MaxPool2d"/],
    ['a leaky neuron', (g) => (g.nodes.get('layer0_neurons')!.type = 'LIF'), /node "layer0_neurons" \(LIF\): not supported: leaky neurons/],
    ['a cycle', (g) => g.edges.push(['layer3', 'layer0']), /edges: the graph has a cycle \("layer0" → .* → "layer3" → "layer0"\)/],
    ['a shape mismatch', (g) => (g.nodes.get('layer3')!.params.set('weight', nirArray('int32', [3, 31], new Array(93).fill(1)))), /node "layer3" \(Affine\)\.weight: expected 32 inputs \(the output of node "layer2"\), found 31/],
    ['a neuron shape mismatch', (g) => g.nodes.get('layer0_neurons')!.params.set('v_threshold', nirArray('float64', [5], [64, 64, 64, 64, 64])), /node "layer0_neurons" \(IF\)\.v_threshold: expected 128 values \(the output of node "layer0"\), found 5/],
    ['dilation', (g) => g.nodes.get('layer0')!.params.set('dilation', nirArray('int64', [2], [2, 2])), /node "layer0" \(Conv2d\)\.dilation: expected 1/],
    ['groups', (g) => g.nodes.get('layer0')!.params.set('groups', nirArray('int64', [], [2])), /node "layer0" \(Conv2d\)\.groups: expected 1/],
    ['a second Input', (g) => g.nodes.set('extra', node('Input', { shape: nirArray('int64', [1], [3]) })), /nodes: expected one Input node, found 2/],
    ['an edge to nowhere', (g) => g.edges.push(['layer0', 'ghost']), /edges\[\d+\]: expected the names of two nodes, found "ghost"/],
  ];
  it.each(cases)('%s', async (_name, spoil, message) => {
    const g = base();
    spoil(g);
    const file = join(dir, `bad-${_name.replace(/\W+/g, '-')}.nir`);
    await writeNir(file, g);
    const out = join(dir, 'kept.safetensors');
    writeFileSync(out, 'existing');
    const r = runCli(['import', file, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(file);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(out, 'utf8')).toBe('existing');
  });

  it('a file that is not HDF5', () => {
    const file = join(dir, 'text.nir');
    writeFileSync(file, 'hello, not hdf5');
    const r = runCli(['import', file, '--out', join(dir, 'never.safetensors')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/text\.nir: not an HDF5 file \(no HDF5 signature\)/);
    expect(existsSync(join(dir, 'never.safetensors'))).toBe(false);
  });

  it('an HDF5 file with its end cut off', async () => {
    const bytes = await encodeNir(base());
    const file = join(dir, 'cut.nir');
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = runCli(['import', file, '--out', join(dir, 'never.safetensors')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cut\.nir: not a readable (HDF5|NIR) file \(H5\w+: [^\n]+\)\n$/);
    expect(r.stderr).not.toContain('HDF5-DIAG');
  });
});

describe('spikegrad export and simulate --nir-events', () => {
  it('export writes the graph, measures the conventional simulator, and refuses to run without --nir', () => {
    const model = join(dir, 'm.safetensors');
    const network = initNetwork({ inputShape: [1, 28, 28], layers: [
      { kind: 'conv2d', channels: 3, kernel: 5, stride: 3, padding: 0, activation: 'relu', theta: 1024, thetaBp: 4 },
      { kind: 'avgpool', size: 2, weight: 1, activation: 'linear', theta: 4, thetaBp: 1024 },
      { kind: 'flatten' },
      { kind: 'dense', units: 10, activation: 'linear', theta: 1024, thetaBp: 1024 },
    ] }, { seed: 3 });
    saveModel(model, { network, info: { alpha: '50' } });
    const nir = join(dir, 'exported.nir');
    const r = runCli(['export', model, '--nir', nir, '--samples', '40', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.samples).toBe(40);
    for (const k of ['zero', 'subtract']) {
      expect(out.conventional[k].accuracy).toBeGreaterThanOrEqual(0);
      expect(out.conventional[k].accuracy).toBeLessThanOrEqual(1);
    }
    expect(out.conventionalRule).toEqual({ spikes: 'positive only', threshold: 'V > theta', residualPhase: false, bias: 'initial potential', input: 'x unit events per input value, rate-coded' });
    expect(h5py('check', nir).status).toBe(0);
    const back = join(dir, 'back.safetensors');
    expect(runCli(['import', nir, '--out', back]).status).toBe(0);
    expect(plain(loadModel(back).network)).toEqual(plain(network));
    const refused = runCli(['export', model]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--nir: expected the NIR file to write/);
  }, 60_000);

  it('simulate --nir-events writes NIR event data that h5py reads: one node per exported node, signed values, times', () => {
    const file = join(dir, 'events.nir');
    const r = runCli(['simulate', 'examples/small.case.json', '--nir-events', file, '--json']);
    expect(r.status).toBe(0);
    const stats = JSON.parse(r.stdout).stats;
    const py = spawnSync(PYTHON, ['-c', `
import h5py, json
f = h5py.File(${JSON.stringify(file)}, 'r')
assert f.attrs['__type__'] == 'NIRGraphData'
out = {}
for n, g in f['nodes'].items():
    assert g.attrs['__type__'] == 'NIRNodeData'
    for o, h in g['observables'].items():
        assert h.attrs['__type__'] == 'ValuedEventData'
        assert len(h['idx']) == len(h['time']) == len(h['value'])
        assert (h['idx'][()] < h.attrs['n_neurons']).all() and (h['time'][()] <= h.attrs['t_max']).all()
        out[n + '/' + o] = [int(len(h['idx'])), int(h.attrs['n_neurons']), sorted(set(float(v) for v in h['value'][()]))[:3]]
print(json.dumps(out))
`], { encoding: 'utf8' });
    expect(py.stderr).toBe('');
    const out = JSON.parse(py.stdout) as Record<string, [number, number, number[]]>;
    expect(Object.keys(out)).toEqual(expect.arrayContaining(['input/spikes', 'layer0_neurons/spikes', 'layer0_neurons/error_spikes', 'layer3_neurons/spikes']));
    // Forward spikes of layer 0 as the statistics count them (standard and residual).
    const l0 = stats.layers[0].forward;
    expect(out['layer0_neurons/spikes'][0]).toBe(l0.standardEvents + l0.residualEvents);
    expect(out['layer0_neurons/spikes'][1]).toBe(72);
    expect(out['layer3_neurons/spikes'][2].every((v: number) => v === 1 || v === -1)).toBe(true);
  });
});
