// Generic op forwarding: JS looks an ATen operator up once by name ("aten::add", "Tensor") and then
// calls it by index with positional arguments; the schema converts each argument and fills defaults.
#include "common.h"
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <vector>

namespace sketchprune {

struct OpEntry {
  c10::OperatorHandle handle;
  std::string name;                        // "aten::add.Tensor", for error messages
  std::vector<std::string> argumentWhere;  // "aten::add.Tensor argument 'other'", built once, not per call
};
static std::vector<OpEntry>& opTable() {
  static std::vector<OpEntry> table;
  return table;
}

// findOp(name, overload) -> index
static Napi::Value FindOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!handle.has_value()) {
    throw Napi::Error::New(env,
                           "unknown operator " + name + (overload.empty() ? "" : "." + overload) + " in this libtorch");
  }
  OpEntry entry{*handle, name + (overload.empty() ? "" : "." + overload), {}};
  for (const auto& argument : handle->schema().arguments()) {
    entry.argumentWhere.push_back(entry.name + " argument '" + argument.name() + "'");
  }
  opTable().push_back(std::move(entry));
  return Napi::Number::New(env, static_cast<double>(opTable().size() - 1));
  SKETCHPRUNE_GUARD_END(env, "findOp")
}

static void runOp(const Napi::CallbackInfo& info, torch::jit::Stack& stack, const OpEntry*& entryOut) {
  Napi::Env env = info.Env();
  uint32_t index = info[0].As<Napi::Number>().Uint32Value();
  if (index >= opTable().size()) throw Napi::RangeError::New(env, "bad operator index");
  const OpEntry& entry = opTable()[index];
  entryOut = &entry;
  const auto& arguments = entry.handle.schema().arguments();
  size_t given = info.Length() - 1;
  if (given > arguments.size()) {
    throw Napi::TypeError::New(
        env, entry.name + ": takes " + std::to_string(arguments.size()) + " arguments, got " + std::to_string(given));
  }
  stack.reserve(arguments.size());
  for (size_t i = 0; i < arguments.size(); ++i) {
    const auto& argument = arguments[i];
    Napi::Value value = i < given ? info[i + 1] : env.Undefined();
    if (i >= given || value.IsUndefined()) {
      if (argument.default_value().has_value()) {
        stack.push_back(*argument.default_value());
        continue;
      }
      if (argument.type()->kind() != c10::TypeKind::OptionalType) {
        throw Napi::TypeError::New(env, entry.name + ": missing argument '" + argument.name() + "'");
      }
    }
    // A single number for a fixed-size int list (int[2] kernel_size=3) repeats, as in PyTorch.
    if (argument.N().has_value() && argument.type()->kind() == c10::TypeKind::ListType && value.IsNumber()) {
      int64_t number = toInt(value, entry.argumentWhere[i]);
      stack.push_back(c10::List<int64_t>(std::vector<int64_t>(static_cast<size_t>(*argument.N()), number)));
      continue;
    }
    stack.push_back(toIValue(value, argument.real_type(), entry.argumentWhere[i]));
  }
  entry.handle.callBoxed(&stack);
}

// One argument stack reused by every call saves an allocation per op; it is emptied on the way out (also on
// errors) so that no tensor lingers in it. Ops never call back into JS, so calls do not nest.
struct ReusedStack {
  torch::jit::Stack& stack;
  ReusedStack() : stack(storage()) {}
  ~ReusedStack() { stack.clear(); }
  static torch::jit::Stack& storage() {
    static thread_local torch::jit::Stack value;
    return value;
  }
};

// callOp(index, ...args) -> result (tensor handle, array for tuples/lists, number, boolean or null)
static Napi::Value CallOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const OpEntry* entry = nullptr;
  SKETCHPRUNE_GUARD_BEGIN
  ReusedStack reused;
  torch::jit::Stack& stack = reused.stack;
  runOp(info, stack, entry);
  if (stack.empty()) return env.Undefined();
  if (stack.size() == 1) return fromIValue(env, stack[0]);
  Napi::Array results = Napi::Array::New(env, stack.size());
  for (size_t i = 0; i < stack.size(); ++i) results.Set(static_cast<uint32_t>(i), fromIValue(env, stack[i]));
  return results;
  SKETCHPRUNE_GUARD_END(env, entry ? entry->name : std::string("op"))
}

// callOpInPlace(index, ...args): for ops that modify their first argument; the result alias is dropped.
static Napi::Value CallOpInPlace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const OpEntry* entry = nullptr;
  SKETCHPRUNE_GUARD_BEGIN
  ReusedStack reused;
  runOp(info, reused.stack, entry);
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, entry ? entry->name : std::string("op"))
}

// opSchema(index) -> the schema as text, for error messages and docs.
static Napi::Value OpSchema(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  uint32_t index = info[0].As<Napi::Number>().Uint32Value();
  if (index >= opTable().size()) throw Napi::RangeError::New(env, "opSchema: bad operator index");
  std::ostringstream text;
  text << opTable()[index].handle.schema();
  return Napi::String::New(env, text.str());
  SKETCHPRUNE_GUARD_END(env, "opSchema")
}

void registerOps(Napi::Env env, Napi::Object exports) {
  exportFunctions(env, exports,
                  {{"findOp", FindOp}, {"callOp", CallOp}, {"callOpInPlace", CallOpInPlace}, {"opSchema", OpSchema}});
}

}  // namespace sketchprune
