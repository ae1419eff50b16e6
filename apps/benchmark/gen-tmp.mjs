import { loadScenePairs } from '/work/main/packages/tvl1-flow/scripts/scene-sets.mjs';
for (const set of ['validation', 'validation-b', 'test', 'fresh']) { await loadScenePairs({ set, cacheDir: '/work/runs/scene-cache' }); console.log(set, 'done'); }
