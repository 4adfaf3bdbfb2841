/**
 * The neuron rule's design choices (docs/algorithm.md §9) as named, switchable variants, so that the
 * properties can show why each is needed. The paper's rule is the default everywhere; a variant
 * changes only the spiking neurons, never the integer ANN they are compared with.
 */
export interface NeuronRule {
  /** Residual ties 2V = ±Θ: `sign` (the paper: by the sign of the count), `none` (fire whenever |2V| ≥ Θ), `strict` (only |2V| > Θ). */
  residualTie: 'sign' | 'none' | 'strict';
  /** The standard function fires at V ≥ Θ (`inclusive`, the paper) or only at V > Θ (`strict`). */
  threshold: 'inclusive' | 'strict';
  /** A relu neuron sends −1 while its count is positive (the paper), or never. */
  reluNegative: boolean;
  /** The residual phase runs (the paper) or not. */
  residual: boolean;
}

export const PAPER_RULE: NeuronRule = { residualTie: 'sign', threshold: 'inclusive', reluNegative: true, residual: true };

export const VARIANTS = {
  paper: {},
  'residual-tie=none': { residualTie: 'none' },
  'residual-tie=strict': { residualTie: 'strict' },
  'threshold=strict': { threshold: 'strict' },
  'relu-negative=off': { reluNegative: false },
  'residual=off': { residual: false },
} as const satisfies Record<string, Partial<NeuronRule>>;

export type VariantName = keyof typeof VARIANTS;
export const VARIANT_NAMES = Object.keys(VARIANTS) as VariantName[];

export function neuronRule(variant: VariantName = 'paper'): NeuronRule {
  return { ...PAPER_RULE, ...VARIANTS[variant] };
}
