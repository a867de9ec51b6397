// Pruning kernels that ATen has no single op for: the exact top-k among the surviving entries of many tensors,
// and zeroing a tensor where a bool mask is set. Plain loops over contiguous CPU memory, split across libtorch's
// threads. Composed from ATen ops, one top-k took a dozen passes over all scores (compares, logical ops, bool sums
// and nonzero, which are not vectorized in libtorch 1.13) plus large allocations: most of a SynFlow iteration
// on VGG-19. Here it is one pass over the scores and the support (plus a small sample and the few candidates).
#include "blocks.h"
#include "common.h"
#include <ATen/Parallel.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

namespace sketchprune {
namespace {

// Below this many entries every survivor is a candidate; above, a strided sample brackets the k-th largest.
constexpr int64_t kBracketAbove = 1 << 16;
// The sample: one entry in 16, at most 2^16 (a wider bracket only adds candidates, which are cheap).
constexpr int64_t kSampleSize = 1 << 16;
constexpr int64_t kSampleEvery = 16;

struct Candidate {
  int64_t offset;  // in its piece's layer
  double value;
};

struct PieceResult {
  size_t layer = 0;
  int64_t above = 0;            // survivors > hi (kept)
  int64_t lowTies = 0;          // survivors == lo
  int64_t nan = 0;              // NaN survivors
  std::vector<Candidate> band;  // survivors in (lo, hi], in flat order
};

// The hot loops: simple enough for the compiler to vectorize, and built twice (AVX2 and the baseline) with the
// best picked at load time: at the baseline's SSE2, a double compare packed into bytes costs 3× an AVX2 one.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SKETCHPRUNE_VECTOR_LOOP __attribute__((target_clones("avx2", "default"), optimize("O3")))
// Helpers of those loops, inlined into each clone (so compiled for its target).
#define SKETCHPRUNE_VECTOR_INLINE inline __attribute__((always_inline, optimize("O3")))
#else
#define SKETCHPRUNE_VECTOR_LOOP
#define SKETCHPRUNE_VECTOR_INLINE inline
#endif

// The main pass, per block of 64 entries: code = 1 where the entry survives and value > hi, 2 where it survives
// and lo <= value <= hi or value is NaN, else 0; the 1s are counted and flags[block] says whether the block holds a
// 2, in the same vector loop (the candidates are then collected from the flagged blocks alone). Blocks without a
// survivor are written as zeros without reading their scores: late in iterative pruning most blocks of the large
// layers are dead, and their scores are most of the memory traffic. float32 scores compare as floats (twice the
// lanes of a double compare): lo and hi are sample values of the same tensors or ±infinity, so they are floats
// exactly and the comparisons mean the same.
constexpr int64_t kBlock = 64;
template <typename scalar_t, bool withSupport>
SKETCHPRUNE_VECTOR_INLINE int64_t markBlock(const scalar_t* __restrict values, const uint8_t* __restrict keep,
                                            uint8_t* __restrict code, int64_t n, scalar_t low, scalar_t high,
                                            uint8_t& flag) {
  uint8_t ones = 0, any = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t mark = (values[i] > high) | ((!(values[i] < low) & !(values[i] > high)) << 1);
    const uint8_t c = withSupport ? mark & static_cast<uint8_t>(-keep[i]) : mark;
    code[i] = c;
    ones += c & 1;
    any |= c;
  }
  flag = any >> 1;
  return ones;
}
SKETCHPRUNE_VECTOR_INLINE bool anyKept(const uint8_t* keep) {
  uint64_t any = 0;
  for (int w = 0; w < kBlock / 8; ++w) {
    uint64_t word;
    std::memcpy(&word, keep + 8 * w, 8);
    any |= word;
  }
  return any != 0;
}
template <typename scalar_t>
SKETCHPRUNE_VECTOR_INLINE int64_t markBlocksT(const scalar_t* values, const uint8_t* keep, uint8_t* code,
                                              uint8_t* flags, int64_t n, double lo, double hi) {
  const scalar_t low = static_cast<scalar_t>(lo), high = static_cast<scalar_t>(hi);
  int64_t above = 0, i = 0, block = 0;
  for (; i < n; i += kBlock, ++block) {
    const int64_t size = std::min(kBlock, n - i);
    if (keep == nullptr) {
      above += size == kBlock
                   ? markBlock<scalar_t, false>(values + i, nullptr, code + i, kBlock, low, high, flags[block])
                   : markBlock<scalar_t, false>(values + i, nullptr, code + i, size, low, high, flags[block]);
    } else if (size < kBlock) {
      above += markBlock<scalar_t, true>(values + i, keep + i, code + i, size, low, high, flags[block]);
    } else if (anyKept(keep + i)) {
      above += markBlock<scalar_t, true>(values + i, keep + i, code + i, kBlock, low, high, flags[block]);
    } else {
      std::memset(code + i, 0, kBlock);
      flags[block] = 0;
    }
  }
  return above;
}
// Returns the number of 1 codes of n entries (keep: the support, or null for all); flags: one byte per block.
SKETCHPRUNE_VECTOR_LOOP int64_t markBlocks(const double* values, const uint8_t* keep, uint8_t* code, uint8_t* flags,
                                           int64_t n, double lo, double hi) {
  return markBlocksT(values, keep, code, flags, n, lo, hi);
}
SKETCHPRUNE_VECTOR_LOOP int64_t markBlocks(const float* values, const uint8_t* keep, uint8_t* code, uint8_t* flags,
                                           int64_t n, double lo, double hi) {
  return markBlocksT(values, keep, code, flags, n, lo, hi);
}
// How many bytes are 1 (bools: each byte 0 or 1).
int64_t countTrue(const uint8_t* bytes, int64_t n) {
  int64_t ones = 0;
  int64_t i = 0;
  while (i + 8 <= n) {
    uint64_t sum = 0;
    for (int block = 0; block < 255 && i + 8 <= n; ++block, i += 8) {
      uint64_t word;
      std::memcpy(&word, bytes + i, 8);
      sum += word & kLowBits;
    }
    ones += addBytes(sum);
  }
  for (; i < n; ++i) ones += bytes[i] & 1;
  return ones;
}
// Clears the bits of each entry whose mask is set: the entry is and-ed with all ones or all zeros (no branch, as
// masks are random). Zero bits are 0 (or +0.0) in every numeric dtype (word_t: an unsigned type of the entry's
// size). Masks of newly pruned weights are sparse, so blocks of 16 entries with nothing to clear are left unread
// and unwritten, which spares much of the weights' memory traffic; within a block the loops are vector code.
constexpr int64_t kZeroBlock = 64;
template <typename word_t>
SKETCHPRUNE_VECTOR_INLINE void zeroWhereT(word_t* __restrict target, const uint8_t* __restrict where, int64_t n) {
  int64_t i = 0;
  for (; i + kZeroBlock <= n; i += kZeroBlock) {
    uint8_t any = 0;
    for (int64_t j = 0; j < kZeroBlock; ++j) any |= where[i + j];
    if (any == 0) continue;
    for (int64_t j = 0; j < kZeroBlock; ++j)
      target[i + j] &= static_cast<word_t>(static_cast<word_t>(where[i + j]) - 1);
  }
  for (; i < n; ++i) target[i] &= static_cast<word_t>(static_cast<word_t>(where[i]) - 1);
}
// current = next, and the target cleared where current was true and next is false (the weights pruned by this
// step), in one pass that touches the target only in blocks where something was dropped.
template <typename word_t>
SKETCHPRUNE_VECTOR_INLINE void replaceAndZeroT(uint8_t* __restrict current, const uint8_t* __restrict next,
                                               word_t* __restrict target, int64_t n) {
  int64_t i = 0;
  for (; i + kZeroBlock <= n; i += kZeroBlock) {
    uint8_t any = 0;
    for (int64_t j = 0; j < kZeroBlock; ++j) any |= current[i + j] & static_cast<uint8_t>(next[i + j] ^ 1);
    if (any != 0) {
      for (int64_t j = 0; j < kZeroBlock; ++j)
        target[i + j] &= static_cast<word_t>(static_cast<word_t>(current[i + j] & (next[i + j] ^ 1)) - 1);
    }
    std::memcpy(current + i, next + i, kZeroBlock);
  }
  for (; i < n; ++i) {
    target[i] &= static_cast<word_t>(static_cast<word_t>(current[i] & (next[i] ^ 1)) - 1);
    current[i] = next[i];
  }
}
// One clone per entry size (the target_clones functions are not templates).
#define SKETCHPRUNE_ZERO_KERNELS(word_t)                                                                          \
  SKETCHPRUNE_VECTOR_LOOP void zeroWhere(word_t* target, const uint8_t* where, int64_t n) {                       \
    zeroWhereT(target, where, n);                                                                                 \
  }                                                                                                               \
  SKETCHPRUNE_VECTOR_LOOP void replaceAndZero(uint8_t* current, const uint8_t* next, word_t* target, int64_t n) { \
    replaceAndZeroT(current, next, target, n);                                                                    \
  }
SKETCHPRUNE_ZERO_KERNELS(uint64_t)
SKETCHPRUNE_ZERO_KERNELS(uint32_t)
SKETCHPRUNE_ZERO_KERNELS(uint16_t)
SKETCHPRUNE_ZERO_KERNELS(uint8_t)
#undef SKETCHPRUNE_ZERO_KERNELS
// Calls body(pointer) with the tensor's data as unsigned words of its entry size (1, 2, 4 or 8 bytes).
template <typename Body>
void asWords(const at::Tensor& tensor, const char* what, Body body) {
  void* data = tensor.data_ptr();
  switch (tensor.element_size()) {
    case 8:
      return body(static_cast<uint64_t*>(data));
    case 4:
      return body(static_cast<uint32_t*>(data));
    case 2:
      return body(static_cast<uint16_t*>(data));
    case 1:
      return body(static_cast<uint8_t*>(data));
    default:
      TORCH_CHECK(false, what, ": unsupported element size ", tensor.element_size());
  }
}

// target = |target * other|, in one pass (a score |g ⊙ w| from a gradient and its weights).
SKETCHPRUNE_VECTOR_LOOP void absMul(double* target, const double* other, int64_t n) {
  for (int64_t i = 0; i < n; ++i) target[i] = std::fabs(target[i] * other[i]);
}
SKETCHPRUNE_VECTOR_LOOP void absMul(float* target, const float* other, int64_t n) {
  for (int64_t i = 0; i < n; ++i) target[i] = std::fabs(target[i] * other[i]);
}

// dropped = current & !next; current = next (bools as bytes).
SKETCHPRUNE_VECTOR_LOOP void replaceMask(uint8_t* current, const uint8_t* next, uint8_t* dropped, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    dropped[i] = current[i] & static_cast<uint8_t>(next[i] ^ 1);
    current[i] = next[i];
  }
}

