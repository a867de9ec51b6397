// Autograd entry points: backward, grad (with create_graph for double backward), grad mode, .grad access.
#include "common.h"
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/variable.h>
#include <ATen/core/grad_mode.h>

namespace sketchprune {

// An array of tensors, empty for null or undefined; with allowNull, null entries are undefined tensors.
static std::vector<at::Tensor> tensorList(const Napi::Value& value, const char* what, bool allowNull) {
  if (isNullish(value)) return {};
  return tensorArray(value, what, allowNull);
}

static c10::optional<bool> optionalBool(const Napi::Value& value) {
  if (value.IsNull() || value.IsUndefined()) return c10::nullopt;
  return value.ToBoolean().Value();
}

// backward(tensors, gradTensors|null, retainGraph|null, createGraph)
static Napi::Value Backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  auto tensors = tensorList(info[0], "backward tensors", false);
  auto grads = tensorList(info[1], "backward gradients", true);
  torch::autograd::backward(tensors, grads, optionalBool(info[2]), info[3].ToBoolean().Value());
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, "backward")
}

// grad(outputs, inputs, gradOutputs|null, retainGraph|null, createGraph, allowUnused) -> (tensor|null)[]
static Napi::Value Grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  auto outputs = tensorList(info[0], "grad outputs", false);
  auto inputs = tensorList(info[1], "grad inputs", false);
  auto gradOutputs = tensorList(info[2], "grad gradOutputs", true);
  auto grads = torch::autograd::grad(outputs, inputs, gradOutputs, optionalBool(info[3]), info[4].ToBoolean().Value(),
                                     info[5].ToBoolean().Value());
  Napi::Array result = Napi::Array::New(env, grads.size());
  for (size_t i = 0; i < grads.size(); ++i) {
    result.Set(static_cast<uint32_t>(i), grads[i].defined() ? wrapTensor(env, grads[i]) : env.Null());
  }
  return result;
  SKETCHPRUNE_GUARD_END(env, "grad")
}

static Napi::Value GetGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  const at::Tensor& grad = unwrapTensor(info[0], "grad").grad();
  return grad.defined() ? wrapTensor(env, grad) : env.Null();
  SKETCHPRUNE_GUARD_END(env, "grad")
}

static Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  at::Tensor& tensor = unwrapTensor(info[0], "setGrad");
  if (info[1].IsNull() || info[1].IsUndefined()) {
    tensor.mutable_grad() = at::Tensor();
    return env.Undefined();
  }
  const at::Tensor& grad = unwrapTensor(info[1], "setGrad");
  // The checks PyTorch makes on `x.grad = g`: a mismatched gradient would only fail later, far from here.
  TORCH_CHECK(grad.scalar_type() == tensor.scalar_type(), "assigned grad has data of a different type (",
              grad.scalar_type(), " for a ", tensor.scalar_type(), " tensor)");
  TORCH_CHECK(grad.device() == tensor.device(), "assigned grad has data located on a different device (", grad.device(),
              " for a tensor on ", tensor.device(), ")");
  TORCH_CHECK(grad.sizes() == tensor.sizes(), "assigned grad has data of a different size (", grad.sizes(),
              " for a tensor of size ", tensor.sizes(), ")");
  tensor.mutable_grad() = grad;
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, "setGrad")
}

static Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  return Napi::Boolean::New(env, unwrapTensor(info[0], "requiresGrad").requires_grad());
  SKETCHPRUNE_GUARD_END(env, "requiresGrad")
}

static Napi::Value IsLeaf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  return Napi::Boolean::New(env, unwrapTensor(info[0], "isLeaf").is_leaf());
  SKETCHPRUNE_GUARD_END(env, "isLeaf")
}

// setGradEnabled(enabled) -> previous
static Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  bool previous = at::GradMode::is_enabled();
  at::GradMode::set_enabled(info[0].ToBoolean().Value());
  return Napi::Boolean::New(info.Env(), previous);
}

void registerAutograd(Napi::Env env, Napi::Object exports) {
  exportFunctions(env, exports,
                  {{"backward", Backward},
                   {"grad", Grad},
                   {"getGrad", GetGrad},
                   {"setGrad", SetGrad},
                   {"requiresGrad", RequiresGrad},
                   {"isLeaf", IsLeaf},
                   {"setGradEnabled", SetGradEnabled}});
}

}  // namespace sketchprune
