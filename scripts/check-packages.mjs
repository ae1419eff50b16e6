#!/usr/bin/env node
/**
 * The npm packages as a stranger gets them. Packs every workspace package
 * (`pnpm pack`, which turns workspace:* into versions), serves the tarballs
 * on a local registry for the @trajectorynet scope, and in a temporary
 * project outside the workspace:
 *  - checks each tarball (files, entry points, metadata, LICENSE, heavy or
 *    duplicated dependencies, sideEffects) and each README's published text;
 *  - runs the library READMEs' install lines as written (npm), then checks
 *    the tree has one tfjs and no CUDA download;
 *  - runs each README's first example as written and compares its output with
 *    the ```text block under it; the packages it loads must all come with
 *    that README's own install line;
 *  - require()s and import()s every entry point, type-checks strict
 *    TypeScript (NodeNext ESM + CommonJS, and bundler resolution), bundles
 *    loadModel with esbuild and loads a TrajectoryNet with it;
 *  - the optional native kernels without libtorch and with their addon, and
 *    ffmpeg/ffprobe without execute bits and missing altogether;
 *  - installs the trainer and the benchmark globally as their READMEs say and
 *    runs them: --help, --version, exit codes, one tfjs, the quick start
 *    (a 1-epoch train and a predict);
 *  - checks that pending changesets cover every package.
 *
 * Prints one line per check and "[packages] N passed, N failed"; writes
 * test-results/package-check.json for scripts/test-all.mjs. Exit code 1 when
 * anything failed.
 *
 * Options: --no-build (use the built dist/ as it is), --keep (leave the
 * temporary folder), --native-build (let torch-kernels' install script
 * compile the addon, about 3 minutes, instead of pointing LIBTORCH at an
 * empty folder and loading the workspace's addon afterwards).
 * npm reuses its cache (~/.npm): the first run downloads about 300 MB.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, chmodSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tarballProblems } from './package-check/manifest-rules.mjs';
import { codeBlocks, firstExample, installCommands, installedNames, matchesOutput, repositoryOnlyText, shellCommands } from './package-check/readme.mjs';
import { startScopeRegistry } from './package-check/registry.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const here = path.join(root, 'scripts', 'package-check');
const options = new Set(process.argv.slice(2));
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

// ---------------------------------------------------------------- running things

/** A child process's environment as a stranger's shell has it: none of pnpm's npm_* variables, none of ours. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|TRAJECTORYNET_|FFMPEG_PATH|FFPROBE_PATH|PNPM_|INIT_CWD)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

/** Runs a command (never blocking the event loop: the registry answers meanwhile). */
function run(command, args, { cwd, env = cleanEnv(), timeout = 600_000, input } = {}) {
  return new Promise((resolve) => {
    const began = Date.now();
    // no input: stdin is /dev/null, as under CI
    const child = spawn(command, args, { cwd, env, stdio: [input == null ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    if (input != null) {
      child.stdin.on('error', () => {}); // a child that exits without reading its input
      child.stdin.end(input);
    }
    const timer = setTimeout(() => {
      stderr += `\n[check] killed after ${timeout / 1000} s`;
      child.kill('SIGKILL');
    }, timeout);
    child.on('error', (error) => {
      stderr += String(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, seconds: (Date.now() - began) / 1000 });
    });
  });
}

/** The last lines of a failed command's output. */
const tail = (result, lines = 12) => `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-lines).join('\n      ');

/** Runs tasks with at most `limit` at a time (two cores). */
async function parallel(tasks, limit = 2) {
  const queue = [...tasks];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let task = queue.shift(); task != null; task = queue.shift()) await task();
  }));
}

// ---------------------------------------------------------------- results

const results = [];
function report(name, problems, note = '') {
  results.push({ name, ok: problems.length === 0, problems });
  const head = `[packages] ${problems.length === 0 ? 'ok  ' : 'FAIL'} ${name}${note ? ` (${note})` : ''}`;
  console.log(problems.length === 0 ? head : `${head}\n${problems.map((p) => `      - ${p}`).join('\n')}`);
}

// ---------------------------------------------------------------- the workspace's packages

const rootManifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const license = readFileSync(path.join(root, 'LICENSE'), 'utf8');

/** packages/* and apps/* that are meant for npm: every package, every app with a bin (a web page app is not). */
function workspacePackages() {
  const found = [];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(path.join(root, group)).sort()) {
      const dir = path.join(root, group, name);
      if (!existsSync(path.join(dir, 'package.json'))) continue;
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (group === 'apps' && manifest.bin == null) continue;
      found.push({ folder: `${group}/${name}`, dir, name: manifest.name, isApp: group === 'apps', readme: existsSync(path.join(dir, 'README.md')) ? readFileSync(path.join(dir, 'README.md'), 'utf8') : '' });
    }
  }
  return found;
}

const work = mkdtempSync(path.join(tmpdir(), 'trajectorynet-packages-'));
const project = path.join(work, 'project');
const globalPrefix = path.join(work, 'global');
const emptyLibtorch = path.join(work, 'no-libtorch');
for (const dir of [project, globalPrefix, emptyLibtorch, path.join(work, 'tarballs'), path.join(work, 'unpacked')]) mkdirSync(dir, { recursive: true });
let registry = null;
let redis = null;

async function main() {
  if (!options.has('--no-build')) {
    const build = await run('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: root, env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } });
    if (build.status !== 0) return report('build', [`turbo build failed:\n      ${tail(build)}`]);
  }
  const packages = workspacePackages();

  // ---- pack
  const pack = await run('pnpm', ['-r', ...packages.flatMap((p) => ['--filter', p.name]), 'pack', '--pack-destination', path.join(work, 'tarballs')], { cwd: root, env: process.env });
  if (pack.status !== 0) return report('pnpm pack', [tail(pack)]);
  for (const file of readdirSync(path.join(work, 'tarballs'))) {
    const tarball = path.join(work, 'tarballs', file);
    const listing = await run('tar', ['-tzf', tarball]);
    const manifest = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout);
    const entry = packages.find((p) => p.name === manifest.name);
    if (entry == null) continue;
    entry.tarball = tarball;
    entry.manifest = manifest;
    entry.files = listing.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    entry.unpacked = path.join(work, 'unpacked', file.replace(/\.tgz$/, ''));
    mkdirSync(entry.unpacked);
    await run('tar', ['-xzf', tarball, '-C', entry.unpacked, '--strip-components=1']);
  }
  report('pnpm pack', packages.filter((p) => p.tarball == null).map((p) => `${p.folder}: no tarball`), `${packages.length} packages, ${elapsed()}`);
  const packed = packages.filter((p) => p.tarball != null);

  // ---- each tarball and its README
  for (const p of packed) {
    const text = (file) => readFileSync(path.join(p.unpacked, file), 'utf8');
    report(`tarball ${p.name}`, tarballProblems({ manifest: p.manifest, files: p.files, text, folder: p.folder, root: rootManifest, license }));
  }
  const libraries = packed.filter((p) => !p.isApp);
  const apps = packed.filter((p) => p.isApp);
  for (const p of packed) {
    const problems = repositoryOnlyText(p.readme);
    const install = installCommands(p.readme);
    if (install.error) problems.push(install.error);
    p.installCommands = install.commands ?? [];
    for (const command of p.installCommands) {
      if (p.isApp !== command.includes(' -g ')) problems.push(`\`${command}\`: ${p.isApp ? 'a command-line app installs with npm install -g' : 'a library installs into the project, not with -g'}`);
    }
    const installed = p.installCommands.flatMap(installedNames);
    if (!ourClosure(installed, packed).has(p.name)) problems.push(`its install line does not install ${p.name}`);
    p.example = firstExample(p.readme, Object.keys(p.manifest.bin ?? {}).filter(() => p.isApp));
    if (p.example.error) problems.push(p.example.error);
    // what a code block imports must be installed by a line of the README (not arrive by chance with another package);
    // the first example's imports by the Install section's own lines
    const anywhere = codeBlocks(p.readme).filter((b) => b.lang === 'sh').flatMap((b) => shellCommands(b.code)).filter((c) => c.startsWith('npm install')).flatMap(installedNames);
    for (const block of codeBlocks(p.readme).filter((b) => ['js', 'ts'].includes(b.lang))) {
      const first = !p.example.error && p.example.line === block.line;
      for (const name of importedPackages(block.code)) {
        if (!(first ? installed : [...installed, ...anywhere]).includes(name)) {
          problems.push(`the example at line ${block.line} imports ${name}, which ${first ? `the Install section (${p.installCommands.join('; ')}) does not install` : 'no npm install line of the README installs'}`);
        }
      }
    }
    report(`README ${p.name}`, problems);
  }

  // ---- the local registry and the library install, exactly the READMEs' lines
  registry = await startScopeRegistry(packed.map((p) => ({ manifest: p.manifest, tarball: p.tarball })));
  writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'a-user-project', private: true, type: 'module' }, null, 2)}\n`);
  // the user's npm settings (proxy, mirror) plus our scope: a userconfig, so that global installs see it too
  const userConfig = process.env.npm_config_userconfig ?? path.join(homedir(), '.npmrc');
  const npmrc = path.join(work, 'npmrc');
  writeFileSync(npmrc, `${existsSync(userConfig) ? `${readFileSync(userConfig, 'utf8')}\n` : ''}@trajectorynet:registry=${registry.url}\n`);
  const npmEnv = { npm_config_userconfig: npmrc, npm_config_prefer_offline: 'true', ...(options.has('--native-build') ? {} : { LIBTORCH: emptyLibtorch }) };
  const installEnv = cleanEnv(npmEnv);
  const libraryLines = [...new Set(libraries.flatMap((p) => p.installCommands))];
  const installArgs = [...new Set(libraryLines.flatMap((c) => c.split(/\s+/).slice(2)))];
  const install = await run('npm', ['install', ...installArgs], { cwd: project, env: installEnv });
  report('npm install (the library READMEs\' install lines)', install.status === 0 ? [] : [tail(install)], `${libraryLines.length} lines, ${install.seconds.toFixed(0)} s`);
  if (install.status !== 0) return;

  // the global CLIs install meanwhile (network and disk, not CPU), each app into
  // its own global prefix so that they can install side by side
  const globalInstall = Promise.all(apps.map(async (app) => {
    app.prefix = path.join(globalPrefix, app.folder.replace('/', '-'));
    const env = cleanEnv({ ...npmEnv, npm_config_prefix: app.prefix });
    const outcomes = [];
    for (const line of app.installCommands) outcomes.push({ line, ...(await run('npm', line.split(/\s+/).slice(1), { cwd: work, env })) });
    return outcomes;
  })).then((lists) => lists.flat());

  await checkTree(project, 'the library project');
  await makeFixtures();
  // the examples run as for a user without libtorch; torch-kernels' own example once its addon is in
  const nativeExample = options.has('--native-build') ? null : libraries.find((p) => p.name === '@trajectorynet/torch-kernels');
  await checkWithoutLibtorch();
  await parallel(libraries.filter((p) => p !== nativeExample).map((p) => () => runExample(p)));
  await checkRequire();
  await checkTypes();
  await checkBundledLoadModel();
  await checkFfmpeg();
  await checkLibraryBins(libraries);
  const addon = options.has('--native-build') || (await checkWithAddon());
  if (nativeExample != null) {
    if (addon) await runExample(nativeExample);
    else report(`example ${nativeExample.name}`, [], 'skipped: no libtorch addon on this machine');
  }

  for (const outcome of await globalInstall) {
    report(`${outcome.line}`, outcome.status === 0 ? [] : [tail(outcome)], `${outcome.seconds.toFixed(0)} s`);
  }
  for (const app of apps) await checkApp(app);
  await checkChangesets(packed);
}

/** Package names a JavaScript block imports (Node's built-ins left out). */
function importedPackages(code) {
  return [...code.matchAll(/(?:from\s+|import\s*\(\s*|^\s*import\s+)['"]([^'"./][^'"]*)['"]/gm)]
    .map((m) => m[1])
    .filter((s) => !s.startsWith('node:'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]));
}

/** Every name reachable from `names` through `next(name)` (a breadth-first walk), `names` included. */
function reachable(names, next) {
  const seen = new Set();
  const queue = [...names];
  while (queue.length > 0) {
    const name = queue.shift();
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...next(name));
  }
  return seen;
}

/** The @trajectorynet packages an install of `names` brings, from the tarballs' manifests. */
function ourClosure(names, packed) {
  return reachable(names, (name) => {
    const manifest = packed.find((p) => p.name === name)?.manifest;
    return manifest == null ? [] : Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies });
  });
}

// ---------------------------------------------------------------- the installed tree

/** One copy of tfjs (two split the kernel and layer registries), and none of the CUDA download. */
async function checkTree(dir, label) {
  const copies = {};
  const walk = (modules) => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      const folders = entry.startsWith('@') ? readdirSync(path.join(modules, entry)).map((n) => path.join(modules, entry, n)) : [path.join(modules, entry)];
      for (const folder of folders) {
        const manifestPath = path.join(folder, 'package.json');
        if (existsSync(manifestPath)) (copies[JSON.parse(readFileSync(manifestPath, 'utf8')).name] ??= []).push(path.relative(dir, folder));
        walk(path.join(folder, 'node_modules'));
      }
    }
  };
  walk(path.join(dir, 'node_modules'));
  const problems = [];
  for (const name of ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm']) {
    if ((copies[name] ?? []).length !== 1) problems.push(`${copies[name]?.length ?? 0} copies of ${name}: ${(copies[name] ?? []).join(', ')}`);
  }
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) if (copies[name] != null) problems.push(`${name} was installed (${copies[name].join(', ')}): nobody asked for it`);
  report(`one tfjs and no native tfjs download in ${label}`, problems);
}

// ---------------------------------------------------------------- fixtures

/** A short video made with the installed ffmpeg (no repository data needed), and what the examples around it read. */
async function makeFixtures() {
  const fixtures = path.join(work, 'fixtures');
  mkdirSync(path.join(fixtures, 'videos'), { recursive: true });
  const ffmpeg = await run(process.execPath, ['--input-type=module', '-e', "import { ffmpegPath } from '@trajectorynet/video-io'; console.log(ffmpegPath())"], { cwd: project });
  const make = await run(ffmpeg.stdout.trim() || 'ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=96x72:rate=25', '-frames:v', '16', '-pix_fmt', 'yuv420p', '-c:v', 'mpeg4', '-y', path.join(fixtures, 'clip.mp4')]);
  if (make.status !== 0) {
    report('fixtures', [`could not make clip.mp4 with ${ffmpeg.stdout.trim() || 'ffmpeg'} (no README installs ffmpeg's binaries?): ${tail(make)}`]);
    writeFileSync(path.join(fixtures, 'clip.mp4'), '');
  }
  copyFileSync(path.join(fixtures, 'clip.mp4'), path.join(fixtures, 'videos', 'clip.mp4'));
  writeFileSync(path.join(fixtures, 'train.txt'), 'clip.mp4\n');
}

