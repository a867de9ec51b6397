// Module entry: tensor handles (numbers naming slots that hold a libtorch alias), data in and out, seeds, threads,
// memory counters and writing .pt (torch.save-compatible) files (src/torch/pt-format.ts reads them, with checks). Ops
// and autograd live in their own files.
#include "common.h"
#include <ATen/Parallel.h>
#include <omp.h>
#include <ATen/core/Generator.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <deque>
#include <mutex>
#include <thread>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace sketchprune {

MemoryCounters& counters() {
  static MemoryCounters value;
  return value;
}

static int64_t bytesOf(const at::Tensor& tensor) {
  return tensor.defined() ? static_cast<int64_t>(tensor.numel() * tensor.element_size()) : 0;
}

// The slot table behind tensor handles. std::deque keeps slot addresses stable as it grows, so a reference
// from unwrapTensor stays valid while other tensors are wrapped.
namespace {
// handle = generation * 2^26 + slot: both below 2^26, so a handle is an exact double below 2^52.
constexpr int kSlotBits = 26;
constexpr uint32_t kSlotCount = 1u << kSlotBits;
constexpr uint32_t kGenerationLimit = 1u << 26;
// A slot whose generation reaches this limit is retired (never reused) instead of wrapping to generation 1: with
// the LIFO free list one hot slot serves nearly every op, and after 2^26 - 1 reuses a wrapped generation made a
// stale handle equal to a live one (disposing the stale handle freed the live tensor). A retired slot costs ~40
// bytes per 2^26 results. Tests lower the limit through setHandleGenerationLimit.
uint32_t generationLimit = kGenerationLimit;
uint64_t retiredSlots = 0;
constexpr double kSlotRange = static_cast<double>(kSlotCount);
// V8 hears about big tensors only, so its GC runs sooner when leaked handles hold much memory.
constexpr int64_t kReportToV8Bytes = 1 << 16;
struct Slot {
  at::Tensor tensor;
  int64_t bytes = 0;
  uint32_t generation = 1;  // never 0, so a handle is never 0 (falsy in JS) and small numbers are no handles
  bool live = false;
};
struct SlotTable {
  std::deque<Slot> slots;
  std::vector<uint32_t> freeSlots;
};
SlotTable& slotTable() {
  static SlotTable table;
  return table;
}

// The slot a handle number names when it is well formed, else nullptr; `generation` and `index` receive its parts.
Slot* decodeHandle(double number, uint32_t& generation, uint32_t& index) {
  if (!(number >= kSlotRange) || number >= kSlotRange * kGenerationLimit) return nullptr;
  uint64_t bits = static_cast<uint64_t>(number);
  if (static_cast<double>(bits) != number) return nullptr;  // not an integer
  SlotTable& table = slotTable();
  index = static_cast<uint32_t>(bits & (kSlotCount - 1));
  if (index >= table.slots.size()) return nullptr;
  generation = static_cast<uint32_t>(bits >> kSlotBits);
  return &table.slots[index];
}

std::string describe(const Napi::Value& value) {
  if (value.IsNull()) return "null";
  if (value.IsUndefined()) return "undefined";
  if (value.IsNumber()) return "number " + value.ToString().Utf8Value();
  if (value.IsString()) return "string";
  if (value.IsBoolean()) return "boolean";
  if (value.IsArray()) return "array";
  return "object";
}
}  // namespace

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor) {
  SlotTable& table = slotTable();
  uint32_t index;
  if (!table.freeSlots.empty()) {
    index = table.freeSlots.back();
    table.freeSlots.pop_back();
  } else {
    if (table.slots.size() >= kSlotCount) {
      throw Napi::Error::New(env, "too many live tensors (2^26); dispose tensors or use tidy()");
    }
    index = static_cast<uint32_t>(table.slots.size());
    table.slots.emplace_back();
  }
  Slot& slot = table.slots[index];
  slot.bytes = bytesOf(tensor);
  slot.tensor = std::move(tensor);
  slot.live = true;
  counters().liveTensors += 1;
  counters().liveBytes += slot.bytes;
  if (slot.bytes >= kReportToV8Bytes) Napi::MemoryManagement::AdjustExternalMemory(env, slot.bytes);
  napi_value result;
  napi_create_double(env, static_cast<double>(slot.generation) * kSlotRange + index, &result);
  return Napi::Value(env, result);
}

