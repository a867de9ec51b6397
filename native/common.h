// Shared pieces of the addon: tensor handles, argument conversion, the error guard, live counters.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <ATen/core/ivalue.h>
#include <ATen/CPUGeneratorImpl.h>
#include <initializer_list>
#include <mutex>
#include <string>
#include <vector>

namespace sketchprune {

// Live tensors and bytes across the process (the Node main thread touches them; workers are not supported).
struct MemoryCounters {
  int64_t liveTensors = 0;
  int64_t liveBytes = 0;
};
MemoryCounters& counters();

// JS owns a tensor through a handle: a number (generation * 2^26 + slot) naming a slot of a table that holds a
// libtorch alias. No V8 object or Node-API finalizer is made per tensor (they cost more than a small op);
// the JS Tensor class frees leaked handles through a FinalizationRegistry. A stale handle (disposed tensor,
// slot reused) is recognised by its generation.
Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor);
// Returns the tensor a handle names; throws TypeError for a non-handle, Error for a disposed tensor.
at::Tensor& unwrapTensor(const Napi::Value& value, const char* what);
// Frees the handle's tensor now; a stale or malformed handle is ignored (dispose is idempotent).
void releaseTensor(Napi::Env env, const Napi::Value& handle);

// Codes for enum-like arguments (ScalarType, Layout, MemoryFormat), checked before libtorch casts them.
at::ScalarType toScalarType(const Napi::Value& value, const std::string& where);

// JS <-> IValue conversion guided by the schema's declared type.
// `type` should be the argument's real type (Argument::real_type), so ScalarType codes can be checked.
c10::IValue toIValue(const Napi::Value& value, const c10::TypePtr& type, const std::string& where);
int64_t toInt(const Napi::Value& value, const std::string& where);
bool isNullish(const Napi::Value& value);  // null or undefined, in one Node-API call
Napi::Value fromIValue(Napi::Env env, const c10::IValue& value);

// The tensors of an array of handles (TypeError "<what>: expected an array of tensors" for a non-array); with
// `nullItems`, a null or undefined entry stands for an undefined tensor.
std::vector<at::Tensor> tensorArray(const Napi::Value& value, const char* what, bool nullItems = false);

// Per-layer score tensors and optional support masks (null/undefined: none) of the selection and sampling kernels:
// float32 or float64 CPU scores of one dtype, bool CPU support of their sizes, both made contiguous. Returns the
// dtype (float64 for no scores); errors name `op`.
struct ScoredLayers {
  std::vector<at::Tensor> scores;
  std::vector<at::Tensor> support;  // empty: every entry is eligible
  at::ScalarType dtype = at::kDouble;
};
ScoredLayers scoredLayers(const Napi::Value& scores, const Napi::Value& support, const char* op);

// Runs f(generator) with libtorch's default CPU generator locked, as its random ops do.
template <typename F>
auto withDefaultCpuGenerator(F&& f) {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return f(generator);
}

// exports[name] = function for each pair (every register* below).
struct Export {
  const char* name;
  Napi::Value (*function)(const Napi::CallbackInfo&);
};
void exportFunctions(Napi::Env env, Napi::Object exports, std::initializer_list<Export> functions);

// Throws the JS TorchError (registered by setErrorClass; a plain Error before that) for a libtorch failure in `op`:
// message "<op>: <libtorch's message>", property `op`.
[[noreturn]] void throwTorchError(Napi::Env env, const std::string& op, const std::string& message);

void registerOps(Napi::Env env, Napi::Object exports);
void registerAutograd(Napi::Env env, Napi::Object exports);
void registerSelection(Napi::Env env, Napi::Object exports);
void registerSampling(Napi::Env env, Napi::Object exports);
void registerJit(Napi::Env env, Napi::Object exports);
void registerDistributed(Napi::Env env, Napi::Object exports);

}  // namespace sketchprune

// Every entry point runs inside GUARD so a C++ exception becomes a JS TorchError carrying libtorch's message.
#define SKETCHPRUNE_GUARD_BEGIN try {
#define SKETCHPRUNE_GUARD_END(env, label)                                 \
  }                                                                       \
  catch (const Napi::Error& e) {                                          \
    throw;                                                                \
  }                                                                       \
  catch (const c10::Error& e) {                                           \
    sketchprune::throwTorchError(env, label, e.what_without_backtrace()); \
  }                                                                       \
  catch (const std::exception& e) {                                       \
    sketchprune::throwTorchError(env, label, e.what());                   \
  }                                                                       \
  catch (...) {                                                           \
    sketchprune::throwTorchError(env, label, "unknown C++ exception");    \
  }