/** A fresh folder inside the project (so that its node_modules resolve) holding the fixtures. */
function exampleFolder(name) {
  const dir = path.join(project, 'examples', name.replace(/^@trajectorynet\//, ''));
  mkdirSync(path.join(dir, 'videos'), { recursive: true });
  for (const file of ['clip.mp4', 'train.txt', 'videos/clip.mp4']) copyFileSync(path.join(work, 'fixtures', file), path.join(dir, file));
  return dir;
}

// ---------------------------------------------------------------- README examples

/**
 * Everything npm installs for `npm install <names>` alone, from the lockfile
 * of the project, plus the optional peers of those packages (and what they
 * bring): a package loads an optional peer only when it happens to be
 * installed (debug tries supports-color, video-io the ffmpeg binaries).
 */
function installClosure(names) {
  const lock = JSON.parse(readFileSync(path.join(project, 'package-lock.json'), 'utf8')).packages;
  return reachable(names, (name) =>
    Object.entries(lock)
      .filter(([key]) => key === `node_modules/${name}` || key.endsWith(`/node_modules/${name}`))
      .flatMap(([, entry]) => [
        ...Object.keys(entry.dependencies ?? {}),
        ...Object.keys(entry.optionalDependencies ?? {}),
        ...Object.keys(entry.peerDependencies ?? {}),
        ...Object.keys(entry.peerDependenciesMeta ?? {}),
      ]),
  );
}

/** A redis-server of our own on a free port (the flow-queue example reads REDIS_URL). */
async function ensureRedis() {
  if (redis != null) return redis;
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work], { stdio: 'ignore' });
  child.on('error', () => {});
  redis = { url: `redis://127.0.0.1:${port}`, child };
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(() => resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return redis;
}

async function runExample(p) {
  if (p.example.error) return;
  const dir = exampleFolder(p.name);
  const file = path.join(dir, 'example.mjs');
  writeFileSync(file, p.example.code);
  const loads = path.join(dir, 'loaded-packages.txt');
  const extra = p.example.code.includes('REDIS_URL') ? { REDIS_URL: (await ensureRedis()).url } : {};
  const env = cleanEnv({ TRAJECTORYNET_RECORD_LOADS: loads, NODE_OPTIONS: `--require ${path.join(here, 'record-loads.cjs')}`, ...extra });
  const result = await run(process.execPath, [file], { cwd: dir, env, timeout: 300_000 });
  const problems = [];
  if (result.status !== 0) problems.push(`exit code ${result.status}:\n      ${tail(result)}`);
  else if (!matchesOutput(p.example.expected, result.stdout)) problems.push(`its output is not what the README shows under it:\n      ${result.stdout.trim().split('\n').join('\n      ')}`);
  if (/already registered/.test(result.stderr)) problems.push('tfjs warned that kernels were registered twice (two copies of tfjs)');
  if (existsSync(loads)) {
    const closure = installClosure(p.installCommands.flatMap(installedNames));
    const outside = [...new Set(readFileSync(loads, 'utf8').split('\n').filter(Boolean))].filter((n) => !closure.has(n));
    if (outside.length > 0) problems.push(`it loads ${outside.join(', ')}, which its README's install line (${p.installCommands.join('; ')}) does not bring`);
  } else if (result.status === 0) problems.push('no record of the packages it loaded');
  report(`example ${p.name}`, problems, `${result.seconds.toFixed(0)} s`);
}

// ---------------------------------------------------------------- CommonJS, TypeScript, bundlers

async function checkRequire() {
  // from inside the project: require() and import() resolve from the file that calls them
  copyFileSync(path.join(here, 'require-all.cjs'), path.join(project, 'require-all.cjs'));
  const result = await run(process.execPath, ['require-all.cjs'], { cwd: project });
  report('require() and import() of every entry point', result.status === 0 ? [] : [tail(result, 20)], result.stdout.trim().split('\n').pop());
}

/**
 * skipLibCheck stays off: every declaration file of ours is checked. tfjs's
 * own declarations do not compile in a strict Node project (its WebGL and
 * WebGPU backends' types need the DOM library, and tfjs-layers' config types
 * fail strictNullChecks), so errors inside @tensorflow/* and @webgpu/types are
 * not counted (they are what "skipLibCheck for tfjs" would hide); any other
 * error is.
 */
async function checkTypes() {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const typeRoots = [path.join(root, 'node_modules', '@types')];
  const folder = path.join(project, 'types');
  mkdirSync(folder, { recursive: true });
  for (const file of ['consumer.mts', 'consumer.cts']) copyFileSync(path.join(here, file), path.join(folder, file));
  const configs = {
    'strict TypeScript, NodeNext (ESM and CommonJS types)': { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], skipLibCheck: false, files: ['consumer.mts', 'consumer.cts'] },
    'strict TypeScript, bundler resolution with the DOM library': { module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'], skipLibCheck: true, files: ['consumer.mts'] },
  };
  await parallel(Object.entries(configs).map(([label, { files, ...compilerOptions }]) => async () => {
    const name = `tsconfig.${compilerOptions.moduleResolution.toLowerCase()}.json`;
    writeFileSync(path.join(folder, name), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', types: ['node'], typeRoots, noEmit: true, ...compilerOptions }, files }, null, 2));
    const result = await run(process.execPath, [tsc, '-p', name, '--pretty', 'false'], { cwd: folder });
    const errors = `${result.stdout}${result.stderr}`.split('\n').filter((l) => /error TS\d+/.test(l));
    const tolerated = errors.filter((l) => /node_modules\/(@tensorflow\/|@webgpu\/types\/)/.test(l));
    const counted = errors.filter((l) => !tolerated.includes(l));
    const problems = counted.map((l) => l.replace(`${folder}/`, ''));
    if (result.status !== 0 && errors.length === 0) problems.push(tail(result));
    report(label, problems, `${tolerated.length} errors inside tfjs's own declarations not counted, ${result.seconds.toFixed(0)} s`);
  }));
}

/**
 * A web app bundles what it uses: esbuild keeps loadModel and drops modules
 * whose package says they have no side effects, so the layer classes that
 * trajectory-conv and resnet-s3d register when imported must survive that.
 */
async function checkBundledLoadModel() {
  const dir = path.join(project, 'bundle');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'save.mjs'), `import { initBackend } from '@trajectorynet/runtime';
import { createTrajectoryNet, PRESET_STAGES, saveModel } from '@trajectorynet/resnet-s3d';
await initBackend({ log: null });
await saveModel(createTrajectoryNet({ depth: 18, numClasses: 3, frames: 4, size: 32, width: 0.125, stages: PRESET_STAGES.trajectorynet, withMotion: true }), 'model');
`);
  writeFileSync(path.join(dir, 'entry.mjs'), `import { initBackend } from '@trajectorynet/runtime';
import { loadModel } from '@trajectorynet/resnet-s3d';
await initBackend({ log: null });
const model = await loadModel('model');
console.log(model.layers.map((l) => l.getClassName()).filter((n) => n === 'TrajectoryConv3D').length, 'trajectory conv layers');
`);
  const problems = [];
  const save = await run(process.execPath, ['save.mjs'], { cwd: dir });
  if (save.status !== 0) problems.push(`saving the model failed: ${tail(save)}`);
  const esbuild = await import('esbuild');
  try {
    await esbuild.build({
      absWorkingDir: dir,
      entryPoints: ['entry.mjs'],
      outfile: 'bundle.mjs',
      bundle: true,
      format: 'esm',
      platform: 'node',
      logLevel: 'silent',
      // our packages are bundled (their sideEffects fields apply); everything else stays a package
      plugins: [{ name: 'only-ours', setup: (b) => b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@trajectorynet/') ? null : { path: a.path, external: true })) }],
    });
    const result = await run(process.execPath, ['bundle.mjs'], { cwd: dir });
    if (result.status !== 0) problems.push(`the bundled loadModel failed:\n      ${tail(result, 4)}`);
    else if (!/^[1-9]\d* trajectory conv layers/.test(result.stdout)) problems.push(`unexpected output: ${result.stdout}`);
  } catch (error) {
    problems.push(`esbuild: ${error.message}`);
  }
  report('esbuild bundle of loadModel keeps the layer registrations', problems);
}

// ---------------------------------------------------------------- optional parts: native kernels, ffmpeg

/** initBackend's native kernels, from a script in the project. */
async function nativeState() {
  const script = "import { initBackend, selfCheck } from '@trajectorynet/runtime'; const info = await initBackend({ log: null }); const check = await selfCheck(); console.log(JSON.stringify({ backend: info.backend, native: info.native, nativeReason: info.nativeReason, ok: check.ok, nativeInCheck: check.native }));";
  const result = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project });
  return result.status === 0 ? JSON.parse(result.stdout.trim().split('\n').pop()) : { error: tail(result) };
}

