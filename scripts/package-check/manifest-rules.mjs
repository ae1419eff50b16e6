/**
 * Rules for a packed tarball, from its file list and the package.json inside
 * it (what npm would publish): what it ships, where its entry points lead,
 * its metadata, and dependencies that make every install heavy.
 */
import path from 'node:path';

/** Dependencies that make an install heavy; `apps`: whether a command-line app may depend on it (it works out of the box then). */
const HEAVY_INSTALLS = {
  '@tensorflow/tfjs-node': { why: 'downloads libtensorflow at install', apps: false },
  '@tensorflow/tfjs-node-gpu': { why: 'downloads the CUDA build of libtensorflow (hundreds of MB) at install', apps: false },
  '@ffmpeg-installer/ffmpeg': { why: 'ships a 75 MB ffmpeg binary', apps: true },
  '@ffprobe-installer/ffprobe': { why: 'ships a 79 MB ffprobe binary', apps: true },
};

/** Every path string in an `exports` value. */
function exportTargets(value) {
  if (typeof value === 'string') return [value];
  if (value == null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(exportTargets);
}

/**
 * Problems of one tarball. `files`: paths inside it (without "package/");
 * `text(file)`: a shipped file's content; `folder`: packages/x or apps/x;
 * `root`: the workspace's package.json; `license`: the root LICENSE text.
 */
export function tarballProblems({ manifest, files, text, folder, root, license }) {
  const problems = [];
  const has = (file) => files.includes(path.posix.normalize(file.replace(/^\.\//, '')));
  const isApp = folder.startsWith('apps/');

  // what it ships
  for (const required of ['package.json', 'README.md', 'LICENSE']) if (!has(required)) problems.push(`does not ship ${required}`);
  if (has('LICENSE') && text('LICENSE') !== license) problems.push('its LICENSE differs from the repository\'s');
  for (const file of files) {
    if (/^(src|test)\//.test(file)) problems.push(`ships ${file.split('/')[0]}/ (sources and tests are not for the tarball)`);
    if (/^(vitest|tsup)\.config\.[cm]?[jt]s$/.test(file)) problems.push(`ships ${file}`);
    if (/(^|\/)tsconfig[^/]*\.json$/.test(file)) {
      const extendsPath = /"extends"\s*:\s*"([^"]+)"/.exec(text(file))?.[1];
      if (extendsPath != null && (extendsPath.startsWith('.') ? !has(path.posix.join(path.posix.dirname(file), extendsPath)) : true)) {
        problems.push(`ships ${file}, which extends ${extendsPath}, outside the tarball (TypeScript fails on it in a user's project)`);
      }
    }
  }

  // entry points
  const targets = [manifest.main, manifest.module, manifest.types, ...Object.values(manifest.bin ?? {}), ...exportTargets(manifest.exports)].filter((t) => typeof t === 'string' && !t.includes('*'));
  for (const target of targets) if (!has(target)) problems.push(`points at ${target}, which is not in the tarball`);
  for (const [name, file] of Object.entries(manifest.bin ?? {})) {
    if (has(file) && !text(file).startsWith('#!/usr/bin/env node')) problems.push(`bin ${name} (${file}) has no "#!/usr/bin/env node" line`);
  }
  if (!isApp && manifest.main == null && manifest.exports == null) problems.push('has neither main nor exports');
  if (isApp && manifest.bin == null) problems.push('is an app without a bin');

  // metadata a package page shows
  if (manifest.private) problems.push('is private (npm refuses to publish it)');
  if (manifest.license !== root.license) problems.push(`license ${manifest.license}, the repository's is ${root.license}`);
  // the repository has no public address yet: a package names one only when the root package.json does
  if (root.repository == null) {
    for (const field of ['repository', 'homepage', 'bugs']) if (manifest[field] != null) problems.push(`has a ${field} although the repository has no public address (root package.json)`);
  } else {
    if (manifest.repository?.url !== root.repository.url) problems.push(`repository.url ${manifest.repository?.url} is not the repository's ${root.repository.url}`);
    if (manifest.repository?.directory !== folder) problems.push(`repository.directory ${manifest.repository?.directory}, expected ${folder}`);
  }
  for (const field of ['description', 'engines']) if (manifest[field] == null) problems.push(`has no ${field}`);
  if (!(manifest.keywords?.length > 0)) problems.push('has no keywords');
  if (manifest.name.startsWith('@') && manifest.publishConfig?.access !== 'public') problems.push('a scoped package without publishConfig.access "public" (its first publish would fail)');

  // dependencies
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, spec] of Object.entries(manifest[field] ?? {})) if (String(spec).startsWith('workspace:')) problems.push(`${field}.${name} is still ${spec}`);
  }
  const usesTfjs = ['dependencies', 'peerDependencies'].some((f) => manifest[f]?.['@tensorflow/tfjs'] != null);
  if (usesTfjs && !isApp && (manifest.dependencies?.['@tensorflow/tfjs'] != null || manifest.peerDependencies?.['@tensorflow/tfjs'] == null)) {
    problems.push('a library must take @tensorflow/tfjs as a peer dependency (one copy per process), not a dependency');
  }
  for (const [name, { why, apps }] of Object.entries(HEAVY_INSTALLS)) {
    const optionalPeer = manifest.peerDependencies?.[name] != null && manifest.peerDependenciesMeta?.[name]?.optional === true;
    if (manifest.optionalDependencies?.[name] != null) problems.push(`optionalDependencies.${name}: npm installs optional dependencies by default, and it ${why} (offer it as an optional peer)`);
    if (!(isApp && apps) && manifest.dependencies?.[name] != null) problems.push(`dependencies.${name}: it ${why} on every install (offer it as an optional peer)`);
    if (manifest.peerDependencies?.[name] != null && !optionalPeer) problems.push(`peerDependencies.${name} is not optional: npm would install it, and it ${why}`);
  }

  // tfjs layer classes registered at import must survive bundlers' tree shaking
  const registers = files.some((f) => /^dist\/.*\.[cm]?js$/.test(f) && /serialization\.registerClass\(/.test(text(f)));
  if (registers && (manifest.sideEffects === false || (Array.isArray(manifest.sideEffects) && manifest.sideEffects.length === 0))) {
    problems.push('registers tfjs layer classes when imported but says "sideEffects": false (a bundler drops the import, then loading a model fails with "Unknown layer")');
  }
  return problems;
}
