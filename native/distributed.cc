// torch.distributed's c10d from libtorch: one process group per process (Gloo: CPU tensors, and CUDA tensors in
// CUDA builds of Gloo) over a rendezvous store (TCPStore or FileStore). Collectives run on Gloo's own worker
// threads; the JS thread waits for them with the group's timeout, so a dead or stuck peer ends in a libtorch
// error (a JS Error), never a hang. Compiled only when the libtorch build ships Gloo's headers
// (SKETCHPRUNE_HAVE_GLOO, set by native/locate-libtorch.cjs); otherwise every function throws a clear error.
#include "common.h"
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#if SKETCHPRUNE_HAVE_GLOO
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace sketchprune {

#if SKETCHPRUNE_HAVE_GLOO
namespace {

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  int rank = 0;
  int worldSize = 1;
  std::chrono::milliseconds timeout{60000};
};
std::unique_ptr<Group>& current() {
  static std::unique_ptr<Group> value;
  return value;
}

Group& requireGroup(Napi::Env env, const char* what) {
  if (!current()) throw Napi::Error::New(env, std::string(what) + ": no process group (call distInit first)");
  return *current();
}

std::string stringField(const Napi::Object& options, const char* name, const std::string& fallback = "") {
  Napi::Value value = options.Get(name);
  return value.IsString() ? value.As<Napi::String>().Utf8Value() : fallback;
}

int64_t intField(const Napi::Object& options, const char* name, const std::string& where) {
  return toInt(options.Get(name), where + " " + name);
}

// An array of contiguous tensors (the collectives need them).
std::vector<at::Tensor> tensorList(const Napi::Value& value, const char* what) {
  std::vector<at::Tensor> tensors = tensorArray(value, what);
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i].is_contiguous()) {
      throw Napi::Error::New(value.Env(), std::string(what) + ": tensor " + std::to_string(i) + " is not contiguous");
    }
  }
  return tensors;
}

// Waits for every work item; the first failure is rethrown after all have ended (none is left running with a
// tensor that JS may free).
void waitAll(std::vector<c10::intrusive_ptr<c10d::Work>>& works) {
  std::exception_ptr first;
  for (auto& work : works) {
    try {
      work->wait();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

// Queues `collective` on each tensor by itself (Gloo's threads run them concurrently), then waits for all.
template <typename Collective>
void eachTensor(std::vector<at::Tensor>& tensors, Collective collective) {
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (at::Tensor& tensor : tensors) {
    std::vector<at::Tensor> one{tensor};
    works.push_back(collective(one));
  }
  waitAll(works);
}

c10d::ReduceOp reduceOp(Napi::Env env, const std::string& name) {
  if (name == "sum") return c10d::ReduceOp(c10d::ReduceOp::SUM);
  if (name == "max") return c10d::ReduceOp(c10d::ReduceOp::MAX);
  if (name == "min") return c10d::ReduceOp(c10d::ReduceOp::MIN);
  throw Napi::RangeError::New(env, "distAllReduce: op must be 'sum', 'max' or 'min', got '" + name + "'");
}

c10d::AllreduceOptions allReduceOptions(const Napi::CallbackInfo& info) {
  c10d::AllreduceOptions options;
  options.reduceOp = reduceOp(info.Env(), info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "sum");
  return options;
}

c10d::BroadcastOptions broadcastOptions(const Napi::CallbackInfo& info) {
  c10d::BroadcastOptions options;
  options.rootRank = toInt(info[1], "distBroadcast root");
  return options;
}

// The entry point of a collective on each tensor of info[0] in place (contiguous tensors), with makeOptions(info) and
// the group's timeout.
template <typename Options>
Napi::Value eachTensorEntry(
    const Napi::CallbackInfo& info, const char* op, Options (*makeOptions)(const Napi::CallbackInfo&),
    c10::intrusive_ptr<c10d::Work> (c10d::ProcessGroupGloo::*collective)(std::vector<at::Tensor>&, const Options&)) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  Group& group = requireGroup(env, op);
  std::vector<at::Tensor> tensors = tensorList(info[0], op);
  Options options = makeOptions(info);
  options.timeout = group.timeout;
  eachTensor(tensors, [&](std::vector<at::Tensor>& one) { return ((*group.group).*collective)(one, options); });
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, op)
}

}  // namespace

