import { describe, expect, it } from 'vitest';
import { useBackend } from '../src/train/tfjs/backend.js';
import { checkProperty } from '../src/verify/properties/equivalence.js';
import { mirrorTally, tfjsMirrorEqualsAnn } from '../src/verify/properties/tfjsMirror.js';

describe.each(['cpu', 'wasm'] as const)('tfjs mirror ≡ integer ANN on random networks (%s backend)', (backend) => {
  it('forward S and V^L always, gradients −ΣΔW and −ΣΔb whenever the top error agrees', async () => {
    await useBackend(backend);
    const before = { ...mirrorTally };
    await checkProperty(tfjsMirrorEqualsAnn(), 300, 12345);
    const cases = mirrorTally.cases - before.cases;
    const differing = mirrorTally.topErrorDiffers - before.topErrorDiffers;
    expect(cases).toBeGreaterThanOrEqual(300);
    // float32 vs float64 softmax decides a rounding tie only rarely.
    expect(differing).toBeLessThanOrEqual(cases * 0.02);
  }, 120_000);
});
