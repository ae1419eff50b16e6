#!/bin/sh
# AddressSanitizer run of the addon's tests: builds the addon with
# -fsanitize=address into build-asan/ (the loader takes it when
# TORCH_KERNELS_SANITIZE=address), then runs the given vitest files (default:
# all of this package's) with libasan preloaded into node. Only the addon is
# instrumented (node, V8 and libtorch are not): a heap overflow or
# use-after-free in the addon's own code, or a bad free of glibc memory from
# anywhere, stops the run with a report. Leak detection is off (node does not
# free everything at exit). From packages/torch-kernels:
#   sh scripts/asan.sh                       # all tests
#   sh scripts/asan.sh test/ops.test.ts      # some
#   ASAN_NODE_ARG=--cpu-prof sh scripts/asan.sh test/ops.test.ts   # test processes under the profiler (the glibc abort, see README)
set -eu
cd "$(dirname "$0")/.."
export TORCH_KERNELS_SANITIZE=address
node scripts/build-addon.mjs
grep -q '"built": true' build-asan/status.json || { echo "asan: the addon did not build (build-asan/status.json)" >&2; exit 1; }
LIBASAN="$(${CXX:-g++} -print-file-name=libasan.so)"
[ -e "$LIBASAN" ] || { echo "asan: no libasan.so from ${CXX:-g++} -print-file-name" >&2; exit 1; }
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:halt_on_error=1:allow_user_segv_handler=1:handle_segv=0}"
# vitest's forks pool: each test file in a child node process that inherits LD_PRELOAD
# ASAN_NODE_ARG: one more node flag for the test processes (--cpu-prof is not allowed in NODE_OPTIONS)
if [ -n "${ASAN_NODE_ARG:-}" ]; then set -- "--execArgv=$ASAN_NODE_ARG" "$@"; fi
LD_PRELOAD="$LIBASAN" npx vitest run --maxWorkers=1 --pool=forks "$@"