const installedTorchKernels = () => path.join(project, 'node_modules', '@trajectorynet', 'torch-kernels');

/** LIBTORCH named an empty folder: the install script gave up, the install went on, wasm runs without it and says why. */
async function checkWithoutLibtorch() {
  const installed = installedTorchKernels();
  if (!existsSync(installed)) return report('@trajectorynet/torch-kernels (optional dependency of runtime)', ['not installed with @trajectorynet/runtime']);
  const statusFile = path.join(installed, 'build', 'status.json');
  const status = existsSync(statusFile) ? JSON.parse(readFileSync(statusFile, 'utf8')) : { missing: 'build/status.json: its install script did not run' };
  const state = await nativeState();
  if (options.has('--native-build')) {
    const problems = status.built && state.native?.kernels?.length > 0 && state.ok ? [] : [`${JSON.stringify(status)}; ${JSON.stringify(state)}`];
    return report('torch-kernels built by its install script', problems, state.native?.library);
  }
  const problems = [];
  if (status.built !== false) problems.push(`status.json says ${JSON.stringify(status)}`);
  if (state.error) problems.push(state.error);
  else if (state.native != null || !/not built/.test(state.nativeReason ?? '') || !/libtorch/.test(state.nativeReason ?? '') || !state.ok) problems.push(`initBackend: ${JSON.stringify(state)}`);
  report('torch-kernels without libtorch: the install goes on, wasm runs, the reason names what to install', problems, state.nativeReason);
}

