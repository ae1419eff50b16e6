#!/usr/bin/env node
/**
 * Builds the native addon (build/torch_kernels.node) when libtorch and a C++
 * compiler are found: env LIBTORCH (a folder with include/ and lib/, such as
 * a libtorch download or a pip torch package), else Debian's /usr
 * (`apt-get install libtorch-dev g++`). Otherwise prints one line saying what
 * to install and exits 0: everything then runs on plain wasm. Writes
 * build/status.json either way ({ built, library } or { built: false, reason }),
 * which the package reads to say why native kernels are off. Skips the
 * compiler when the addon is newer than its sources and was built with the
 * same settings.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bindingDir = path.join(root, 'binding');
// TORCH_KERNELS_SANITIZE=address: an AddressSanitizer build in build-asan/ (scripts/asan.sh), which the loader then takes
const sanitize = process.env.TORCH_KERNELS_SANITIZE === 'address';
const buildDir = path.join(root, sanitize ? 'build-asan' : 'build');
const addonPath = path.join(buildDir, 'torch_kernels.node');
const statusPath = path.join(buildDir, 'status.json');
const require = createRequire(import.meta.url);
const INSTALL_HINT = 'install libtorch and a C++ compiler (Debian/Ubuntu: apt-get install libtorch-dev g++) or set LIBTORCH to a folder with include/ and lib/';

function writeStatus(status) {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(statusPath, `${JSON.stringify(status, null, 2)}\n`);
}

function giveUp(reason) {
  writeStatus({ built: false, reason });
  console.error(`[torch-kernels] native kernels not built (${reason}): ${INSTALL_HINT}; tfjs runs on plain wasm`);
  process.exit(0);
}

/** Where libtorch's headers and libraries are, or null. */
function findLibtorch() {
  const candidates = process.env.LIBTORCH
    ? [{ root: process.env.LIBTORCH, include: path.join(process.env.LIBTORCH, 'include'), libDirs: [path.join(process.env.LIBTORCH, 'lib')] }]
    : [{ root: '/usr', include: '/usr/include', libDirs: ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'] }];
  for (const c of candidates) {
    const libDir = c.libDirs.find((d) => existsSync(path.join(d, 'libtorch_cpu.so')));
    if (existsSync(path.join(c.include, 'ATen', 'ATen.h')) && libDir != null) {
      const dnnl = [libDir, ...c.libDirs].find((d) => existsSync(path.join(d, 'libdnnl.so.2')));
      return { ...c, libDir, dnnlDir: dnnl ?? null };
    }
  }
  return null;
}

/** "libtorch 1.13.1": the package version on Debian, the build-version file of a download, else the headers'. */
function libraryVersion(torch) {
  if (!process.env.LIBTORCH) {
    const dpkg = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'libtorch-dev'], { encoding: 'utf8' });
    const match = dpkg.status === 0 ? /^(\d+\.\d+\.\d+)/.exec(dpkg.stdout) : null;
    if (match) return `libtorch ${match[1]}`;
  }
  for (const file of [path.join(torch.root, 'build-version'), path.join(torch.root, 'version.py')]) {
    if (!existsSync(file)) continue;
    const match = /(\d+\.\d+\.\d+)/.exec(readFileSync(file, 'utf8'));
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
if (torch == null) giveUp(process.env.LIBTORCH ? `no include/ATen/ATen.h and lib/libtorch_cpu.so under LIBTORCH=${process.env.LIBTORCH}` : 'libtorch not found');
const cxx = findCompiler();
if (cxx == null) giveUp('no C++ compiler found');

const napiInclude = path.join(path.dirname(require.resolve('node-api-headers/package.json')), 'include');
const addonApiInclude = path.dirname(require.resolve('node-addon-api/package.json'));
const includes = [torch.include, path.join(torch.include, 'torch', 'csrc', 'api', 'include'), napiInclude, addonApiInclude];
// convolutions straight on oneDNN need its headers (Debian: libdnnl-dev); without them ATen runs them
const onednnConv = torch.dnnlDir != null && existsSync(path.join(torch.include, 'dnnl.hpp'));
const sanitizeFlags = sanitize ? ['-fsanitize=address', '-fno-omit-frame-pointer', '-g'] : [];
const compileFlags = [
  ...(sanitize ? ['-O1', ...sanitizeFlags] : ['-O3']), '-std=c++17', '-fPIC', '-fvisibility=hidden', '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-D_GLIBCXX_USE_CXX11_ABI=1',
  ...(torch.dnnlDir == null ? ['-DTK_NO_DNNL'] : []), ...(onednnConv ? ['-DTK_ONEDNN_CONV'] : []), ...includes.map((i) => `-I${i}`),
];
const linkFlags = [
  ...sanitizeFlags,
  `-L${torch.libDir}`, `-Wl,-rpath,${torch.libDir}`, '-ltorch_cpu', '-lc10',
  ...(torch.dnnlDir == null ? [] : [`-L${torch.dnnlDir}`, '-l:libdnnl.so.2']), '-ldl',
];
const sources = readdirSync(bindingDir).filter((f) => f.endsWith('.cc')).sort();
const library = libraryVersion(torch);
const settings = JSON.stringify({ cxx, compileFlags, linkFlags, sources, library });
const stampPath = path.join(buildDir, 'settings.json');

const newest = Math.max(...readdirSync(bindingDir).map((f) => statSync(path.join(bindingDir, f)).mtimeMs));
if (existsSync(addonPath) && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === settings && statSync(addonPath).mtimeMs > newest) {
  writeStatus({ built: true, library, dnnl: torch.dnnlDir != null, onednnConv });
  process.exit(0);
}

mkdirSync(buildDir, { recursive: true });
console.error(`[torch-kernels] building the native kernels against ${library} (${torch.root}) with ${cxx}: about a minute`);
const started = Date.now();
// compile the sources in parallel, one per core
const objects = sources.map((s) => path.join(buildDir, s.replace(/\.cc$/, '.o')));
const queue = sources.map((s, i) => [path.join(bindingDir, s), objects[i]]);
const failures = [];
await Promise.all(
  Array.from({ length: Math.max(1, Math.min(os.availableParallelism(), queue.length)) }, async () => {
    for (let job = queue.shift(); job != null; job = queue.shift()) {
      const result = await run(cxx, [...compileFlags, '-c', job[0], '-o', job[1]]);
      if (result.code !== 0) failures.push(`${path.basename(job[0])}: ${result.stderr.split('\n').find((l) => l.includes('error')) ?? result.stderr.slice(0, 300)}`);
    }
  }),
);
if (failures.length > 0) giveUp(`compiling failed: ${failures.join('; ')}`);
const link = await run(cxx, ['-shared', '-o', addonPath, ...objects, ...linkFlags]);
if (link.code !== 0) giveUp(`linking failed: ${link.stderr.split('\n')[0]}`);
writeFileSync(stampPath, settings);
writeStatus({ built: true, library, dnnl: torch.dnnlDir != null, onednnConv });
console.error(`[torch-kernels] built ${path.relative(process.cwd(), addonPath)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