// One piece of the main pass: target = survivor and score > hi, counted; survivors in [lo, hi] and NaN survivors
// (a 2 in the target after the vector loop) are then collected from the flagged blocks, eight bytes at a time.
template <typename scalar_t>
int64_t markAbove(const scalar_t* values, const bool* keep, bool* target, int64_t begin, int64_t end, double lo,
                  double hi, PieceResult& out) {
  uint8_t* code = reinterpret_cast<uint8_t*>(target) + begin;
  const int64_t n = end - begin;
  uint8_t flags[kPieceSize / kBlock];
  const int64_t above =
      markBlocks(values + begin, keep == nullptr ? nullptr : reinterpret_cast<const uint8_t*>(keep) + begin, code,
                 flags, n, lo, hi);
  auto collect = [&](int64_t i) {
    code[i] = 0;
    const double value = static_cast<double>(values[begin + i]);
    if (value > lo) out.band.push_back({begin + i, value});
    else if (value == lo) out.lowTies += 1;
    else out.nan += 1;  // neither above hi nor below lo, nor at or above lo: NaN
  };
  for (int64_t block = 0; block * kBlock < n; ++block) {
    if (flags[block] == 0) continue;
    const int64_t stop = std::min(n, (block + 1) * kBlock);
    int64_t i = block * kBlock;
    for (; i + 8 <= stop; i += 8) {
      uint64_t word;
      std::memcpy(&word, code + i, 8);
      for (uint64_t twos = (word >> 1) & kLowBits; twos != 0; twos &= twos - 1) collect(i + __builtin_ctzll(twos) / 8);
    }
    for (; i < stop; ++i)
      if (code[i] == 2) collect(i);
  }
  return above;
}

