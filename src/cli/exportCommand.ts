/** `spikegrad export MODEL --nir OUT.nir`: the integer network as a NIR graph, and what a conventional simulator makes of it. */
import { createHash } from 'node:crypto';
import { CONVENTIONAL_RESETS, ConventionalIfNetwork, type ConventionalReset } from '../actors/conventionalIf.js';
import { IntegerAnn } from '../equivalence/integerAnn.js';
import { InputError } from '../errors.js';
import { readInputFile } from '../files.js';
import { decodeModel } from '../network/modelFile.js';
import { networkToNir } from '../network/nir/export.js';
import { imageAt } from '../train/data/dataset.js';
import { loadDataset } from '../train/data/sources.js';
import { checkModelFitsData } from '../train/evaluate.js';
import { defineCommand } from './command.js';
import { dataOptions } from './commonOptions.js';
import { flag, integer, outputFile } from './options.js';
import { withProgress } from './progress.js';

const RESET_WORDS: Record<ConventionalReset, string> = { zero: 'reset to zero (NIR IF)', subtract: 'subtractive reset (multi-spike)' };

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'write an integer model as a NIR graph (HDF5), and measure how a conventional integrate-and-fire simulator runs it',
  details: [
    'The graph is Input → Conv2d/Affine (integer weights) → IF (v_threshold = Θ, r = 1, v_reset = 0) → SumPool2d → IF → Flatten → … → Affine → I → Output; what NIR cannot say is in the graph\'s metadata (README, "NIR interchange").',
    'The measurement runs the exported network event by event as a conventional simulator would: positive spikes only, V > Θ, no residual phase, the bias as the initial potential (one initial event), an input value x as x unit events presented rate-coded; once with reset to zero, once with subtractive reset.',
  ],
  arguments: [{ name: 'model', description: 'a spikegrad-model/1 safetensors file' }],
  options: {
    nir: outputFile({ description: 'the NIR file to write (required)' }),
    ...dataOptions,
    samples: integer({ min: 0, default: '1000', description: 'test images for the measurement of the approximation (0: skip it)' }),
    json: flag({ description: 'print one JSON object' }),
  },
  check(o) {
    if (o.nir === undefined) throw new InputError('--nir: expected the NIR file to write, found nothing');
  },
  async run([file], o) {
    const bytes = readInputFile(file, 'model file');
    const { network, info } = decodeModel(bytes, file);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const alpha = info.alpha !== undefined && Number.isFinite(Number(info.alpha)) ? Number(info.alpha) : undefined;
    let measured: { samples: number; exactAccuracy: number; conventional: Record<ConventionalReset, { accuracy: number; agreesWithExact: number }> } | null = null;
    if (o.samples > 0) {
      const test = loadDataset(o.dataset, o.dataDir).test;
      checkModelFitsData(network, test);
      if (o.samples > test.count) throw new InputError(`--samples: expected at most ${test.count} (the test images of ${o.dataset}), found ${o.samples}`);
      const ann = new IntegerAnn(network);
      const sims = CONVENTIONAL_RESETS.map((r) => new ConventionalIfNetwork(network, r));
      let exact = 0;
      const correct = [0, 0];
      const agree = [0, 0];
      await withProgress('conventional IF |{bar}| {value}/{total} images | ETA {eta}s', o.samples, async (p) => {
        for (let i = 0; i < o.samples; i++) {
          const x = imageAt(test, i);
          const truth = test.labels[i];
          const e = ann.forward(x);
          if (e === truth) exact++;
          sims.forEach((s, k) => {
            const y = s.predict(x);
            if (y === truth) correct[k]++;
            if (y === e) agree[k]++;
          });
          if (i % 50 === 49 || i === o.samples - 1) p.update(i + 1);
          if (i % 20 === 19) await new Promise((r) => setImmediate(r));
        }
      });
      const n = o.samples;
      measured = {
        samples: n,
        exactAccuracy: exact / n,
        conventional: Object.fromEntries(CONVENTIONAL_RESETS.map((r, k) => [r, { accuracy: correct[k] / n, agreesWithExact: agree[k] / n }])) as Record<ConventionalReset, { accuracy: number; agreesWithExact: number }>,
      };
    }
    const graph = networkToNir(network, { sourceSha256: sha, alpha });
    const { writeNir } = await import('../network/nir/nirFile.js');
    await writeNir(o.nir!, graph);
    if (o.json) {
      console.log(JSON.stringify({
        nir: o.nir, version: graph.version, nodes: [...graph.nodes.keys()], edges: graph.edges.length, sourceSha256: sha,
        ...(measured ? { dataset: o.dataset, ...measured, conventionalRule: { spikes: 'positive only', threshold: 'V > theta', residualPhase: false, bias: 'initial potential', input: 'x unit events per input value, rate-coded' } } : {}),
      }));
      return;
    }
    console.log(`wrote ${o.nir}: NIR ${graph.version}, ${graph.nodes.size} nodes, ${graph.edges.length} edges (from ${file}, sha256 ${sha.slice(0, 12)}…)`);
    if (measured) {
      const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
      console.log(`first ${measured.samples} ${o.dataset} test images: exact integer network ${pct(measured.exactAccuracy)}`);
      for (const r of CONVENTIONAL_RESETS) {
        const m = measured.conventional[r];
        console.log(`  conventional IF, ${RESET_WORDS[r]}: ${pct(m.accuracy)} (same prediction as the exact network on ${pct(m.agreesWithExact)})`);
      }
      console.log('  (positive spikes only, V > Θ, no residual phase, bias as the initial potential, input values as rate-coded unit events)');
    }
  },
});