at::Tensor& unwrapTensor(const Napi::Value& value, const char* what) {
  double number = 0;
  uint32_t generation = 0, index = 0;
  Slot* slot = nullptr;
  if (napi_get_value_double(value.Env(), value, &number) == napi_ok) slot = decodeHandle(number, generation, index);
  if (slot == nullptr) {
    throw Napi::TypeError::New(value.Env(), std::string(what) + ": expected a tensor, got " + describe(value));
  }
  if (!slot->live || slot->generation != generation) {
    throw Napi::Error::New(value.Env(), std::string(what) + ": tensor was disposed");
  }
  return slot->tensor;
}

void releaseTensor(Napi::Env env, const Napi::Value& handle) {
  double number = 0;
  uint32_t generation = 0, index = 0;
  if (napi_get_value_double(env, handle, &number) != napi_ok) return;
  Slot* slot = decodeHandle(number, generation, index);
  if (slot == nullptr || !slot->live || slot->generation != generation) return;
  counters().liveTensors -= 1;
  counters().liveBytes -= slot->bytes;
  if (slot->bytes >= kReportToV8Bytes) Napi::MemoryManagement::AdjustExternalMemory(env, -slot->bytes);
  slot->tensor = at::Tensor();
  slot->bytes = 0;
  slot->live = false;
  if (slot->generation + 1 >= generationLimit) {
    retiredSlots += 1;  // stays not live with its last generation: every old handle of it reads as disposed
    return;
  }
  slot->generation += 1;
  slotTable().freeSlots.push_back(index);
}

// handleStats() -> {slots, free, retired}: the handle table's size (for tests and leak hunts).
static Napi::Value HandleStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object stats = Napi::Object::New(env);
  stats.Set("slots", static_cast<double>(slotTable().slots.size()));
  stats.Set("free", static_cast<double>(slotTable().freeSlots.size()));
  stats.Set("retired", static_cast<double>(retiredSlots));
  return stats;
}

// setHandleGenerationLimit(n) -> previous: test hook that retires slots after n - 1 generations (2 <= n <= 2^26).
static Napi::Value SetHandleGenerationLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  const int64_t limit = toInt(info[0], "setHandleGenerationLimit");
  if (limit < 2 || limit > static_cast<int64_t>(kGenerationLimit)) {
    throw Napi::RangeError::New(env, "setHandleGenerationLimit: need 2..2^26");
  }
  const uint32_t previous = generationLimit;
  generationLimit = static_cast<uint32_t>(limit);
  return Napi::Number::New(env, previous);
  SKETCHPRUNE_GUARD_END(env, "setHandleGenerationLimit")
}

static Napi::Value Dispose(const Napi::CallbackInfo& info) {
  releaseTensor(info.Env(), info[0]);
  return info.Env().Undefined();
}

// meta(t) -> [dtypeCode, device, requiresGrad, ...sizes]
static Napi::Value Meta(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  const at::Tensor& tensor = unwrapTensor(info[0], "tensor");
  auto sizes = tensor.sizes();
  Napi::Array result = Napi::Array::New(env, sizes.size() + 3);
  result.Set(0u, static_cast<double>(static_cast<int>(tensor.scalar_type())));
  result.Set(1u, tensor.device().str());
  result.Set(2u, tensor.requires_grad());
  for (size_t i = 0; i < sizes.size(); ++i) result.Set(static_cast<uint32_t>(i + 3), static_cast<double>(sizes[i]));
  return result;
  SKETCHPRUNE_GUARD_END(env, "meta")
}

static std::vector<int64_t> toShape(const Napi::Value& value, const std::string& where) {
  if (!value.IsArray()) throw Napi::TypeError::New(value.Env(), where + ": expected an array of sizes");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<int64_t> shape(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    shape[i] = toInt(array.Get(i), where);
    if (shape[i] < 0) throw Napi::RangeError::New(value.Env(), where + ": sizes must be non-negative");
  }
  return shape;
}

// fromBuffer(typedArray, dtypeCode, shape) -> tensor (a copy on the CPU)
static Napi::Value FromBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "fromBuffer data: expected a typed array");
  Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  at::ScalarType dtype = toScalarType(info[1], "fromBuffer dtype");
  std::vector<int64_t> shape = toShape(info[2], "fromBuffer shape");
  int64_t numel = 1;
  for (int64_t size : shape) numel *= size;
  size_t expected = static_cast<size_t>(numel) * c10::elementSize(dtype);
  if (array.ByteLength() != expected) {
    throw Napi::RangeError::New(env, "fromBuffer: " + std::to_string(array.ByteLength()) +
                                         " bytes do not fill shape of " + std::to_string(numel) + " elements");
  }
  uint8_t* data = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  at::Tensor tensor = at::empty(shape, at::TensorOptions().dtype(dtype));
  if (expected > 0) std::memcpy(tensor.data_ptr(), data, expected);
  return wrapTensor(env, tensor);
  SKETCHPRUNE_GUARD_END(env, "fromBuffer")
}