struct TopKResult {
  std::vector<at::Tensor> masks;
  std::vector<int64_t> counts;
  int64_t nanLayer = -1;
  int64_t nanCount = 0;
};

template <typename scalar_t>
TopKResult topKAmongSurvivors(const std::vector<at::Tensor>& scores, const std::vector<at::Tensor>& support, int64_t k,
                              int64_t knownSurvivors) {
  const size_t layers = scores.size();
  std::vector<const scalar_t*> data(layers);
  std::vector<const bool*> kept(layers, nullptr);
  std::vector<int64_t> sizes(layers);
  TopKResult result;
  std::vector<bool*> mask(layers);
  for (size_t l = 0; l < layers; ++l) {
    data[l] = scores[l].data_ptr<scalar_t>();
    if (!support.empty()) kept[l] = support[l].data_ptr<bool>();
    sizes[l] = scores[l].numel();
    result.masks.push_back(at::empty(scores[l].sizes(), at::TensorOptions().dtype(at::kBool)));
    mask[l] = result.masks.back().data_ptr<bool>();
  }
  const std::vector<Piece> pieces = splitIntoPieces(sizes, kPieceSize);
  const int64_t pieceCount = static_cast<int64_t>(pieces.size());
  auto isKept = [&](size_t l, int64_t i) { return kept[l] == nullptr || kept[l][i]; };

  int64_t survivors = 0;
  if (support.empty()) {
    for (int64_t size : sizes) survivors += size;
  } else if (knownSurvivors >= 0) {
    survivors = knownSurvivors;  // the caller keeps the count (the pruning loop): no pass over the support
  } else {
    std::vector<int64_t> pieceSurvivors(pieces.size(), 0);
    at::parallel_for(0, pieceCount, 1, [&](int64_t first, int64_t last) {
      for (int64_t p = first; p < last; ++p) {
        const Piece& piece = pieces[p];
        pieceSurvivors[p] =
            countTrue(reinterpret_cast<const uint8_t*>(kept[piece.layer]) + piece.begin, piece.end - piece.begin);
      }
    });
    for (int64_t count : pieceSurvivors) survivors += count;
  }
  TORCH_CHECK(k >= 0 && k <= survivors, "top-k: k must be in [0, ", survivors, "] (the survivors), got ", k);

  // The bracket [lo, hi] around the k-th largest survivor, from a strided sample with a margin of 4.5 binomial
  // standard deviations (as a miss only costs a second pass with every survivor a candidate, it never changes
  // the result). Two order statistics of the sample suffice, so no sort.
  constexpr double inf = std::numeric_limits<double>::infinity();
  double lo = -inf, hi = inf;
  int64_t total = 0;
  for (int64_t size : sizes) total += size;
  if (k == survivors) {
    lo = hi = -inf;  // every survivor: those above -inf, then ties at -inf (none scanned when there are none)
  } else if (k == 0) {
    lo = hi = inf;  // none: the pass only looks for NaN
  } else if (total > kBracketAbove) {
    // every stride-th entry of the flat index space, gathered by the pieces in parallel
    const int64_t stride = std::max<int64_t>(kSampleEvery, total / kSampleSize);
    std::vector<int64_t> layerStart(layers, 0);
    for (size_t l = 1; l < layers; ++l) layerStart[l] = layerStart[l - 1] + sizes[l - 1];
    std::vector<std::vector<double>> pieceSamples(pieces.size());
    at::parallel_for(0, pieceCount, 1, [&](int64_t first, int64_t last) {
      for (int64_t p = first; p < last; ++p) {
        const Piece& piece = pieces[p];
        const size_t l = piece.layer;
        std::vector<double>& out = pieceSamples[p];
        out.reserve(static_cast<size_t>((piece.end - piece.begin) / stride + 1));
        for (int64_t i = piece.begin + (stride - (layerStart[l] + piece.begin) % stride) % stride; i < piece.end;
             i += stride) {
          const double value = static_cast<double>(data[l][i]);
          if (isKept(l, i) && !std::isnan(value)) out.push_back(value);
        }
      }
    });
    std::vector<double> sample;
    sample.reserve(static_cast<size_t>(total / stride + 1));
    for (const std::vector<double>& out : pieceSamples) sample.insert(sample.end(), out.begin(), out.end());
    const int64_t m = static_cast<int64_t>(sample.size());
    if (m >= 64) {
      const double fraction = static_cast<double>(k) / static_cast<double>(survivors);
      const double center = fraction * static_cast<double>(m);
      // 4.5 binomial standard deviations: a miss (probability ~1e-5 for i.i.d. samples) costs one more pass
      const double margin = 4.5 * std::sqrt(static_cast<double>(m) * fraction * (1 - fraction)) + 8;
      // rank r from the top (0-based) of the sample; called with increasing ranks, each searches only the entries
      // the previous one left below its rank
      int64_t searched = 0;
      auto fromTop = [&](double rank) {
        const int64_t r = std::min<int64_t>(m - 1, std::max<int64_t>(searched, std::llround(rank)));
        std::nth_element(sample.begin() + searched, sample.begin() + r, sample.end(), std::greater<double>());
        searched = r + 1;
        return sample[static_cast<size_t>(r)];
      };
      if (center - margin > 0) hi = fromTop(center - margin);
      if (center + margin < static_cast<double>(m - 1)) lo = fromTop(center + margin);
      if (!(lo <= hi)) {
        lo = -inf;
        hi = inf;
      }
    }
  }

  std::vector<int64_t> layerAbove(layers, 0);
  std::vector<PieceResult> pieceResults;
  int64_t above = 0, bandCount = 0, lowTies = 0;
  for (int attempt = 0;; ++attempt) {
    pieceResults.assign(pieces.size(), PieceResult());
    at::parallel_for(0, pieceCount, 1, [&](int64_t first, int64_t last) {
      for (int64_t p = first; p < last; ++p) {
        const Piece& piece = pieces[p];
        PieceResult& out = pieceResults[p];
        out.layer = piece.layer;
        const scalar_t* values = data[piece.layer];
        const bool* keep = kept[piece.layer];
        bool* target = mask[piece.layer];
        out.above = markAbove(values, keep, target, piece.begin, piece.end, lo, hi, out);
      }
    });
    std::fill(layerAbove.begin(), layerAbove.end(), 0);
    above = bandCount = lowTies = 0;
    std::vector<int64_t> layerNaN(layers, 0);
    for (size_t p = 0; p < pieces.size(); ++p) {
      const PieceResult& out = pieceResults[p];
      layerAbove[pieces[p].layer] += out.above;
      layerNaN[pieces[p].layer] += out.nan;
      above += out.above;
      bandCount += static_cast<int64_t>(out.band.size());
      lowTies += out.lowTies;
    }
    for (size_t l = 0; l < layers; ++l) {
      if (layerNaN[l] > 0) {
        result.nanLayer = static_cast<int64_t>(l);
        result.nanCount = layerNaN[l];
        return result;
      }
    }
    const int64_t rank = k - above;  // how many to take below hi
    if (rank >= 0 && rank <= bandCount + lowTies) break;
    TORCH_CHECK(attempt == 0, "top-k: internal error, the full pass missed the k-th largest");
    lo = -inf;  // the sample missed: every survivor becomes a candidate
    hi = inf;
  }

  result.counts = layerAbove;
  int64_t rank = k - above;
  auto take = [&](size_t layer, int64_t offset) {
    mask[layer][offset] = true;
    result.counts[layer] += 1;
  };
  if (rank <= bandCount) {
    if (rank > 0) {
      // The rank-th largest candidate is the threshold: take those above it, then ties in flat order. The pieces
      // keep their own candidates: each counts its ties, a prefix over pieces (flat order) says how many ties each
      // takes, and the pieces mark their masks in parallel.
      std::vector<double> values;
      values.reserve(static_cast<size_t>(bandCount));
      for (const PieceResult& out : pieceResults)
        for (const Candidate& candidate : out.band) values.push_back(candidate.value);
      std::nth_element(values.begin(), values.begin() + (rank - 1), values.end(), std::greater<double>());
      const double threshold = values[static_cast<size_t>(rank - 1)];
      std::vector<int64_t> greater(pieces.size(), 0), equal(pieces.size(), 0), taken(pieces.size(), 0);
      at::parallel_for(0, pieceCount, 1, [&](int64_t first, int64_t last) {
        for (int64_t p = first; p < last; ++p) {
          for (const Candidate& candidate : pieceResults[p].band) {
            greater[p] += candidate.value > threshold;
            equal[p] += candidate.value == threshold;
          }
        }
      });
      int64_t ties = rank;
      for (int64_t count : greater) ties -= count;
      std::vector<int64_t> tiesTaken(pieces.size(), 0);
      for (size_t p = 0; p < pieces.size() && ties > 0; ++p) {
        tiesTaken[p] = std::min(ties, equal[p]);
        ties -= tiesTaken[p];
      }
      at::parallel_for(0, pieceCount, 1, [&](int64_t first, int64_t last) {
        for (int64_t p = first; p < last; ++p) {
          int64_t tiesLeft = tiesTaken[p];
          bool* target = mask[pieces[p].layer];
          for (const Candidate& candidate : pieceResults[p].band) {
            const bool yes = candidate.value > threshold || (candidate.value == threshold && tiesLeft-- > 0);
            target[candidate.offset] = yes;
            taken[p] += yes;
          }
        }
      });
      for (size_t p = 0; p < pieces.size(); ++p) result.counts[pieces[p].layer] += taken[p];
    }
  } else {
    // every candidate, then the first survivors equal to lo in flat order
    for (size_t p = 0; p < pieces.size(); ++p)
      for (const Candidate& candidate : pieceResults[p].band) take(pieces[p].layer, candidate.offset);
    int64_t needed = rank - bandCount;
    for (size_t l = 0; l < layers && needed > 0; ++l) {
      for (int64_t i = 0; i < sizes[l] && needed > 0; ++i) {
        if (isKept(l, i) && static_cast<double>(data[l][i]) == lo) {
          take(l, i);
          --needed;
        }
      }
    }
  }
  return result;
}

