/** `spikegrad import IN.nir --out MODEL.safetensors`: a NIR graph as a spikegrad integer model. */
import { InputError } from '../errors.js';
import { saveModel } from '../network/modelFile.js';
import { nirToNetwork } from '../network/nir/import.js';
import { defineCommand } from './command.js';
import { flag, integer, number, outputFile } from './options.js';

export const importCommand = defineCommand({
  name: 'import',
  summary: 'read a NIR graph (HDF5) into a spikegrad integer model',
  details: [
    'The graph must be one feed-forward chain Input → … → Output of Conv2d, Affine, Linear, SumPool2d, AvgPool2d (a Scale after it is its weight), Flatten and IF nodes; the last Affine or Linear is the classification layer (an I or IF after it is its readout). LIF, CubaLIF, LI, Delay, recurrent edges, dilation and groups are refused by name.',
    'Integer parameters with r = 1 and an integer v_threshold (what `spikegrad export` writes) are taken exactly, Θ = v_threshold; other layers are quantised to the grid v_threshold/Θ with Θ = --theta (weights w·r·Θ/v_threshold rounded half away from zero).',
  ],
  arguments: [{ name: 'nir', description: 'a NIR file (HDF5)' }],
  options: {
    out: outputFile({ description: 'the spikegrad-model/1 file to write (required)' }),
    theta: integer({ min: 1, max: 2 ** 24, default: '1024', description: 'Θ of the quantisation grid for layers whose parameters are not integers' }),
    thetaBp: integer({ min: 1, max: 2 ** 24, placeholder: '<n>', defaultDoc: "the file's, else Θ of the layer above", description: 'backward threshold Θbp of every layer' }),
    inputScale: number({ above: 0, max: 1e9, default: '1', description: 'the real input is the integer input divided by this (255 for a network trained on pixels in [0, 1])' }),
    json: flag({ description: 'print one JSON object' }),
  },
  check(o) {
    if (o.out === undefined) throw new InputError('--out: expected the model file to write, found nothing');
  },
  async run([file], o) {
    const { readNir } = await import('../network/nir/nirFile.js');
    const graph = await readNir(file);
    const r = nirToNetwork(graph, { theta: o.theta, inputScale: o.inputScale, thetaBp: o.thetaBp }, file);
    const info: Record<string, string> = { importedFrom: 'NIR', nirVersion: graph.version };
    const alpha = graph.metadata.get('alpha');
    if (alpha !== undefined) info.alpha = alpha;
    saveModel(o.out!, { network: r.network, info });
    if (o.json) {
      console.log(JSON.stringify({ out: o.out, nirVersion: graph.version, fromSpikegrad: r.fromSpikegrad, layers: r.layers }));
      return;
    }
    console.log(`wrote ${o.out}: ${r.network.layers.length} layers from ${graph.nodes.size} NIR nodes (NIR ${graph.version}${r.fromSpikegrad ? ', written by spikegrad' : ''})`);
    for (const l of r.layers) {
      if (l.kind === 'flatten') continue;
      const how = l.exact ? 'exact (integer parameters)' : `quantised to v_threshold/${l.theta}, largest rounding ${l.maxRoundingError.toFixed(3)} of a step`;
      console.log(`  ${l.nodes.join(' → ')}: ${l.kind}, Θ ${l.theta}, ${how}`);
    }
  },
});