/** The workspace's addon (same sources, built by the same script) in the installed package: runtime must find and use it. */
async function checkWithAddon() {
  const built = path.join(root, 'packages', 'torch-kernels', 'build');
  const installed = installedTorchKernels();
  if (!existsSync(path.join(built, 'torch_kernels.node')) || !existsSync(installed)) {
    report('torch-kernels with its addon', [], 'skipped: the workspace has no built addon (no libtorch on this machine)');
    return false;
  }
  mkdirSync(path.join(installed, 'build'), { recursive: true });
  for (const file of ['torch_kernels.node', 'status.json']) copyFileSync(path.join(built, file), path.join(installed, 'build', file));
  const state = await nativeState();
  const ok = state.native?.kernels?.length > 0 && state.ok && state.nativeInCheck != null;
  report('torch-kernels with its addon: runtime finds it in the npm tree, the self-check runs natively', ok ? [] : [JSON.stringify(state)], ok ? `${state.native.library}, ${state.native.kernels.length} kernels` : '');
  return ok;
}

async function checkFfmpeg() {
  const dir = exampleFolder('ffmpeg');
  const probe = (env) => run(process.execPath, ['--input-type=module', '-e', "import { probeVideo } from '@trajectorynet/video-io'; try { console.log(JSON.stringify(await probeVideo('clip.mp4'))); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }"], { cwd: dir, env });
  const noPath = path.join(work, 'empty-path');
  mkdirSync(noPath, { recursive: true });
  const env = cleanEnv({ PATH: noPath }); // no system ffmpeg either
  const binaries = ['@ffmpeg-installer', '@ffprobe-installer'].flatMap((scope) => {
    const folder = path.join(project, 'node_modules', scope);
    return existsSync(folder) ? readdirSync(folder).map((n) => path.join(folder, n)).flatMap((d) => readdirSync(d).filter((f) => /^ff(mpeg|probe)(\.exe)?$/.test(f)).map((f) => path.join(d, f))) : [];
  });
  // package managers that skip install scripts leave the binaries without execute bits
  for (const file of binaries) chmodSync(file, 0o644);
  const result = await probe(env);
  const info = JSON.parse(result.stdout.trim() || '{}');
  const problems = [];
  if (binaries.length === 0) problems.push('no ffmpeg/ffprobe binaries from npm in the project');
  if (!(info.frameCount > 0)) problems.push(`probeVideo with the binaries at mode 644: ${result.stdout.trim()} ${result.stderr.trim()}`);
  report('ffprobe installed without execute bits still runs', problems);
  // and with no ffprobe at all: an environment error naming what to install, not a corrupt video
  const hidden = path.join(project, 'node_modules', '@ffprobe-installer');
  const problemsMissing = [];
  if (existsSync(hidden)) renameSync(hidden, `${hidden}.hidden`);
  try {
    const missing = JSON.parse((await probe(env)).stdout.trim() || '{}');
    if (missing.code !== 'NO_FFMPEG') problemsMissing.push(`probeVideo without any ffprobe gave ${JSON.stringify(missing)}`);
    else if (!missing.message.includes('npm install @ffmpeg-installer/ffmpeg @ffprobe-installer/ffprobe')) problemsMissing.push(`the NO_FFMPEG message does not say what to install: ${missing.message}`);
  } finally {
    if (existsSync(`${hidden}.hidden`)) renameSync(`${hidden}.hidden`, hidden);
  }
  report('no ffprobe anywhere: NO_FFMPEG naming what to install', problemsMissing);
}