// A pairwise in-place kernel's arguments: body(i, target, partner) for each target of info[0] and its partner in
// info[1] (an array of the same length; errors read "<op>: <n> <partners> for <m> <targets>").
template <typename Body>
void eachPair(const Napi::CallbackInfo& info, const std::string& op, const char* targets, const char* partners,
              Body body) {
  std::vector<at::Tensor> first = tensorArray(info[0], (op + " " + targets).c_str());
  std::vector<at::Tensor> second = tensorArray(info[1], (op + " " + partners).c_str());
  TORCH_CHECK(first.size() == second.size(), op, ": ", second.size(), " ", partners, " for ", first.size(), " ",
              targets);
  for (size_t i = 0; i < first.size(); ++i) body(i, first[i], second[i]);
}

// Runs kernel(first, last) over blocks of a contiguous target in parallel and bumps its version (autograd sees the
// write); a strided target takes strided() instead (an ATen op, which bumps it itself).
template <typename Strided, typename Kernel>
void inPlace(at::Tensor& target, Strided strided, Kernel kernel) {
  if (!target.is_contiguous()) return strided();
  at::parallel_for(0, target.numel(), 1 << 16, kernel);
  target.unsafeGetTensorImpl()->bump_version();
}

}  // namespace

// survivorTopK(scores, support | null, k) -> [masks, counts, nanLayer, nanCount]: bool masks (shaped like the
// scores) keeping exactly the k largest scores among the entries whose support is true, ties taken in flat order
// (layer order, then row-major). With NaN among the survivors: no masks, nanLayer = the first such layer.
static Napi::Value SurvivorTopK(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  ScoredLayers layers = scoredLayers(info[0], info[1], "survivorTopK");
  const std::vector<at::Tensor>& scores = layers.scores;
  const std::vector<at::Tensor>& support = layers.support;
  const int64_t k = toInt(info[2], "survivorTopK k");
  TORCH_CHECK(!scores.empty(), "survivorTopK: no score tensors");
  const at::ScalarType dtype = layers.dtype;
  const int64_t knownSurvivors =
      info.Length() > 3 && !isNullish(info[3]) ? toInt(info[3], "survivorTopK survivors") : -1;
  TopKResult result = dtype == at::kDouble ? topKAmongSurvivors<double>(scores, support, k, knownSurvivors)
                                           : topKAmongSurvivors<float>(scores, support, k, knownSurvivors);
  Napi::Array masks = Napi::Array::New(env);
  Napi::Array counts = Napi::Array::New(env);
  if (result.nanLayer < 0) {
    for (size_t l = 0; l < result.masks.size(); ++l) {
      masks.Set(static_cast<uint32_t>(l), wrapTensor(env, result.masks[l]));
      counts.Set(static_cast<uint32_t>(l), static_cast<double>(result.counts[l]));
    }
  }
  Napi::Array output = Napi::Array::New(env, 4);
  output.Set(0u, masks);
  output.Set(1u, counts);
  output.Set(2u, static_cast<double>(result.nanLayer));
  output.Set(3u, static_cast<double>(result.nanCount));
  return output;
  SKETCHPRUNE_GUARD_END(env, "survivorTopK")
}

