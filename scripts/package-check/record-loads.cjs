/**
 * Preloaded (`node --require`) into a README example: appends the name of
 * every npm package the process loads, through require() or import, to the
 * file named by TRAJECTORYNET_RECORD_LOADS. The package check compares that
 * list with what the README's install line installs. Worker threads inherit
 * the flag, so what they load is recorded too.
 */
const { appendFileSync } = require('node:fs');
const Module = require('node:module');

const out = process.env.TRAJECTORYNET_RECORD_LOADS;
if (out) {
  const seen = new Set();
  const packageOf = (file) => {
    const parts = String(file).split(/[\\/]node_modules[\\/]/);
    if (parts.length < 2) return null;
    const rest = parts[parts.length - 1].split(/[\\/]/);
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  };
  const note = (file) => {
    const name = packageOf(file);
    if (name != null && !seen.has(name)) {
      seen.add(name);
      appendFileSync(out, `${name}\n`);
    }
  };
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (...args) {
    const file = resolveFilename.apply(this, args);
    note(file);
    return file;
  };
  // import(): a resolve hook (it runs on the loader's own thread, hence the file)
  const hooks = `
    import { appendFileSync } from 'node:fs';
    let out;
    export function initialize(data) { out = data.out; }
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      const parts = result.url.split('/node_modules/');
      if (parts.length > 1) {
        const rest = parts[parts.length - 1].split('/');
        appendFileSync(out, (rest[0].startsWith('@') ? rest[0] + '/' + rest[1] : rest[0]) + '\\n');
      }
      return result;
    }`;
  Module.register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { out } });
}