// toBuffer(t) -> ArrayBuffer with the contiguous CPU bytes
static Napi::Value ToBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  at::Tensor tensor = unwrapTensor(info[0], "toBuffer").detach().to(at::kCPU).contiguous();
  size_t bytes = static_cast<size_t>(tensor.numel() * tensor.element_size());
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
  if (bytes > 0) std::memcpy(buffer.Data(), tensor.data_ptr(), bytes);
  return buffer;
  SKETCHPRUNE_GUARD_END(env, "toBuffer")
}

static Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  torch::manual_seed(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, "manualSeed")
}

// The CPU generator's state as a uint8 tensor (saved in checkpoints so resumed runs draw the same numbers).
static Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  return wrapTensor(env, withDefaultCpuGenerator([](at::Generator& generator) { return generator.get_state(); }));
  SKETCHPRUNE_GUARD_END(env, "getRngState")
}

static Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  at::Tensor state = unwrapTensor(info[0], "setRngState");
  withDefaultCpuGenerator([&](at::Generator& generator) { generator.set_state(state); });
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, "setRngState")
}

static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  at::set_num_threads(info[0].As<Napi::Number>().Int32Value());
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, "setNumThreads")
}

// setRegionThreads(n) -> previous: the team size of libtorch's OpenMP parallel regions only. Unlike
// at::set_num_threads, it leaves libtorch's pthreadpool alone (rebuilding it costs milliseconds), so it is cheap
// enough to change around a single pass.
static Napi::Value SetRegionThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  const int previous = omp_get_max_threads();
  const int threads = info[0].As<Napi::Number>().Int32Value();
  if (threads < 1) throw Napi::RangeError::New(env, "setRegionThreads: need a positive integer");
  omp_set_num_threads(threads);
  return Napi::Number::New(env, previous);
  SKETCHPRUNE_GUARD_END(env, "setRegionThreads")
}

// setBlasThreads(n) -> previous, or -1 when the BLAS in use is not OpenBLAS. OpenBLAS (Debian's libtorch links it)
// keeps its own thread pool, sized from the environment when loaded; at::set_num_threads leaves it alone, so a run
// pinned to 1 intra-op thread still did its matmuls on every core, and sums came out in another order than in a
// worker process whose environment said 1 (results depended on --workers). Looked up at run time: other BLAS
// builds (MKL, a CUDA libtorch) have no such symbol and are left alone.
using OpenblasSetThreads = void (*)(int);
using OpenblasGetThreads = int (*)();
static Napi::Value SetBlasThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  const int64_t threads = toInt(info[0], "setBlasThreads");
  if (threads < 1 || threads > 4096) throw Napi::RangeError::New(env, "setBlasThreads: need 1..4096 threads");
  auto set = reinterpret_cast<OpenblasSetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  auto get = reinterpret_cast<OpenblasGetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (set == nullptr || get == nullptr) return Napi::Number::New(env, -1);
  const int previous = get();
  set(static_cast<int>(threads));
  return Napi::Number::New(env, previous);
  SKETCHPRUNE_GUARD_END(env, "setBlasThreads")
}

static Napi::Value GetBlasThreads(const Napi::CallbackInfo& info) {
  auto get = reinterpret_cast<OpenblasGetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return Napi::Number::New(info.Env(), get == nullptr ? -1 : get());
}

// mallocStats() -> {inUse, heap, mmapped}: glibc's allocator (bytes handed out, heap size, mmapped bytes). Tells a
// leak (inUse grows) from fragmentation (heap grows, inUse flat) when RSS climbs; zeros where not glibc.
static Napi::Value MallocStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object stats = Napi::Object::New(env);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 m = mallinfo2();
  stats.Set("inUse", static_cast<double>(m.uordblks + m.hblkhd));
  stats.Set("heap", static_cast<double>(m.arena));
  stats.Set("mmapped", static_cast<double>(m.hblkhd));
#else
  stats.Set("inUse", 0.0);
  stats.Set("heap", 0.0);
  stats.Set("mmapped", 0.0);
#endif
  return stats;
}

// trimMemory(): hands the allocator's free pages back to the system (glibc malloc_trim). The process-wide tuning
// below keeps freed memory for reuse, which is fast inside a loop but leaves the heap fragmented after a long
// piece of work (RSS climbed over repeated prunes while the bytes in use stayed flat); callers trim between them.
static Napi::Value TrimMemory(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

static Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object stats = Napi::Object::New(env);
  stats.Set("tensors", static_cast<double>(counters().liveTensors));
  stats.Set("bytes", static_cast<double>(counters().liveBytes));
  return stats;
}