// zeroWhere_(tensors, masks): tensor[mask] = 0 in place, for CPU tensors and bool masks of equal size (ATen's
// masked_fill_ runs an unvectorized loop, several times slower on large weights; it still serves strided tensors).
static Napi::Value ZeroWhere(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  eachPair(info, "zeroWhere_", "tensors", "masks", [](size_t i, at::Tensor& tensor, const at::Tensor& given) {
    TORCH_CHECK(tensor.device().is_cpu(), "zeroWhere_: tensor ", i, " must be a CPU tensor");
    TORCH_CHECK(given.device().is_cpu() && given.scalar_type() == at::kBool, "zeroWhere_: mask ", i,
                " must be a bool CPU tensor");
    TORCH_CHECK(given.numel() == tensor.numel(), "zeroWhere_: mask ", i, " has ", given.numel(),
                " entries, its tensor ", tensor.numel());
    const at::Tensor mask = given.contiguous();
    const uint8_t* where = reinterpret_cast<const uint8_t*>(mask.data_ptr<bool>());
    inPlace(
        tensor, [&] { tensor.masked_fill_(mask.view(tensor.sizes()), 0); },
        [&](int64_t first, int64_t last) {
          asWords(tensor, "zeroWhere_", [&](auto* target) { zeroWhere(target + first, where + first, last - first); });
        });
  });
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, "zeroWhere_")
}