// distInit({store: 'tcp'|'file', host, port, path, rank, worldSize, timeoutMs, ifname?, hostname?}):
// rendezvous through the store (rank 0 serves the TCPStore), then a Gloo process group over it.
static Napi::Value DistInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  if (current()) throw Napi::Error::New(env, "distInit: a process group already exists in this process");
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "distInit: expected an options object");
  Napi::Object options = info[0].As<Napi::Object>();
  auto group = std::make_unique<Group>();
  group->rank = static_cast<int>(intField(options, "rank", "distInit"));
  group->worldSize = static_cast<int>(intField(options, "worldSize", "distInit"));
  group->timeout = std::chrono::milliseconds(intField(options, "timeoutMs", "distInit"));
  if (group->worldSize < 1 || group->rank < 0 || group->rank >= group->worldSize) {
    throw Napi::RangeError::New(env, "distInit: need 0 <= rank < worldSize");
  }
  const std::string kind = stringField(options, "store", "tcp");
  c10::intrusive_ptr<c10d::Store> store;
  if (kind == "tcp") {
    c10d::TCPStoreOptions storeOptions;
    storeOptions.port = static_cast<std::uint16_t>(intField(options, "port", "distInit"));
    storeOptions.isServer = group->rank == 0;
    storeOptions.numWorkers = static_cast<std::size_t>(group->worldSize);
    storeOptions.waitWorkers = true;
    storeOptions.timeout = group->timeout;
    store = c10::make_intrusive<c10d::TCPStore>(stringField(options, "host", "127.0.0.1"), storeOptions);
  } else if (kind == "file") {
    store = c10::make_intrusive<c10d::FileStore>(stringField(options, "path"), group->worldSize);
    store->setTimeout(group->timeout);
  } else {
    throw Napi::RangeError::New(env, "distInit: store must be 'tcp' or 'file', got '" + kind + "'");
  }
  group->store = c10::make_intrusive<c10d::PrefixStore>("sketchprune/gloo", store);
  auto glooOptions = c10d::ProcessGroupGloo::Options::create(group->timeout);
  const std::string ifname = stringField(options, "ifname");
  const std::string hostname = stringField(options, "hostname");
  if (!ifname.empty()) glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  else if (!hostname.empty()) glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(hostname));
  else glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  glooOptions->threads = 2;
  group->group = c10::make_intrusive<c10d::ProcessGroupGloo>(group->store, group->rank, group->worldSize, glooOptions);
  current() = std::move(group);
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, "distInit")
}

static Napi::Value DistDestroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  current().reset();
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, "distDestroy")
}

// distAllReduce(tensors, op): each tensor in place, reduced over all ranks; the collectives are queued together
// (Gloo's threads run them concurrently) and all are waited for.
static Napi::Value DistAllReduce(const Napi::CallbackInfo& info) {
  return eachTensorEntry(info, "distAllReduce", allReduceOptions, &c10d::ProcessGroupGloo::allreduce);
}

// distBroadcast(tensors, root): each tensor in place, from rank `root` to every rank.
static Napi::Value DistBroadcast(const Napi::CallbackInfo& info) {
  return eachTensorEntry(info, "distBroadcast", broadcastOptions, &c10d::ProcessGroupGloo::broadcast);
}

static Napi::Value DistBarrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  Group& group = requireGroup(env, "distBarrier");
  c10d::BarrierOptions options;
  options.timeout = group.timeout;
  std::vector<c10::intrusive_ptr<c10d::Work>> works{group.group->barrier(options)};
  waitAll(works);
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, "distBarrier")
}

static Napi::Value DistAvailable(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), true); }

#else  // no Gloo headers in this libtorch build

static Napi::Value Unavailable(const Napi::CallbackInfo& info) {
  throw Napi::Error::New(info.Env(),
                         "this libtorch build has no c10d/Gloo (its include directory lacks gloo/ headers); "
                         "data-parallel training needs a libtorch with Gloo (Debian: apt-get install libgloo-dev)");
}
static Napi::Value DistAvailable(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), false); }
#define DistInit Unavailable
#define DistDestroy Unavailable
#define DistAllReduce Unavailable
#define DistBroadcast Unavailable
#define DistBarrier Unavailable

#endif

void registerDistributed(Napi::Env env, Napi::Object exports) {
  exportFunctions(env, exports,
                  {{"distAvailable", DistAvailable},
                   {"distInit", DistInit},
                   {"distDestroy", DistDestroy},
                   {"distAllReduce", DistAllReduce},
                   {"distBroadcast", DistBroadcast},
                   {"distBarrier", DistBarrier}});
}

}  // namespace sketchprune
