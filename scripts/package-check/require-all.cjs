/**
 * Copied into the package check's temporary project and run there (require()
 * and import() resolve from this file): require()s every entry
 * point of every installed @trajectorynet library (from its "exports", the
 * "require" condition), then import()s the same entry, and fails when an
 * entry does not load or the CommonJS build does not export the same names as
 * the ESM build. Prints one line per entry.
 */
const { readFileSync, readdirSync } = require('node:fs');
const path = require('node:path');

const scopeDir = path.join(__dirname, 'node_modules', '@trajectorynet');
const problems = [];

async function main() {
  let entries = 0;
  for (const folder of readdirSync(scopeDir).sort()) {
    const manifest = JSON.parse(readFileSync(path.join(scopeDir, folder, 'package.json'), 'utf8'));
    if (manifest.bin != null && manifest.main == null) continue; // a command-line app, nothing to require
    const subpaths = Object.keys(manifest.exports ?? { '.': manifest.main }).filter((s) => !s.endsWith('.json'));
    for (const subpath of subpaths) {
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
      entries += 1;
      let required;
      let imported;
      try {
        required = require(specifier);
      } catch (error) {
        problems.push(`require('${specifier}'): ${String(error.message).split('\n')[0]}`);
        continue;
      }
      try {
        imported = await import(specifier);
      } catch (error) {
        problems.push(`import('${specifier}'): ${String(error.message).split('\n')[0]}`);
        continue;
      }
      const cjsNames = Object.keys(required).filter((n) => n !== '__esModule' && n !== 'default').sort();
      const esmNames = Object.keys(imported).filter((n) => n !== 'default' && n !== 'module.exports').sort();
      if (cjsNames.length === 0) problems.push(`require('${specifier}') exports nothing`);
      const missing = esmNames.filter((n) => !cjsNames.includes(n));
      if (missing.length > 0) problems.push(`require('${specifier}') lacks ${missing.join(', ')} (exported by its ESM build)`);
      console.log(`${specifier}: require() gives ${cjsNames.length} exports`);
    }
  }
  console.log(`${entries} entry points`);
  for (const problem of problems) console.error(problem);
  process.exit(problems.length === 0 && entries > 0 ? 0 : 1);
}

main();
