// Finds the libtorch that the addon builds against; binding.gyp asks it for each variable.
// LIBTORCH=/dir (with include/ and lib/) wins; otherwise Debian's libtorch-dev under /usr.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function locate() {
  const root = process.env.LIBTORCH;
  if (root) {
    const include = path.join(root, 'include');
    const lib = path.join(root, 'lib');
    if (!fs.existsSync(path.join(include, 'ATen', 'ATen.h'))) {
      throw new Error(`LIBTORCH=${root}: no include/ATen/ATen.h there; point LIBTORCH at an unpacked libtorch`);
    }
    const apiInclude = path.join(include, 'torch', 'csrc', 'api', 'include');
    const cuda = fs.existsSync(path.join(lib, 'libtorch_cuda.so'));
    return { includes: [include, apiInclude], lib, cuda, cxx11Abi: detectAbi(root) };
  }
  const debianLib = '/usr/lib/x86_64-linux-gnu';
  if (!fs.existsSync('/usr/include/ATen/ATen.h')) {
    throw new Error('libtorch not found: install Debian\'s libtorch-dev (apt-get install libtorch-dev) or set LIBTORCH=/dir');
  }
  return { includes: ['/usr/include', '/usr/include/torch/csrc/api/include'], lib: debianLib, cuda: false, cxx11Abi: 1 };
}

// Official pre-2.7 libtorch/pip builds use the old C++ ABI; the addon must match or linking fails.
// LIBTORCH_CXX11_ABI=0|1 wins (scripts/build-addon.sh sets it from torch._C._GLIBCXX_USE_CXX11_ABI for a pip
// torch); then TorchConfig.cmake's flag; then whether libc10's exported names use the __cxx11 namespace.
function detectAbi(root) {
  const forced = process.env.LIBTORCH_CXX11_ABI;
  if (forced === '0' || forced === '1') return Number(forced);
  for (const file of ['share/cmake/Torch/TorchConfig.cmake', 'share/cmake/Caffe2/Caffe2Targets.cmake']) {
    const full = path.join(root, file);
    if (!fs.existsSync(full)) continue;
    const match = /_GLIBCXX_USE_CXX11_ABI=([01])/.exec(fs.readFileSync(full, 'utf8'));
    if (match) return Number(match[1]);
  }
  const c10 = path.join(root, 'lib', 'libc10.so');
  if (fs.existsSync(c10)) return fs.readFileSync(c10).includes('__cxx1112basic_string') ? 1 : 0;
  return 1;
}

// The C++ standard the headers ask for: C++17 (libtorch 1.13 to 2.x), C++20 where a header demands it.
function cxxStandard(include) {
  for (const file of ['ATen/ATen.h', 'torch/csrc/api/include/torch/all.h', 'c10/macros/Macros.h']) {
    const full = path.join(include, file);
    if (fs.existsSync(full) && /C\+\+20 or later/.test(fs.readFileSync(full, 'utf8'))) return 'c++20';
  }
  return 'c++17';
}

// c10d's Gloo process group compiles only where the gloo headers ship beside libtorch's (Debian: libgloo-dev);
// without them native/distributed.cc builds stubs that throw a clear error.
// SKETCHPRUNE_GLOO=0 forces the stubs (a libtorch whose c10d headers do not match this source).
function hasGloo(found) {
  if (process.env.SKETCHPRUNE_GLOO === '0') return false;
  return found.includes.some((dir) => fs.existsSync(path.join(dir, 'gloo', 'config.h'))) &&
    found.includes.some((dir) => fs.existsSync(path.join(dir, 'torch', 'csrc', 'distributed', 'c10d', 'ProcessGroupGloo.hpp')));
}

const what = process.argv[2];
const found = locate();
if (what === 'includes') console.log(found.includes.join(' '));
else if (what === 'libdir') console.log(found.lib);
else if (what === 'libs') {
  const libs = ['-lc10', '-ltorch_cpu', '-ltorch'];
  // --no-as-needed keeps libtorch_cuda linked although no symbol of it is used directly; without it
  // the CUDA kernels never register and every CUDA tensor fails with "no CUDA backend".
  if (found.cuda) libs.push('-Wl,--no-as-needed', '-ltorch_cuda', '-lc10_cuda', '-Wl,--as-needed');
  console.log(libs.join(' '));
} else if (what === 'defines') console.log(`_GLIBCXX_USE_CXX11_ABI=${found.cxx11Abi}`);
else if (what === 'std') console.log(cxxStandard(found.includes[0]));
else if (what === 'distributed-defines') console.log(hasGloo(found) ? 'SKETCHPRUNE_HAVE_GLOO=1 USE_C10D_GLOO' : 'SKETCHPRUNE_HAVE_GLOO=0');
else if (what === 'json') console.log(JSON.stringify({ ...found, std: cxxStandard(found.includes[0]), gloo: hasGloo(found) }));
else {
  console.error('usage: locate-libtorch.cjs includes|libdir|libs|defines|distributed-defines|std|json');
  process.exit(2);
}
