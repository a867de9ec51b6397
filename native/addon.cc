// Module entry: tensor handles (JS Externals owning a libtorch alias), data in and out, seeds, threads,
// memory counters and .pt (torch.save-compatible) serialization. Ops and autograd live in their own files.
#include "common.h"
#include <ATen/Parallel.h>
#include <ATen/core/Generator.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>
#include <cstring>
#include <mutex>

namespace sketchprune {

MemoryCounters& counters() {
  static MemoryCounters value;
  return value;
}

static int64_t bytesOf(const at::Tensor& tensor) {
  return tensor.defined() ? static_cast<int64_t>(tensor.numel() * tensor.element_size()) : 0;
}

void releaseHolder(Napi::Env env, TensorHolder* holder) {
  if (!holder->tensor.defined() && holder->reportedBytes < 0) return;
  if (holder->reportedBytes >= 0) {
    counters().liveTensors -= 1;
    counters().liveBytes -= holder->reportedBytes;
    if (holder->reportedBytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, -holder->reportedBytes);
  }
  holder->reportedBytes = -1;  // marks "released"
  holder->tensor = at::Tensor();
}

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor) {
  auto* holder = new TensorHolder{std::move(tensor), 0};
  holder->reportedBytes = bytesOf(holder->tensor);
  counters().liveTensors += 1;
  counters().liveBytes += holder->reportedBytes;
  if (holder->reportedBytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, holder->reportedBytes);
  return Napi::External<TensorHolder>::New(env, holder, [](Napi::Env env, TensorHolder* data) {
    releaseHolder(env, data);
    delete data;
  });
}

bool isTensorHandle(const Napi::Value& value) { return value.IsExternal(); }

at::Tensor& unwrapTensor(const Napi::Value& value, const char* what) {
  if (!value.IsExternal()) {
    throw Napi::TypeError::New(value.Env(), std::string(what) + ": expected a tensor");
  }
  TensorHolder* holder = value.As<Napi::External<TensorHolder>>().Data();
  if (holder->reportedBytes < 0) {
    throw Napi::Error::New(value.Env(), std::string(what) + ": tensor was disposed");
  }
  return holder->tensor;
}

static Napi::Value Dispose(const Napi::CallbackInfo& info) {
  if (info[0].IsExternal()) releaseHolder(info.Env(), info[0].As<Napi::External<TensorHolder>>().Data());
  return info.Env().Undefined();
}

// meta(t) -> [dtypeCode, device, requiresGrad, ...sizes]
static Napi::Value Meta(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& tensor = unwrapTensor(info[0], "tensor");
  auto sizes = tensor.sizes();
  Napi::Array result = Napi::Array::New(env, sizes.size() + 3);
  result.Set(0u, static_cast<double>(static_cast<int>(tensor.scalar_type())));
  result.Set(1u, tensor.device().str());
  result.Set(2u, tensor.requires_grad());
  for (size_t i = 0; i < sizes.size(); ++i) result.Set(static_cast<uint32_t>(i + 3), static_cast<double>(sizes[i]));
  return result;
}

static std::vector<int64_t> toShape(const Napi::Value& value) {
  Napi::Array array = value.As<Napi::Array>();
  std::vector<int64_t> shape(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) shape[i] = array.Get(i).As<Napi::Number>().Int64Value();
  return shape;
}

// fromBuffer(typedArray, dtypeCode, shape) -> tensor (a copy on the CPU)
static Napi::Value FromBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  auto dtype = static_cast<at::ScalarType>(info[1].As<Napi::Number>().Int32Value());
  std::vector<int64_t> shape = toShape(info[2]);
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
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return wrapTensor(env, generator.get_state());
  SKETCHPRUNE_GUARD_END(env, "getRngState")
}

static Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(unwrapTensor(info[0], "setRngState"));
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

// loadPt(buffer) -> [names, tensors] for a file holding a dict of tensors.
static Napi::Value LoadPt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  Napi::Buffer<char> buffer = info[0].As<Napi::Buffer<char>>();
  std::vector<char> bytes(buffer.Data(), buffer.Data() + buffer.Length());
  c10::IValue value = torch::jit::pickle_load(bytes);
  if (!value.isGenericDict()) throw Napi::Error::New(env, "loadPt: the file does not hold a dict of tensors");
  Napi::Array names = Napi::Array::New(env);
  Napi::Array tensors = Napi::Array::New(env);
  uint32_t i = 0;
  for (const auto& item : value.toGenericDict()) {
    if (!item.key().isString() || !item.value().isTensor()) {
      throw Napi::Error::New(env, "loadPt: the dict must map strings to tensors");
    }
    names.Set(i, item.key().toStringRef());
    tensors.Set(i, wrapTensor(env, item.value().toTensor()));
    ++i;
  }
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, names);
  result.Set(1u, tensors);
  return result;
  SKETCHPRUNE_GUARD_END(env, "loadPt")
}

static Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("torchVersion", std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
                                 "." + std::to_string(TORCH_VERSION_PATCH));
  result.Set("cudaAvailable", torch::cuda::is_available());
  result.Set("cudaDeviceCount", static_cast<double>(torch::cuda::device_count()));
  return result;
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("dispose", Napi::Function::New(env, Dispose));
  exports.Set("meta", Napi::Function::New(env, Meta));
  exports.Set("fromBuffer", Napi::Function::New(env, FromBuffer));
  exports.Set("toBuffer", Napi::Function::New(env, ToBuffer));
  exports.Set("manualSeed", Napi::Function::New(env, ManualSeed));
  exports.Set("getRngState", Napi::Function::New(env, GetRngState));
  exports.Set("setRngState", Napi::Function::New(env, SetRngState));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("memoryStats", Napi::Function::New(env, MemoryStats));
  exports.Set("savePt", Napi::Function::New(env, SavePt));
  exports.Set("loadPt", Napi::Function::New(env, LoadPt));
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo));
  registerOps(env, exports);
  registerAutograd(env, exports);
  return exports;
}

NODE_API_MODULE(sketchprune_native, Init)

}  // namespace sketchprune
