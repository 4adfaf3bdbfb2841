import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseSeedRun, seedSummaryMarkdown, spread, summariseSeeds, type TrainRunOutput } from '../../src/report/seedSummary.js';

const run = (validation: number[], test: number, best: number | null): TrainRunOutput => ({
  history: validation.map((v, i) => ({ epoch: i + 1, validationAccuracy: v, seconds: 10 })),
  best: best === null ? null : { epoch: best, accuracy: validation[best - 1] },
  testAccuracy: test,
  testSamples: 10000,
  tfjsTestAccuracy: test - 0.0001,
});

describe('seed summaries', () => {
  it('gives the mean, the sample standard deviation and the extremes', () => {
    const s = spread([0.9940, 0.9950, 0.9930]);
    expect(s.mean).toBeCloseTo(0.994, 12);
    expect(s.std).toBeCloseTo(0.001, 12);
    expect([s.min, s.max]).toEqual([0.993, 0.995]);
    expect(spread([0.5]).std).toBe(0);
    expect(() => spread([])).toThrow(RangeError);
  });

  it('reports each seed at the epoch its validation split chose, and the test figure train scored', () => {
    const summary = summariseSeeds([
      { seed: 1, run: run([0.98, 0.99, 0.985], 0.991, 2), wallSeconds: 120 },
      // Without a recorded best, the highest validation epoch is the one.
      { seed: 2, run: run([0.97, 0.96, 0.975], 0.989, null) },
    ]);
    expect(summary.runs.map((r) => [r.seed, r.bestEpoch, r.bestValidation, r.test, r.epochs])).toEqual([[1, 2, 0.99, 0.991, 3], [2, 3, 0.975, 0.989, 3]]);
    expect(summary.runs[1].trainingSeconds).toBe(30);
    expect(summary.test.mean).toBeCloseTo(0.99, 12);
    const md = seedSummaryMarkdown(summary);
    expect(md).toContain('| 1 | 3 | 2 | 99.00 % | 99.10 % | 99.09 % | 2.0 min |');
    expect(md).toContain('| 2 | 3 | 3 | 97.50 % | 98.90 % | 98.89 % | 0.5 min |');
    expect(md).toContain('**99.00 ± 0.14 %** (max 99.10 %)');
  });

  it('with a weight average, puts the live weights\' best validation beside the average\'s', () => {
    const averaged = (validation: number[], live: number[], test: number): TrainRunOutput => {
      const r = run(validation, test, validation.indexOf(Math.max(...validation)) + 1);
      r.history.forEach((h, i) => (h.liveValidationAccuracy = live[i]));
      return r;
    };
    const summary = summariseSeeds([
      { seed: 1, run: averaged([0.98, 0.995, 0.99], [0.97, 0.99, 0.992], 0.993) },
      { seed: 2, run: averaged([0.97, 0.98, 0.99], [0.975, 0.971, 0.98], 0.99) },
    ]);
    expect(summary.runs.map((r) => r.liveBestValidation)).toEqual([0.992, 0.98]);
    expect(summary.liveBestValidation!.mean).toBeCloseTo(0.986, 12);
    const md = seedSummaryMarkdown(summary);
    expect(md).toContain('| seed | epochs | best epoch (validation) | best validation | best validation, live weights | test (integer ANN) |');
    expect(md).toContain('| 1 | 3 | 2 | 99.50 % | 99.20 % | 99.30 % | 99.29 % | 0.5 min |');
    expect(md).toContain('| 99.25 ± 0.35 % | 98.60 ± 0.85 % | **99.15 ± 0.21 %**');
    // Without an average in every run, no such column.
    const plain = summariseSeeds([{ seed: 1, run: run([0.98], 0.99, 1) }, { seed: 2, run: averaged([0.97], [0.96], 0.98) }]);
    expect(plain.liveBestValidation).toBeNull();
    expect(seedSummaryMarkdown(plain)).not.toContain('live weights');
  });

  it('reads train --json output, bare or inside the runner record, and refuses anything else by file name', () => {
    const bare = run([0.9], 0.91, 1);
    expect(parseSeedRun(JSON.stringify(bare), 'a.json', 3).run.testAccuracy).toBe(0.91);
    const wrapped = parseSeedRun(JSON.stringify({ command: 'x', wallSeconds: 7, result: bare }), 'b.json', 4);
    expect([wrapped.seed, wrapped.wallSeconds]).toEqual([4, 7]);
    expect(() => parseSeedRun('{', 'c.json', 1)).toThrow(InputError);
    expect(() => parseSeedRun('{"history": []}', 'd.json', 1)).toThrow(/d\.json: expected the output of train --json/);
  });
});
