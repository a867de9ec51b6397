// JS values <-> c10::IValue, driven by the op schema so ops mirror ATen's names and arguments.
#include "common.h"
#include <ATen/core/jit_type.h>
#include <cmath>

namespace sketchprune {

static Napi::Error argError(const Napi::Value& value, const std::string& where, const std::string& expected) {
  std::string got = value.IsNull()        ? "null"
                    : value.IsUndefined() ? "undefined"
                    : value.IsNumber()    ? "number " + value.ToString().Utf8Value()
                    : value.IsBoolean()   ? "boolean"
                    : value.IsString()    ? "string"
                    : value.IsArray()     ? "array"
                                          : "object";
  return Napi::TypeError::New(value.Env(), where + ": expected " + expected + ", got " + got);
}

// The hot path of every op call: one Node-API call per number (napi_get_value_double fails cleanly on a
// non-number), type checks only when that fails.
static bool numberOf(const Napi::Value& value, double& number) {
  return napi_get_value_double(value.Env(), value, &number) == napi_ok;
}

bool isNullish(const Napi::Value& value) {
  napi_valuetype type = napi_undefined;
  napi_typeof(value.Env(), value, &type);
  return type == napi_undefined || type == napi_null;
}

int64_t toInt(const Napi::Value& value, const std::string& where) {
  double number;
  if (!numberOf(value, number)) {
    if (value.IsBoolean()) return value.As<Napi::Boolean>().Value() ? 1 : 0;
    throw argError(value, where, "an integer");
  }
  if (!std::isfinite(number) || std::floor(number) != number) throw argError(value, where, "an integer");
  return static_cast<int64_t>(number);
}

static double toDouble(const Napi::Value& value, const std::string& where) {
  double number;
  if (!numberOf(value, number)) throw argError(value, where, "a number");
  return number;
}

static at::Scalar toScalar(const Napi::Value& value, const std::string& where) {
  double number;
  if (!numberOf(value, number)) {
    if (value.IsBoolean()) return at::Scalar(value.As<Napi::Boolean>().Value());
    throw argError(value, where, "a number");
  }
  // Integral JS numbers act like Python ints (an int tensor times 2 stays int), others like floats.
  if (std::isfinite(number) && std::floor(number) == number && std::fabs(number) < 9.007199254740992e15)
    return at::Scalar(static_cast<int64_t>(number));
  return at::Scalar(number);
}

// Enum codes are range-checked here: libtorch casts them unchecked and indexes tables with them.
static int64_t toEnumCode(const Napi::Value& value, const std::string& where, const char* what, int64_t count) {
  int64_t code = toInt(value, where);
  if (code < 0 || code >= count) {
    throw Napi::RangeError::New(value.Env(), where + ": invalid " + what + " code " + std::to_string(code) +
                                                 " (valid: 0.." + std::to_string(count - 1) + ")");
  }
  return code;
}

at::ScalarType toScalarType(const Napi::Value& value, const std::string& where) {
  int64_t code = toEnumCode(value, where, "dtype", static_cast<int64_t>(at::ScalarType::NumOptions));
  if (code == static_cast<int64_t>(at::ScalarType::Undefined)) {
    throw Napi::RangeError::New(value.Env(), where + ": dtype code " + std::to_string(code) + " is Undefined");
  }
  return static_cast<at::ScalarType>(code);
}

static Napi::Array asArray(const Napi::Value& value, const std::string& where) {
  if (!value.IsArray()) throw argError(value, where, "an array");
  return value.As<Napi::Array>();
}

c10::IValue toIValue(const Napi::Value& value, const c10::TypePtr& type, const std::string& where) {
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      if (isNullish(value)) return c10::IValue();
      return toIValue(value, type->expectRef<c10::OptionalType>().getElementType(), where);
    case c10::TypeKind::TensorType:
      return unwrapTensor(value, where.c_str());
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
      return toInt(value, where);
    case c10::TypeKind::FloatType:
      return toDouble(value, where);
    case c10::TypeKind::BoolType:
      if (!value.IsBoolean()) throw argError(value, where, "a boolean");
      return value.As<Napi::Boolean>().Value();
    case c10::TypeKind::NumberType:
      return toScalar(value, where);
    case c10::TypeKind::StringType:
      if (!value.IsString()) throw argError(value, where, "a string");
      return value.As<Napi::String>().Utf8Value();
    case c10::TypeKind::DeviceObjType:
      if (!value.IsString()) throw argError(value, where, "a device string such as 'cpu' or 'cuda:0'");
      return c10::Device(value.As<Napi::String>().Utf8Value());
    case c10::TypeKind::GeneratorType:
      if (!value.IsNull() && !value.IsUndefined()) throw argError(value, where, "null (generators are global)");
      return c10::IValue();
    case c10::TypeKind::ListType: {
      const c10::TypePtr& element = type->expectRef<c10::ListType>().getElementType();
      // A single number where an int list is expected repeats it (kernel_size=3 means [3, 3]), as in PyTorch.
      if (!value.IsArray() &&
          (element->kind() == c10::TypeKind::IntType || element->kind() == c10::TypeKind::SymIntType)) {
        return c10::List<int64_t>({toInt(value, where)});
      }
      Napi::Array array = asArray(value, where);
      uint32_t length = array.Length();
      switch (element->kind()) {
        case c10::TypeKind::IntType:
        case c10::TypeKind::SymIntType: {
          c10::List<int64_t> list;
          list.reserve(length);
          for (uint32_t i = 0; i < length; ++i) list.push_back(toInt(array.Get(i), where));
          return list;
        }
        case c10::TypeKind::FloatType: {
          c10::List<double> list;
          for (uint32_t i = 0; i < length; ++i) list.push_back(toDouble(array.Get(i), where));
          return list;
        }
        case c10::TypeKind::BoolType: {
          c10::List<bool> list;
          for (uint32_t i = 0; i < length; ++i) list.push_back(array.Get(i).ToBoolean().Value());
          return list;
        }
        case c10::TypeKind::TensorType: {
          c10::List<at::Tensor> list;
          list.reserve(length);
          for (uint32_t i = 0; i < length; ++i) list.push_back(unwrapTensor(array.Get(i), where.c_str()));
          return list;
        }
        case c10::TypeKind::OptionalType: {
          c10::List<c10::optional<at::Tensor>> list;
          for (uint32_t i = 0; i < length; ++i) {
            Napi::Value item = array.Get(i);
            if (isNullish(item)) list.push_back(c10::nullopt);
            else list.push_back(unwrapTensor(item, where.c_str()));
          }
          return list;
        }
        default:
          throw Napi::TypeError::New(value.Env(), where + ": unsupported list type " + type->str());
      }
    }
    // ScalarType, Layout and MemoryFormat travel as their integer codes.
    case c10::TypeKind::ScalarTypeType:
      return static_cast<int64_t>(toScalarType(value, where));
    case c10::TypeKind::LayoutType:
      return toEnumCode(value, where, "layout", static_cast<int64_t>(c10::Layout::NumOptions));
    case c10::TypeKind::MemoryFormatType:
      return toEnumCode(value, where, "memory format", static_cast<int64_t>(c10::MemoryFormat::NumOptions));
    default:
      throw Napi::TypeError::New(value.Env(), where + ": unsupported argument type " + type->str());
  }
}