// absMul_(targets, others): target = |target ⊙ other| in place, for float32/float64 CPU tensors of one shape and
// dtype per pair, in one pass where ATen's mul_ then abs_ read and write every element twice.
static Napi::Value AbsMul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  eachPair(info, "absMul_", "targets", "factors", [](size_t i, at::Tensor& target, const at::Tensor& factor) {
    const at::ScalarType dtype = target.scalar_type();
    TORCH_CHECK(target.device().is_cpu() && (dtype == at::kDouble || dtype == at::kFloat), "absMul_: target ", i,
                " must be a float32 or float64 CPU tensor");
    TORCH_CHECK(factor.device().is_cpu() && factor.scalar_type() == dtype && factor.sizes() == target.sizes(),
                "absMul_: factor ", i, " must be a CPU tensor of its target's dtype and shape");
    const at::Tensor other = factor.contiguous();
    inPlace(
        target, [&] { target.mul_(other).abs_(); },
        [&](int64_t first, int64_t last) {
          if (dtype == at::kDouble)
            absMul(target.data_ptr<double>() + first, other.data_ptr<double>() + first, last - first);
          else absMul(target.data_ptr<float>() + first, other.data_ptr<float>() + first, last - first);
        });
  });
  return env.Undefined();
  SKETCHPRUNE_GUARD_END(env, "absMul_")
}