// savePt(names, tensors) -> Buffer in torch.save's zip format: a dict name -> tensor.
static Napi::Value SavePt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  Napi::Array names = info[0].As<Napi::Array>();
  Napi::Array tensors = info[1].As<Napi::Array>();
  c10::Dict<std::string, at::Tensor> dict;
  for (uint32_t i = 0; i < names.Length(); ++i) {
    dict.insert(names.Get(i).As<Napi::String>().Utf8Value(),
                unwrapTensor(tensors.Get(i), "savePt").detach().to(at::kCPU));
  }
  std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(dict));
  return Napi::Buffer<char>::Copy(env, bytes.data(), bytes.size());
  SKETCHPRUNE_GUARD_END(env, "savePt")
}

// The JS class for libtorch failures (torch/errors.ts TorchError), constructed as new TorchError(message, op).
// One JS thread per process (see Init), so one reference; never destroyed (the env is gone at static destruction).
static Napi::FunctionReference& torchErrorClass() {
  static auto* reference = new Napi::FunctionReference();
  return *reference;
}

void throwTorchError(Napi::Env env, const std::string& op, const std::string& message) {
  std::string text = op + ": " + message;
  if (torchErrorClass().IsEmpty()) throw Napi::Error::New(env, text);
  throw Napi::Error(env, torchErrorClass().New({Napi::String::New(env, text), Napi::String::New(env, op)}));
}

// setErrorClass(TorchError): the class every GUARD turns a C++ exception into.
static Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "setErrorClass: expected a class");
  torchErrorClass() = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

static Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("torchVersion", std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                                 std::to_string(TORCH_VERSION_PATCH));
  result.Set("cudaAvailable", torch::cuda::is_available());
  result.Set("cudaDeviceCount", static_cast<double>(torch::cuda::device_count()));
  return result;
}

// A training step frees and re-allocates the same activation and gradient blocks (1–32 MB) every step. By default
// glibc serves such blocks by fresh mmap()s or trims them off the heap when freed, so each step page-faults its
// whole working set again: about a sixth of the CPU time of the benchmark's small CNN step. Keeping blocks up to
// 32 MB (glibc's limit for this setting) in the heap and trimming only above 1 GB of free top avoids that.
// Explicit MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ settings, or SKETCHPRUNE_MALLOC_TUNING=0, leave glibc alone.
static void tuneMalloc() {
#if defined(__GLIBC__)
  const char* optOut = std::getenv("SKETCHPRUNE_MALLOC_TUNING");
  if ((optOut && std::string(optOut) == "0") || std::getenv("MALLOC_MMAP_THRESHOLD_") ||
      std::getenv("MALLOC_TRIM_THRESHOLD_")) {
    return;
  }
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // The slot table, counters and op table are process-wide and unsynchronized: one JS thread may use them.
  static const std::thread::id owner = std::this_thread::get_id();
  if (std::this_thread::get_id() != owner) {
    throw Napi::Error::New(env,
                           "sketchprune's native addon works on one JavaScript thread per process; "
                           "it cannot be loaded in a worker thread");
  }
  tuneMalloc();
  exportFunctions(env, exports,
                  {{"dispose", Dispose},
                   {"meta", Meta},
                   {"fromBuffer", FromBuffer},
                   {"toBuffer", ToBuffer},
                   {"manualSeed", ManualSeed},
                   {"getRngState", GetRngState},
                   {"setRngState", SetRngState},
                   {"setNumThreads", SetNumThreads},
                   {"getNumThreads", GetNumThreads},
                   {"setBlasThreads", SetBlasThreads},
                   {"getBlasThreads", GetBlasThreads},
                   {"mallocStats", MallocStats},
                   {"trimMemory", TrimMemory},
                   {"setRegionThreads", SetRegionThreads},
                   {"memoryStats", MemoryStats},
                   {"handleStats", HandleStats},
                   {"setHandleGenerationLimit", SetHandleGenerationLimit},
                   {"savePt", SavePt},
                   {"buildInfo", BuildInfo},
                   {"setErrorClass", SetErrorClass}});
  registerOps(env, exports);
  registerAutograd(env, exports);
  registerSelection(env, exports);
  registerSampling(env, exports);
  registerJit(env, exports);
  registerDistributed(env, exports);
  return exports;
}

NODE_API_MODULE(sketchprune_native, Init)

}  // namespace sketchprune
