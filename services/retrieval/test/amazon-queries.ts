/**
 * Queries written for the end-to-end test against the amazon-scientific catalog, each with
 * words of which at least one must appear in the title of a top-10 result for it to count as
 * relevant. The queries are ours; the catalog is only loaded, never quoted.
 */
export const AMAZON_QUERIES: readonly { query: string; relevantTitleWords: string[] }[] = [
  { query: 'PLA filament for 3D printer', relevantTitleWords: ['filament'] },
  { query: 'digital caliper', relevantTitleWords: ['caliper'] },
  { query: 'strong neodymium magnets', relevantTitleWords: ['magnet'] },
  { query: 'heat shrink tubing kit', relevantTitleWords: ['shrink'] },
  { query: 'food thermometer', relevantTitleWords: ['thermometer'] },
  { query: 'stainless steel machine screws', relevantTitleWords: ['screw'] },
  { query: 'double sided tape', relevantTitleWords: ['tape'] },
  { query: 'glass beaker set', relevantTitleWords: ['beaker'] },
  { query: 'wire crimp connectors', relevantTitleWords: ['crimp', 'connector', 'terminal'] },
  { query: 'ball bearings', relevantTitleWords: ['bearing'] },
  { query: 'soft toothbrush', relevantTitleWords: ['toothbrush'] },
  { query: 'swivel caster wheels', relevantTitleWords: ['caster'] },
  { query: 'warning safety sign', relevantTitleWords: ['sign'] },
  { query: 'nitrile gloves', relevantTitleWords: ['glove'] },
  { query: 'arduino sensor module', relevantTitleWords: ['arduino', 'sensor', 'module'] },
  { query: 'silicone sealant', relevantTitleWords: ['sealant', 'silicone'] },
  { query: 'wet dry vacuum', relevantTitleWords: ['vacuum'] },
  { query: 'brass pipe fitting', relevantTitleWords: ['fitting'] },
  { query: 'printer nozzle', relevantTitleWords: ['nozzle'] },
  { query: 'lab pipette', relevantTitleWords: ['pipette'] },
  { query: 'soldering wire', relevantTitleWords: ['solder'] },
  { query: 'microscope slides', relevantTitleWords: ['microscope', 'slide'] },
];