// replaceMasks_(current, next, zero?) -> dropped: for bool CPU tensors of equal size, copies each next mask into
// its current one and returns the entries that were true and are now false, all in one pass and one parallel region
// (three ATen ops per layer before: logical_not, logical_and, copy_). With `zero` (CPU tensors of the masks' sizes,
// any dtype): zeroes their entries that were dropped in the same pass, reading them only in blocks where something
// was dropped, and returns no masks (the pruning loop's support update and weight zeroing in one pass).
static Napi::Value ReplaceMasks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  std::vector<at::Tensor> current = tensorArray(info[0], "replaceMasks_ current");
  std::vector<at::Tensor> next = tensorArray(info[1], "replaceMasks_ next");
  std::vector<at::Tensor> zero;
  const bool zeroing = info.Length() > 2 && !isNullish(info[2]);
  if (zeroing) zero = tensorArray(info[2], "replaceMasks_ zero");
  TORCH_CHECK(current.size() == next.size(), "replaceMasks_: ", next.size(), " new masks for ", current.size(),
              " masks");
  TORCH_CHECK(!zeroing || zero.size() == current.size(), "replaceMasks_: ", zero.size(), " tensors to zero for ",
              current.size(), " masks");
  std::vector<at::Tensor> dropped;
  std::vector<int64_t> sizes;
  std::vector<bool> strided(current.size(), false);  // tensors to zero that are not contiguous: ATen after the pass
  for (size_t i = 0; i < current.size(); ++i) {
    TORCH_CHECK(current[i].device().is_cpu() && current[i].scalar_type() == at::kBool && current[i].is_contiguous(),
                "replaceMasks_: mask ", i, " must be a contiguous bool CPU tensor");
    TORCH_CHECK(
        next[i].device().is_cpu() && next[i].scalar_type() == at::kBool && next[i].numel() == current[i].numel(),
        "replaceMasks_: new mask ", i, " must be a bool CPU tensor of ", current[i].numel(), " entries");
    next[i] = next[i].contiguous();
    sizes.push_back(current[i].numel());
    if (!zeroing) {
      dropped.push_back(at::empty(current[i].sizes(), at::TensorOptions().dtype(at::kBool)));
      continue;
    }
    TORCH_CHECK(zero[i].device().is_cpu() && zero[i].numel() == current[i].numel(), "replaceMasks_: tensor ", i,
                " to zero must be a CPU tensor of ", current[i].numel(), " entries");
    TORCH_CHECK(zero[i].element_size() <= 8, "replaceMasks_: unsupported element size ", zero[i].element_size());
    if (!zero[i].is_contiguous()) {
      strided[i] = true;
      zero[i].masked_fill_(at::logical_and(current[i], at::logical_not(next[i])).view(zero[i].sizes()), 0);
    }
  }
  const std::vector<Piece> pieces = splitIntoPieces(sizes, kPieceSize);
  at::parallel_for(0, static_cast<int64_t>(pieces.size()), 1, [&](int64_t first, int64_t last) {
    for (int64_t p = first; p < last; ++p) {
      const Piece& piece = pieces[p];
      const int64_t n = piece.end - piece.begin;
      auto bytes = [&](const at::Tensor& tensor) {
        return reinterpret_cast<uint8_t*>(tensor.data_ptr<bool>()) + piece.begin;
      };
      uint8_t* was = bytes(current[piece.layer]);
      const uint8_t* now = bytes(next[piece.layer]);
      if (!zeroing) replaceMask(was, now, bytes(dropped[piece.layer]), n);
      else if (strided[piece.layer]) std::memcpy(was, now, static_cast<size_t>(n));
      else
        asWords(zero[piece.layer], "replaceMasks_",
                [&](auto* target) { replaceAndZero(was, now, target + piece.begin, n); });
    }
  });
  for (size_t i = 0; i < current.size(); ++i) {
    current[i].unsafeGetTensorImpl()->bump_version();
    if (zeroing && !strided[i]) zero[i].unsafeGetTensorImpl()->bump_version();
  }
  Napi::Array result = Napi::Array::New(env, dropped.size());
  for (size_t i = 0; i < dropped.size(); ++i) result.Set(static_cast<uint32_t>(i), wrapTensor(env, dropped[i]));
  return result;
  SKETCHPRUNE_GUARD_END(env, "replaceMasks_")
}

void registerSelection(Napi::Env env, Napi::Object exports) {
  exportFunctions(env, exports,
                  {{"replaceMasks_", ReplaceMasks},
                   {"absMul_", AbsMul},
                   {"survivorTopK", SurvivorTopK},
                   {"zeroWhere_", ZeroWhere}});
}

}  // namespace sketchprune
