#!/usr/bin/env node
/**
 * Builds the native addon (build/distributed.node) over libtorch's c10d
 * (TCPStore, PrefixStore, ProcessGroupGloo) when it finds libtorch, Gloo's
 * headers and a C++ compiler: env LIBTORCH (a folder with include/ and lib/),
 * else Debian's /usr (`apt-get install libtorch-dev libgloo-dev g++`).
 * Otherwise prints one line saying what to install and exits 0: the package
 * still loads, and only distributed training is off. Writes build/status.json
 * either way ({ built, library } or { built: false, reason }). Skips the
 * compiler when the addon is newer than its sources and was built with the
 * same settings.
 *
 * Flags that matter (measured): -D_GLIBCXX_USE_CXX11_ABI=1 (Debian's libtorch;
 * with 0 the addon loads and kills Node at its first call) and -Wl,-z,now,
 * which turns such a mismatch into an error at load, where it can be caught.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bindingDir = path.join(root, 'binding');
const buildDir = path.join(root, 'build');
const addonPath = path.join(buildDir, 'distributed.node');
const statusPath = path.join(buildDir, 'status.json');
const require = createRequire(import.meta.url);
const INSTALL_HINT = 'install libtorch, Gloo headers and a C++ compiler (Debian/Ubuntu: apt-get install libtorch-dev libgloo-dev g++) or set LIBTORCH to a folder with include/ and lib/';

function writeStatus(status) {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(statusPath, `${JSON.stringify(status, null, 2)}\n`);
}

function giveUp(reason) {
  writeStatus({ built: false, reason });
  console.error(`[distributed] process groups not built (${reason}): ${INSTALL_HINT}; single-process training is unaffected`);
  process.exit(0);
}

/** Where libtorch's headers and libraries are, and Gloo's headers, or a reason. */
function findLibtorch() {
  const c = process.env.LIBTORCH
    ? { root: process.env.LIBTORCH, include: path.join(process.env.LIBTORCH, 'include'), libDirs: [path.join(process.env.LIBTORCH, 'lib')] }
    : { root: '/usr', include: '/usr/include', libDirs: ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'] };
  const libDir = c.libDirs.find((d) => existsSync(path.join(d, 'libtorch_cpu.so')));
  if (!existsSync(path.join(c.include, 'torch', 'csrc', 'distributed', 'c10d', 'ProcessGroupGloo.hpp')) || libDir == null) return { reason: 'libtorch not found' };
  if (!existsSync(path.join(c.include, 'gloo', 'config.h'))) return { reason: 'Gloo headers not found (libgloo-dev)' };
  return { ...c, libDir };
}

function libraryVersion(torch) {
  if (!process.env.LIBTORCH) {
    const dpkg = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'libtorch-dev'], { encoding: 'utf8' });
    const match = dpkg.status === 0 ? /^(\d+\.\d+\.\d+)/.exec(dpkg.stdout) : null;
    if (match) return `libtorch ${match[1]}`;
  }
  const header = path.join(torch.include, 'torch', 'csrc', 'api', 'include', 'torch', 'version.h');
  if (existsSync(header)) {
    const text = readFileSync(header, 'utf8');
    const part = (name) => new RegExp(`#define TORCH_VERSION_${name} (\\d+)`).exec(text)?.[1];
    return `libtorch ${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  }
  return 'libtorch';
}

function findCompiler() {
  for (const cxx of [process.env.CXX, 'g++', 'c++', 'clang++'].filter(Boolean)) {
    if (spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status === 0) return cxx;
  }
  return null;
}

function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stderr }));
    child.on('error', (error) => resolve({ code: 1, stderr: String(error) }));
  });
}

const torch = findLibtorch();
if (torch.reason != null) giveUp(torch.reason);
const cxx = findCompiler();
if (cxx == null) giveUp('no C++ compiler found');

const napiInclude = path.join(path.dirname(require.resolve('node-api-headers/package.json')), 'include');
const addonApiInclude = path.dirname(require.resolve('node-addon-api/package.json'));
const includes = [torch.include, path.join(torch.include, 'torch', 'csrc', 'api', 'include'), napiInclude, addonApiInclude];
const compileFlags = [
  '-O2', '-std=c++17', '-fPIC', '-fvisibility=hidden', '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-D_GLIBCXX_USE_CXX11_ABI=1', '-DUSE_C10D_GLOO',
  ...includes.map((i) => `-I${i}`),
];
const linkFlags = [`-L${torch.libDir}`, `-Wl,-rpath,${torch.libDir}`, '-Wl,-z,now', '-ltorch_cpu', '-lc10'];
const sources = readdirSync(bindingDir).filter((f) => f.endsWith('.cc')).sort();
const library = libraryVersion(torch);
const settings = JSON.stringify({ cxx, compileFlags, linkFlags, sources, library });
const stampPath = path.join(buildDir, 'settings.json');

const newest = Math.max(...readdirSync(bindingDir).map((f) => statSync(path.join(bindingDir, f)).mtimeMs));
if (existsSync(addonPath) && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === settings && statSync(addonPath).mtimeMs > newest) {
  writeStatus({ built: true, library });
  process.exit(0);
}

mkdirSync(buildDir, { recursive: true });
console.error(`[distributed] building the c10d/Gloo binding against ${library} (${torch.root}) with ${cxx}: about a minute`);
const started = Date.now();
const objects = [];
for (const source of sources) {
  const object = path.join(buildDir, source.replace(/\.cc$/, '.o'));
  const result = await run(cxx, [...compileFlags, '-c', path.join(bindingDir, source), '-o', object]);
  if (result.code !== 0) giveUp(`compiling ${source} failed: ${result.stderr.split('\n').find((l) => l.includes('error')) ?? result.stderr.slice(0, 300)}`);
  objects.push(object);
}
const link = await run(cxx, ['-shared', '-o', addonPath, ...objects, ...linkFlags]);
if (link.code !== 0) giveUp(`linking failed: ${link.stderr.split('\n')[0]}`);
writeFileSync(stampPath, settings);
writeStatus({ built: true, library });
console.error(`[distributed] built ${path.relative(process.cwd(), addonPath)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
