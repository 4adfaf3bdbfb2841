/** The names of the property jobs, for option parsing without loading the properties themselves. */
export const PROPERTY_NAMES = ['snnEqualsAnn', 'eventCountsAreConsistent', 'replayEqualsLiveRun', 'batchIncrementsEqual', 'concurrentEqualsAnn', 'tfjsMirrorEqualsAnn'] as const;
export type PropertyName = (typeof PROPERTY_NAMES)[number];
