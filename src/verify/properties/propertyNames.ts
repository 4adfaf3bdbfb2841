/** The names of the property jobs, for option parsing without loading the properties themselves. */
export const PROPERTY_NAMES = ['snnEqualsAnn', 'eventCountsAreConsistent', 'replayEqualsLiveRun', 'batchIncrementsEqual', 'concurrentEqualsAnn', 'tfjsMirrorEqualsAnn'] as const;
export type PropertyName = (typeof PROPERTY_NAMES)[number];
/** The properties that run on the bus in this thread, and so can run the spiking neurons under a variant of the rule. */
export const VARIANT_PROPERTIES = ['snnEqualsAnn', 'eventCountsAreConsistent', 'replayEqualsLiveRun', 'batchIncrementsEqual'] as const satisfies readonly PropertyName[];