async function checkLibraryBins(libraries) {
  const problems = [];
  for (const p of libraries) {
    for (const bin of Object.keys(p.manifest.bin ?? {})) {
      const result = await run(path.join(project, 'node_modules', '.bin', bin), ['--help'], { cwd: project });
      if (result.status !== 0 || !/usage/i.test(result.stdout)) problems.push(`${bin} --help: exit ${result.status}: ${tail(result, 3)}`);
    }
  }
  report('the libraries\' bins answer --help', problems);
}

// ---------------------------------------------------------------- the command-line apps, installed globally

async function checkApp(app) {
  const bins = Object.keys(app.manifest.bin ?? {});
  const binDir = path.join(app.prefix, 'bin');
  const env = cleanEnv({ PATH: `${binDir}${path.delimiter}${process.env.PATH}` });
  const problems = [];
  for (const bin of bins) {
    const help = await run(path.join(binDir, bin), ['--help'], { env, cwd: work });
    if (help.status !== 0 || !/Usage/i.test(help.stdout)) problems.push(`${bin} --help: exit ${help.status}: ${tail(help, 3)}`);
    const version = await run(path.join(binDir, bin), ['--version'], { env, cwd: work });
    if (version.status !== 0 || version.stdout.trim() !== app.manifest.version) problems.push(`${bin} --version printed "${version.stdout.trim()}" (exit ${version.status}), the package is ${app.manifest.version}`);
    const bad = await run(path.join(binDir, bin), ['--no-such-option'], { env, cwd: work });
    if (bad.status !== 2) problems.push(`${bin} --no-such-option: exit ${bad.status}, bad input must exit 2`);
  }
  // a subcommand's usage errors go through commander's subcommand parser: the quick start's first subcommand, with an unknown option
  const [program, sub] = app.example.error ? [] : (shellCommands(app.example.code)[0] ?? '').split(/\s+/);
  if (bins.includes(program) && sub != null && !sub.startsWith('-')) {
    const badSub = await run(path.join(binDir, program), [sub, '--no-such-option'], { env, cwd: work });
    if (badSub.status !== 2) problems.push(`${program} ${sub} --no-such-option: exit ${badSub.status}, bad input must exit 2`);
  }
  report(`${bins.join(', ')}: --help, --version, exit 2 for bad input`, problems);
  const installedApp = path.join(app.prefix, 'lib', 'node_modules', ...app.name.split('/'));
  if (existsSync(installedApp)) await checkTree(installedApp, `the global ${app.name}`);

  if (app.example.error) return;
  const dir = exampleFolder(`${app.name}-example`);
  const outputs = [];
  const failures = [];
  let seconds = 0;
  for (const command of shellCommands(app.example.code)) {
    const [program, ...args] = command.split(/\s+/);
    const result = await run(bins.includes(program) ? path.join(binDir, program) : program, args, { cwd: dir, env, timeout: 300_000 });
    seconds += result.seconds;
    outputs.push(result.stdout);
    if (result.status !== 0) failures.push(`\`${command}\`: exit ${result.status}:\n      ${tail(result)}`);
    if (/already registered/.test(result.stderr)) failures.push(`\`${command}\`: tfjs warned that kernels were registered twice (two copies of tfjs)`);
    if (result.status !== 0) break;
  }
  if (failures.length === 0 && !matchesOutput(app.example.expected, outputs.join(''))) failures.push(`its output is not what the README shows under it:\n      ${outputs.join('').trim().split('\n').join('\n      ')}`);
  report(`example ${app.name} (the README's commands, installed globally)`, failures, `${seconds.toFixed(0)} s`);
}