Napi::Value fromIValue(Napi::Env env, const c10::IValue& value) {
  if (value.isTensor()) return wrapTensor(env, value.toTensor());
  if (value.isNone()) return env.Null();
  if (value.isInt()) return Napi::Number::New(env, static_cast<double>(value.toInt()));
  if (value.isDouble()) return Napi::Number::New(env, value.toDouble());
  if (value.isBool()) return Napi::Boolean::New(env, value.toBool());
  if (value.isScalar()) {
    at::Scalar scalar = value.toScalar();
    if (scalar.isBoolean()) return Napi::Boolean::New(env, scalar.toBool());
    return Napi::Number::New(env, scalar.toDouble());
  }
  if (value.isTensorList()) {
    auto list = value.toTensorList();
    Napi::Array array = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) array.Set(static_cast<uint32_t>(i), wrapTensor(env, list.get(i)));
    return array;
  }
  if (value.isTuple()) {
    const auto& elements = value.toTupleRef().elements();
    Napi::Array array = Napi::Array::New(env, elements.size());
    for (size_t i = 0; i < elements.size(); ++i) array.Set(static_cast<uint32_t>(i), fromIValue(env, elements[i]));
    return array;
  }
  if (value.isList()) {
    auto list = value.toListRef();
    Napi::Array array = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) array.Set(static_cast<uint32_t>(i), fromIValue(env, list[i]));
    return array;
  }
  if (value.isString()) return Napi::String::New(env, value.toStringRef());
  throw Napi::TypeError::New(env, "unsupported return type " + value.tagKind());
}

std::vector<at::Tensor> tensorArray(const Napi::Value& value, const char* what, bool nullItems) {
  if (!value.IsArray()) throw Napi::TypeError::New(value.Env(), std::string(what) + ": expected an array of tensors");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<at::Tensor> tensors;
  tensors.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    if (nullItems && isNullish(item)) tensors.emplace_back();
    else tensors.push_back(unwrapTensor(item, what));
  }
  return tensors;
}

ScoredLayers scoredLayers(const Napi::Value& scoreArray, const Napi::Value& supportArray, const char* op) {
  const std::string name(op);
  ScoredLayers layers;
  std::vector<at::Tensor>& scores = layers.scores;
  std::vector<at::Tensor>& support = layers.support;
  scores = tensorArray(scoreArray, (name + " scores").c_str());
  if (!isNullish(supportArray)) support = tensorArray(supportArray, (name + " support").c_str());
  TORCH_CHECK(support.empty() || support.size() == scores.size(), op, ": ", support.size(), " support tensors for ",
              scores.size(), " score tensors");
  const at::ScalarType dtype = scores.empty() ? at::kDouble : scores[0].scalar_type();
  TORCH_CHECK(dtype == at::kDouble || dtype == at::kFloat, op, ": scores must be float32 or float64, got ", dtype);
  for (size_t l = 0; l < scores.size(); ++l) {
    TORCH_CHECK(scores[l].device().is_cpu(), op, ": scores must be on the CPU");
    TORCH_CHECK(scores[l].scalar_type() == dtype, op, ": scores of one dtype, got ", dtype, " and ",
                scores[l].scalar_type());
    scores[l] = scores[l].contiguous();
    if (support.empty()) continue;
    TORCH_CHECK(support[l].device().is_cpu() && support[l].scalar_type() == at::kBool, op,
                ": support must be bool tensors on the CPU");
    TORCH_CHECK(support[l].numel() == scores[l].numel(), op, ": support ", l, " has ", support[l].numel(),
                " entries, its scores ", scores[l].numel());
    support[l] = support[l].contiguous();
  }
  layers.dtype = dtype;
  return layers;
}

void exportFunctions(Napi::Env env, Napi::Object exports, std::initializer_list<Export> functions) {
  for (const Export& entry : functions) exports.Set(entry.name, Napi::Function::New(env, entry.function));
}

}  // namespace sketchprune
