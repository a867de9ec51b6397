// Shared pieces of the addon: the tensor holder that a JS External owns, the error guard, live counters.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <ATen/core/ivalue.h>
#include <string>

namespace sketchprune {

// One JS tensor owns one holder: a libtorch alias (refcount on the TensorImpl) plus the bytes it reported.
struct TensorHolder {
  at::Tensor tensor;
  int64_t reportedBytes = 0;
};

// Live tensors and bytes across the process (one Node main thread touches them).
struct MemoryCounters {
  int64_t liveTensors = 0;
  int64_t liveBytes = 0;
};
MemoryCounters& counters();

// Wraps a libtorch tensor as a JS External that frees it on dispose() or when collected.
Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor);
// Returns the tensor a JS handle holds; throws a clear JS error for disposed or foreign values.
at::Tensor& unwrapTensor(const Napi::Value& value, const char* what);
bool isTensorHandle(const Napi::Value& value);
// Frees a holder's tensor now (idempotent).
void releaseHolder(Napi::Env env, TensorHolder* holder);

// JS <-> IValue conversion guided by the schema's declared type.
c10::IValue toIValue(const Napi::Value& value, const c10::TypePtr& type, const std::string& where);
Napi::Value fromIValue(Napi::Env env, const c10::IValue& value);

void registerOps(Napi::Env env, Napi::Object exports);
void registerAutograd(Napi::Env env, Napi::Object exports);

}  // namespace sketchprune

// Every entry point runs inside GUARD so a C++ exception becomes a JS Error carrying libtorch's message.
#define SKETCHPRUNE_GUARD_BEGIN try {
#define SKETCHPRUNE_GUARD_END(env, label)                                                          \
  }                                                                                                \
  catch (const Napi::Error& e) {                                                                   \
    throw;                                                                                         \
  }                                                                                                \
  catch (const c10::Error& e) {                                                                    \
    throw Napi::Error::New(env, std::string(label) + ": " + e.what_without_backtrace());           \
  }                                                                                                \
  catch (const std::exception& e) {                                                                \
    throw Napi::Error::New(env, std::string(label) + ": " + e.what());                             \
  }
