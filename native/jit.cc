// TorchScript modules (a user's own PyTorch network, saved with torch.jit.script(...).save() or torch.jit.trace):
// load, parameters and buffers by name, train/eval, forward with autograd. Parameter and buffer handles alias the
// module's own tensors (the same TensorImpl), so in-place edits and set_data (SynFlow's float64 |θ|, the pruning
// loop's working copies) act on the module, and gradients with respect to them flow through its forward.
#include "common.h"
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/csrc/jit/serialization/import.h>

namespace sketchprune {

namespace {
struct ScriptModule {
  torch::jit::Module module;
};

ScriptModule& unwrapModule(const Napi::Value& value, const char* what) {
  if (!value.IsExternal())
    throw Napi::TypeError::New(value.Env(), std::string(what) + ": expected a TorchScript module handle");
  return *value.As<Napi::External<ScriptModule>>().Data();
}

// [names, tensors] of a named_parameters() or named_buffers() list.
template <typename NamedList>
Napi::Array namedTensors(Napi::Env env, const NamedList& list) {
  std::vector<std::pair<std::string, at::Tensor>> items;
  for (const auto& item : list) items.emplace_back(item.name, item.value);
  Napi::Array names = Napi::Array::New(env, items.size());
  Napi::Array tensors = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    names.Set(static_cast<uint32_t>(i), items[i].first);
    tensors.Set(static_cast<uint32_t>(i), wrapTensor(env, items[i].second));
  }
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, names);
  result.Set(1u, tensors);
  return result;
}

std::string describeIValue(const c10::IValue& value) {
  if (value.isTuple()) return "a tuple";
  if (value.isList()) return "a list";
  if (value.isGenericDict()) return "a dict";
  if (value.isNone()) return "None";
  return value.tagKind();
}
}  // namespace

// jitLoad(path) -> module handle. The module stays on the CPU (move it with jitTo).
static Napi::Value JitLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "jitLoad: expected a file path");
  auto* holder = new ScriptModule{torch::jit::load(info[0].As<Napi::String>().Utf8Value(), at::Device(at::kCPU))};
  return Napi::External<ScriptModule>::New(env, holder, [](Napi::Env, ScriptModule* data) { delete data; });
  SKETCHPRUNE_GUARD_END(env, "TorchScript load")
}

// jitNamedParameters(module) -> [names, tensors], dotted names as PyTorch's named_parameters().
static Napi::Value JitNamedParameters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  return namedTensors(env, unwrapModule(info[0], "jitNamedParameters").module.named_parameters(true));
  SKETCHPRUNE_GUARD_END(env, "jitNamedParameters")
}

static Napi::Value JitNamedBuffers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  return namedTensors(env, unwrapModule(info[0], "jitNamedBuffers").module.named_buffers(true));
  SKETCHPRUNE_GUARD_END(env, "jitNamedBuffers")
}

// jitNamedModules(module) -> [names, typeNames]: '' for the root, the qualified class name of each
// (e.g. __torch__.torch.nn.modules.conv.Conv2d, possibly with a ___torch_mangle_N part).
static Napi::Value JitNamedModules(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  Napi::Array names = Napi::Array::New(env);
  Napi::Array types = Napi::Array::New(env);
  uint32_t i = 0;
  for (const auto& item : unwrapModule(info[0], "jitNamedModules").module.named_modules()) {
    names.Set(i, item.name);
    auto name = item.value.type()->name();
    types.Set(i, name ? name->qualifiedName() : std::string("?"));
    ++i;
  }
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, names);
  result.Set(1u, types);
  return result;
  SKETCHPRUNE_GUARD_END(env, "jitNamedModules")
}

// jitTrain(module, on): sets `training` on the module and every submodule (batch norm, dropout read it).
static Napi::Value JitTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  unwrapModule(info[0], "jitTrain").module.train(info[1].ToBoolean().Value());
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, "jitTrain")
}

static Napi::Value JitIsTraining(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  return Napi::Boolean::New(env, unwrapModule(info[0], "jitIsTraining").module.is_training());
  SKETCHPRUNE_GUARD_END(env, "jitIsTraining")
}

// jitTo(module, device|null, dtypeCode|null): moves/converts parameters and buffers in place (set_data, so
// existing handles see the change), as PyTorch's module.to(...).
static Napi::Value JitTo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  auto& module = unwrapModule(info[0], "jitTo").module;
  if (!isNullish(info[1])) module.to(at::Device(info[1].As<Napi::String>().Utf8Value()));
  if (!isNullish(info[2])) module.to(toScalarType(info[2], "jitTo dtype"));
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, "jitTo")
}

// jitForward(module, inputs) -> tensor. Runs the graph unoptimized: the plain interpreter over ATen ops records an
// ordinary autograd graph, so gradients of gradients (GraSP's Hessian-gradient product) work, and a change of the
// weights' dtype (SynFlow's float64) needs no re-specialization.
static Napi::Value JitForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  auto& module = unwrapModule(info[0], "forward").module;
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "forward: expected an array of input tensors");
  Napi::Array array = info[1].As<Napi::Array>();
  std::vector<c10::IValue> inputs;
  for (uint32_t i = 0; i < array.Length(); ++i) inputs.emplace_back(unwrapTensor(array.Get(i), "forward input"));
  c10::IValue output;
  {
    torch::jit::GraphOptimizerEnabledGuard plain(false);
    output = module.forward(std::move(inputs));
  }
  if (!output.isTensor()) {
    throw Napi::Error::New(env, "forward: the TorchScript module returned " + describeIValue(output) +
                                    "; sketchprune needs a module whose forward returns one tensor (the logits)");
  }
  return wrapTensor(env, output.toTensor());
  SKETCHPRUNE_GUARD_END(env, "TorchScript forward")
}

void registerJit(Napi::Env env, Napi::Object exports) {
  exportFunctions(env, exports,
                  {{"jitLoad", JitLoad},
                   {"jitNamedParameters", JitNamedParameters},
                   {"jitNamedBuffers", JitNamedBuffers},
                   {"jitNamedModules", JitNamedModules},
                   {"jitTrain", JitTrain},
                   {"jitIsTraining", JitIsTraining},
                   {"jitTo", JitTo},
                   {"jitForward", JitForward}});
}

}  // namespace sketchprune