// ---------------------------------------------------------------- changesets

/** `changeset version` must give every package a real version: a package still at 0.0.0 needs a pending changeset. */
async function checkChangesets(packed) {
  const dir = path.join(root, '.changeset');
  const mentioned = new Set();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
    const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(path.join(dir, file), 'utf8'))?.[1] ?? '';
    for (const match of front.matchAll(/^["']?(@?[^"':\s]+)["']?\s*:\s*(major|minor|patch)\s*$/gm)) mentioned.add(match[1]);
  }
  const problems = packed.filter((p) => p.manifest.version === '0.0.0' && !mentioned.has(p.name)).map((p) => `${p.name} is at 0.0.0 and no changeset names it`);
  const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  if (config.access !== 'public') problems.push('.changeset/config.json: access must be "public" for scoped packages');
  const status = await run('pnpm', ['exec', 'changeset', 'status'], { cwd: root, env: process.env });
  if (status.status !== 0) problems.push(`changeset status: ${tail(status)}`);
  report('changesets cover every package', problems);
}

// ---------------------------------------------------------------- go

try {
  await main();
} catch (error) {
  report('the check itself', [error instanceof Error ? (error.stack ?? error.message) : String(error)]);
} finally {
  await registry?.close();
  redis?.child.kill();
  if (!options.has('--keep')) rmSync(work, { recursive: true, force: true });
  else console.log(`[packages] kept ${work}`);
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
mkdirSync(path.join(root, 'test-results'), { recursive: true });
writeFileSync(path.join(root, 'test-results', 'package-check.json'), `${JSON.stringify({ passed, failed, seconds: (Date.now() - started) / 1000, results }, null, 2)}\n`);
console.log(`[packages] ${passed} passed, ${failed} failed in ${elapsed()}`);
process.exit(failed === 0 ? 0 : 1);
