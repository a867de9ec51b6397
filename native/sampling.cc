// Weighted sampling without replacement, per layer, for the paper's randomized masks (sketch-random, Section 8):
// in each layer exactly k of the eligible entries, drawn one after another with probability proportional to
// max(score, 0) among those not drawn yet. Efraimidis & Spirakis (2006): with E_i ~ Exp(1) independent, the k
// smallest keys E_i / w_i are distributed exactly as those k successive draws. Entries of weight 0 (score ≤ 0 or
// NaN) come after every positive one, in uniformly random order: they fill a layer with fewer than k positive
// scores. Before this kernel the keys were float64 tensors (a dozen ATen passes) and a top-k over each layer.
//
// Here one pass over the scores and the support compares each eligible entry's key with a bracket [lo, hi] around
// the k-th smallest key, estimated from a random sample of the layer's keys: keys below lo are kept, the few inside
// are candidates, whose own order (an nth_element) decides the rest. A bracket that misses only costs a second pass
// with every key a candidate; the result never depends on the bracket. The uniforms come from a counter-based
// generator (SplitMix64's output function of seed, layer and position), so the key of an entry is a function of its
// position: the sample sees the very keys of the pass, the pass can be split over threads in any way, and a seed
// gives the same masks whatever the thread count. The seed is one draw from libtorch's default CPU generator, so
// manualSeed makes runs reproducible.
// The whole file, headers included, at -O3 (the hot loops vectorize only with their helpers inlined, and GCC inlines
// only between functions of equal optimization settings, the std algorithms' comparators too), and without fused
// multiply-adds: each operation rounded on its own, a key is the same number in the AVX-512, AVX2 and scalar code,
// so the masks do not depend on the machine.
#pragma GCC optimize("O3", "fp-contract=off")
#include "blocks.h"
#include "common.h"
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif
#include <limits>
#include <mutex>
#include <string>
#include <vector>

namespace sketchprune {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr uint64_t kGamma = 0x9e3779b97f4a7c15ull;  // SplitMix64's increment
// Pieces of kPieceSize entries are the unit of parallel work; up to kSerialUpTo entries in all, one thread.
constexpr int64_t kSerialUpTo = 1 << 19;
// Layers with more entries than this get a bracket from a sample of keys; smaller layers take every key as a
// candidate. The sample size balances its cost against the candidates' (the bracket's width shrinks as 1/√m):
// 2·n^(2/3), within [2^8, 2^15].
constexpr int64_t kBracketAbove = 1 << 11;
inline int64_t sampleSize(int64_t n) {
  const double size = 2 * std::cbrt(static_cast<double>(n) * static_cast<double>(n));
  return std::clamp<int64_t>(std::llround(size), 1 << 8, 1 << 15);
}

// SplitMix64's output function: a bijection of 64-bit words; its values at consecutive multiples of kGamma are
// SplitMix64's stream, which passes BigCrush.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
// The i-th word of a stream.
inline uint64_t wordAt(uint64_t stream, int64_t i) { return mix64(stream + static_cast<uint64_t>(i + 1) * kGamma); }

inline double bitsToDouble(uint64_t bits) {
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}
inline uint64_t doubleToBits(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}
// A uniform is (y + 1/2)·2^-52 for the top 52 bits y of a word: in (0, 1), never 0 or 1. unitScaled returns y + 1/2
// in (0, 2^52), exactly, through the bits of a double (AVX2 has no int64 → double conversion).
inline double unitScaled(uint64_t word) { return bitsToDouble((word >> 12) | 0x4330000000000000ull) - 0x1p52 + 0.5; }
inline double uniformAt(uint64_t stream, int64_t i) { return unitScaled(wordAt(stream, i)) * 0x1p-52; }

// The exponential −log(uniform), from unitScaled's y, to about an ulp, branch-free so that it vectorizes (libm's log
// does not): y = 2^e·m with m in [√½, √2), ln m = 2 atanh t = 2(t + t³/3 + … + t¹⁹/19) with t = (m−1)/(m+1),
// |t| < 0.172, whose dropped terms sum to under 1e-17, and −log(y·2^-52) = (52 − e)·ln 2 − ln m. Checked against
// libm's log in the tests.
constexpr double kLn2 = 0.6931471805599453;
inline double exponentialOf(double y) {
  const uint64_t bits = doubleToBits(y);
  uint64_t mantissa = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;  // m in [1, 2)
  const uint64_t big = mantissa > 0x3FF6A09E667F3BCCull;                       // m > √2: halve it
  mantissa -= big << 52;
  const double m = bitsToDouble(mantissa);
  // 52 − e, with the exponent from the bits (1075 = 1023 + 52) through a double's bits: no int64 → double
  const double k = (0x1p52 + 1075) - bitsToDouble(((bits >> 52) + big) | 0x4330000000000000ull);
  const double t = (m - 1) / (m + 1), t2 = t * t;
  double series = 1.0 / 19;
  series = 1.0 / 17 + t2 * series;
  series = 1.0 / 15 + t2 * series;
  series = 1.0 / 13 + t2 * series;
  series = 1.0 / 11 + t2 * series;
  series = 1.0 / 9 + t2 * series;
  series = 1.0 / 7 + t2 * series;
  series = 1.0 / 5 + t2 * series;
  series = 1.0 / 3 + t2 * series;
  series = 1 + t2 * series;
  return k * kLn2 - 2 * t * series;
}
inline double exponentialAt(uint64_t stream, int64_t i) { return exponentialOf(unitScaled(wordAt(stream, i))); }

// Independent streams per layer and purpose (keys of positive entries, keys of zero-weight entries, sample).
enum Purpose : uint64_t { kPositiveKeys = 0, kZeroKeys = 1, kSamplePositions = 2 };
inline uint64_t streamOf(uint64_t seed, size_t layer, Purpose purpose) {
  return mix64(seed ^ mix64((static_cast<uint64_t>(layer) << 2 | purpose) + 1));
}

// How a layer's keys are computed: E/w, or log E − log w where E/w overflows (a weight below about 1e-307·E), which
// orders the same in exact arithmetic.
enum class KeyForm { kRatio, kLog };

template <KeyForm form>
inline double keyOf(uint64_t stream, int64_t i, double weight) {
  const double exponential = exponentialAt(stream, i);
  if constexpr (form == KeyForm::kRatio) return exponential / weight;
  else return std::log(exponential) - std::log(weight);
}

template <typename scalar_t>
struct Layer {
  const scalar_t* score = nullptr;
  const uint8_t* eligible = nullptr;  // null: every entry
  uint8_t* mask = nullptr;
  int64_t size = 0;
  int64_t count = 0;  // wanted
  uint64_t positiveStream = 0, zeroStream = 0, sampleStream = 0;
  KeyForm form = KeyForm::kRatio;
  double lo = -kInf, hi = kInf;  // keys < lo are kept, keys in [lo, hi] are candidates
};

struct Candidate {
  double key;
  int64_t index;
  bool operator<(const Candidate& other) const { return key < other.key || (key == other.key && index < other.index); }
};

struct Counts {
  int64_t below = 0;     // positive entries with key < lo (marked in the mask)
  int64_t positive = 0;  // eligible entries of positive weight
  int64_t zero = 0;      // eligible entries of weight 0
};

// What a pass over one piece (or, summed, one layer) found.
struct PassOutcome {
  Counts counts;
  std::vector<Candidate> band;  // keys in [lo, hi]
};

// A quick −log of the uniform for the hot loop, without division: the same reduction as exponentialOf, then
// ln m = ln(1 + x) ≈ x − x²/2 + x³/3 − x⁴/4 + x⁵/5 for x = m − 1 in [−0.293, 0.415), within 8.5e-4 (the first
// dropped term bounds an alternating tail; for x < 0 the tail is under |x|⁶/(6(1 − |x|)) = 1.5e-4).
constexpr double kQuickError = 8.5e-4;
inline double quickExponential(double y) {
  const uint64_t bits = doubleToBits(y);
  uint64_t mantissa = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
  const uint64_t big = mantissa > 0x3FF6A09E667F3BCCull;
  mantissa -= big << 52;
  const double x = bitsToDouble(mantissa) - 1;
  const double k = (0x1p52 + 1075) - bitsToDouble(((bits >> 52) + big) | 0x4330000000000000ull);
  const double logM = x * (1 + x * (-0.5 + x * (1.0 / 3 + x * (-0.25 + x * 0.2))));
  return k * kLn2 - logM;
}

// The hot loop, built for AVX-512, AVX2 and the baseline with the best picked at load time. Per entry a code byte:
// bit 0 = key surely below lo (kept), bit 1 = look closer (the key is near or inside [lo, hi]), bit 2 = eligible of
// positive weight, bit 3 = eligible of weight 0; no bit 0 or 1: not kept (ineligible, weight 0, or key surely above
// hi). "Surely": the quick exponential is below lo·w or above hi·w by more than a guard that covers its error and
// the rounding of key = E/w, so bits 0 and 1 say what the key would. Blocks of 64 entries outside the support
// (pruned filters) are skipped unread.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SKETCHPRUNE_SAMPLING_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define SKETCHPRUNE_SAMPLING_CLONES
#endif
constexpr int64_t kBlock = 64;
template <typename scalar_t>
SKETCHPRUNE_SAMPLING_CLONES void classify(const scalar_t* score, const uint8_t* eligible, uint8_t* code, int64_t begin,
                                          int64_t end, uint64_t stream, double lo, double hi) {
  const double guard = kQuickError + 1e-9;
  for (int64_t block = begin; block < end; block += kBlock) {
    const int64_t stop = std::min(end, block + kBlock);
    if (eligible != nullptr && stop - block == kBlock) {
      uint64_t any = 0;
      for (int64_t j = 0; j < kBlock; j += 8) {
        uint64_t word;
        std::memcpy(&word, eligible + block + j, 8);
        any |= word;
      }
      if (any == 0) {
        std::memset(code + block, 0, kBlock);
        continue;
      }
    }
    uint64_t state = stream + static_cast<uint64_t>(block) * kGamma;
    for (int64_t i = block; i < stop; ++i) {
      state += kGamma;  // stream + (i + 1)·kGamma, as in wordAt
      const double w = static_cast<double>(score[i]);
      const double exponential = quickExponential(unitScaled(mix64(state)));
      const double low = lo * w, high = hi * w;
      const uint8_t allowed = eligible == nullptr ? 1 : static_cast<uint8_t>(eligible[i] != 0);
      const uint8_t isPositive = allowed & static_cast<uint8_t>(w > 0);  // NaN is not
      const uint8_t isBelow = exponential < low - (guard + 1e-12 * std::fabs(low));
      const uint8_t isAbove = exponential > high + (guard + 1e-12 * std::fabs(high));
      const uint8_t look = isPositive & static_cast<uint8_t>((isBelow | isAbove) ^ 1);
      code[i] = static_cast<uint8_t>((isPositive & isBelow) | look << 1 | isPositive << 2 |
                                     (allowed & static_cast<uint8_t>(isPositive ^ 1)) << 3);
    }
  }
}

// Keys of the entries at `at` (the ratio form), for the piece's candidates: vectorized, the scores gathered.
template <typename scalar_t>
SKETCHPRUNE_SAMPLING_CLONES void ratioKeys(const scalar_t* score, uint64_t stream, const int64_t* at, double* keys,
                                           int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    const int64_t i = at[j];
    const double exponential = exponentialOf(unitScaled(mix64(stream + static_cast<uint64_t>(i + 1) * kGamma)));
    keys[j] = exponential / static_cast<double>(score[i]);
  }
}

// Bit i of the result: bit `bit` of byte i of the word (the multiply gathers each byte's low bit into the top byte).
inline uint64_t byteBits(uint64_t word, int bit) { return (((word >> bit) & kLowBits) * 0x0102040810204080ull) >> 56; }

// The scan of a piece's code bytes: count bits 0, 2 and 3, list the entries with bit 1 (to look at), leave bit 0
// alone in each byte. 64 bytes at a time, their bit 1 gathered into a 64-bit word whose set bits list the entries to
// look at (one unpredictable branch per 64 entries). Portable: eight bytes per 64-bit word, counted in byte lanes.
void scanCodesPortable(uint8_t* code, int64_t begin, int64_t end, std::vector<int64_t>& look, Counts& counts) {
  uint64_t sums[3] = {0, 0, 0};
  int blocks = 0;
  auto flush = [&]() {
    counts.below += addBytes(sums[0]);
    counts.positive += addBytes(sums[1]);
    counts.zero += addBytes(sums[2]);
    sums[0] = sums[1] = sums[2] = 0;
    blocks = 0;
  };
  for (int64_t block = begin; block < end; block += 64) {
    uint64_t marks = 0;
    for (int j = 0; j < 64; j += 8) {
      const int64_t i = block + j;
      if (i >= end) break;
      uint64_t word = 0;
      const auto width = static_cast<size_t>(std::min<int64_t>(8, end - i));
      std::memcpy(&word, code + i, width);
      sums[0] += word & kLowBits;
      sums[1] += (word >> 2) & kLowBits;
      sums[2] += (word >> 3) & kLowBits;
      marks |= byteBits(word, 1) << j;
      word &= kLowBits;  // a looked-at entry has bit 0 clear: not kept until its key says so
      std::memcpy(code + i, &word, width);
    }
    if (++blocks >= 31) flush();  // 31 blocks of 8 words: 248 additions per byte lane, under 256
    for (; marks != 0; marks &= marks - 1) look.push_back(block + __builtin_ctzll(marks));
  }
  flush();
}
#if defined(__GNUC__) && defined(__x86_64__)
// AVX-512BW: a bit plane of 64 bytes is one test into a mask register.
__attribute__((target("avx512f,avx512bw,popcnt,bmi"))) void scanCodesAvx512(uint8_t* code, int64_t begin, int64_t end,
                                                                            std::vector<int64_t>& look,
                                                                            Counts& counts) {
  const __m512i bit0 = _mm512_set1_epi8(1), bit1 = _mm512_set1_epi8(2), bit2 = _mm512_set1_epi8(4),
                bit3 = _mm512_set1_epi8(8);
  int64_t below = 0, positive = 0, zero = 0, i = begin;
  for (; i + 64 <= end; i += 64) {
    const __m512i v = _mm512_loadu_si512(code + i);
    below += __builtin_popcountll(_mm512_test_epi8_mask(v, bit0));
    positive += __builtin_popcountll(_mm512_test_epi8_mask(v, bit2));
    zero += __builtin_popcountll(_mm512_test_epi8_mask(v, bit3));
    uint64_t marks = _mm512_test_epi8_mask(v, bit1);
    _mm512_storeu_si512(code + i, _mm512_and_si512(v, bit0));
    for (; marks != 0; marks &= marks - 1) look.push_back(i + __builtin_ctzll(marks));
  }
  counts.below += below;
  counts.positive += positive;
  counts.zero += zero;
  scanCodesPortable(code, i, end, look, counts);
}
// AVX2: a bit plane of 32 bytes is a shift of that bit to each byte's top and a movemask.
__attribute__((target("avx2,popcnt,bmi"))) void scanCodesAvx2(uint8_t* code, int64_t begin, int64_t end,
                                                              std::vector<int64_t>& look, Counts& counts) {
  const __m256i bit0 = _mm256_set1_epi8(1);
  int64_t below = 0, positive = 0, zero = 0, i = begin;
  for (; i + 64 <= end; i += 64) {
    uint64_t marks = 0;
    for (int half = 0; half < 2; ++half) {
      auto* at = reinterpret_cast<__m256i*>(code + i + 32 * half);
      const __m256i v = _mm256_loadu_si256(at);
      auto plane = [&](int bit) { return static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_slli_epi16(v, 7 - bit))); };
      below += __builtin_popcount(plane(0));
      positive += __builtin_popcount(plane(2));
      zero += __builtin_popcount(plane(3));
      marks |= static_cast<uint64_t>(plane(1)) << (32 * half);
      _mm256_storeu_si256(at, _mm256_and_si256(v, bit0));
    }
    for (; marks != 0; marks &= marks - 1) look.push_back(i + __builtin_ctzll(marks));
  }
  counts.below += below;
  counts.positive += positive;
  counts.zero += zero;
  scanCodesPortable(code, i, end, look, counts);
}
#endif
using ScanCodes = void (*)(uint8_t*, int64_t, int64_t, std::vector<int64_t>&, Counts&);
// SKETCHPRUNE_SAMPLING_SCAN=avx2|portable picks a narrower one (the tests check that all give the same masks).
ScanCodes pickScanCodes() {
  const char* chosen = std::getenv("SKETCHPRUNE_SAMPLING_SCAN");
  const std::string narrower = chosen == nullptr ? "" : chosen;
#if defined(__GNUC__) && defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512bw") && narrower.empty()) return scanCodesAvx512;
  if (__builtin_cpu_supports("avx2") && narrower != "portable") return scanCodesAvx2;
#endif
  return scanCodesPortable;
}
const ScanCodes scanCodes = pickScanCodes();

// One piece: classify and count, then the entries to look at (a few percent) get their key, which decides between
// kept (below lo), candidate (in [lo, hi]) and not kept.
template <typename scalar_t, KeyForm form>
void passOver(const Layer<scalar_t>& layer, int64_t begin, int64_t end, PassOutcome& out) {
  uint8_t* code = layer.mask;
  classify(layer.score, layer.eligible, code, begin, end, layer.positiveStream, layer.lo, layer.hi);
  std::vector<int64_t> look;
  scanCodes(code, begin, end, look, out.counts);
  const auto count = static_cast<int64_t>(look.size());
  std::vector<double> keys(look.size());
  if constexpr (form == KeyForm::kRatio) {
    ratioKeys(layer.score, layer.positiveStream, look.data(), keys.data(), count);
  } else {
    for (int64_t j = 0; j < count; ++j) {
      keys[j] = keyOf<form>(layer.positiveStream, look[j], static_cast<double>(layer.score[look[j]]));
    }
  }
  // Branch-free: each key's outcome is a coin flip for the predictor.
  out.band.resize(look.size());
  size_t inBand = 0;
  int64_t below = 0;
  for (int64_t j = 0; j < count; ++j) {
    const double key = keys[j];
    const bool isBelow = key < layer.lo;
    code[look[j]] = static_cast<uint8_t>(isBelow);
    below += isBelow;
    out.band[inBand] = {key, look[j]};
    inBand += static_cast<size_t>(!isBelow && key <= layer.hi);
  }
  out.counts.below += below;
  out.band.resize(inBand);
}

// The bracket around the count-th smallest key (ineligible and zero-weight entries counting as +∞), from the keys
// at m positions, one at random in each of m equal strata (in increasing order, which the memory prefetcher
// follows), with a margin of 4.5 binomial standard deviations: the number of sampled keys below a value is a sum of
// independent Bernoulli variables of total mean m·F and variance at most m·F(1 − F), so a miss (about 1e-5) is no
// likelier than for i.i.d. keys, and it only costs a second pass.
template <typename scalar_t>
void bracket(Layer<scalar_t>& layer) {
  layer.lo = -kInf;
  layer.hi = kInf;
  const int64_t n = layer.size;
  if (n <= kBracketAbove || layer.count == 0 || layer.count >= n) return;
  const int64_t m = sampleSize(n);
  std::vector<int64_t> positions(static_cast<size_t>(m));
  for (int64_t j = 0; j < m; ++j) {
    const int64_t begin = j * n / m, width = (j + 1) * n / m - begin;
    const uint64_t word = wordAt(layer.sampleStream, j);
    const auto offset =
        static_cast<int64_t>((static_cast<unsigned __int128>(word) * static_cast<uint64_t>(width)) >> 64);
    positions[static_cast<size_t>(j)] = begin + offset;
  }
  // Keys of eligible positive entries only: the others' are +∞, the top of the order (late in a schedule most of the
  // sample), and an order statistic past them is +∞.
  std::vector<double> sample;
  sample.reserve(static_cast<size_t>(m));
  constexpr int64_t ahead = 16;  // prefetch distance: each position is a cache miss
  for (int64_t j = 0; j < m; ++j) {
    if (j + ahead < m) {
      const int64_t next = positions[static_cast<size_t>(j + ahead)];
      __builtin_prefetch(layer.score + next);
      if (layer.eligible != nullptr) __builtin_prefetch(layer.eligible + next);
    }
    const int64_t i = positions[static_cast<size_t>(j)];
    const double w = static_cast<double>(layer.score[i]);
    const bool positive = (layer.eligible == nullptr || layer.eligible[i] != 0) && w > 0;
    if (positive) sample.push_back(keyOf<KeyForm::kRatio>(layer.positiveStream, i, w));
  }
  const double fraction = static_cast<double>(layer.count) / static_cast<double>(n);
  const double center = fraction * static_cast<double>(m);
  const double margin = 4.5 * std::sqrt(static_cast<double>(m) * fraction * (1 - fraction)) + 8;
  auto end = sample.end();
  auto orderStatistic = [&](double rank) {
    const auto r = static_cast<size_t>(std::min<int64_t>(m - 1, std::max<int64_t>(0, std::llround(rank))));
    if (r >= sample.size()) return kInf;
    std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(r), end);
    end = sample.begin() + static_cast<std::ptrdiff_t>(r);  // the smaller values, left of it, for the second call
    return sample[r];
  };
  // the larger rank first
  if (center + margin < static_cast<double>(m - 1)) layer.hi = orderStatistic(center + margin);
  if (center - margin > 0) layer.lo = orderStatistic(center - margin);
  if (!(layer.lo < layer.hi)) {  // e.g. both +∞ where few entries are eligible: no bracket
    layer.lo = -kInf;
    layer.hi = kInf;
  }
}

// Too few positive weights (positive ≤ count): all of them, then the rest uniformly among the eligible entries of
// weight 0 (the smallest of uniform keys).
template <typename scalar_t>
void fillLayer(Layer<scalar_t>& layer, int64_t positive) {
  const int64_t rest = layer.count - positive;
  std::vector<Candidate> zeros;
  for (int64_t i = 0; i < layer.size; ++i) {
    const bool eligible = layer.eligible == nullptr || layer.eligible[i] != 0;
    const bool isPositive = eligible && static_cast<double>(layer.score[i]) > 0;
    layer.mask[i] = isPositive ? 1 : 0;
    if (eligible && !isPositive && rest > 0) zeros.push_back({uniformAt(layer.zeroStream, i), i});
  }
  if (rest == 0) return;
  std::nth_element(zeros.begin(), zeros.begin() + (rest - 1), zeros.end());
  for (int64_t j = 0; j < rest; ++j) layer.mask[zeros[static_cast<size_t>(j)].index] = 1;
}

// How a layer's pass ended: its mask made, or another pass needed (the bracket missed, or E/w overflowed at the
// boundary), or fewer eligible entries than its count.
enum class Ending : uint8_t { kDone, kAgain, kTooFew };

// The rank smallest candidates (keys in [lo, hi], both finite) marked in the mask, without an nth_element over all
// of them (ten thousands on VGG-19's large layers, each comparison a coin flip for the branch predictor): a
// histogram of the keys over equal buckets of [lo, hi], every candidate of the buckets below the one that holds the
// rank-th key, and an nth_element inside that bucket only. A key's bucket never decreases with the key, so this
// takes what the nth_element over the band would (ties by position).
constexpr size_t kBucketsAbove = 1024;
void selectByBuckets(std::vector<Candidate>& band, int64_t rank, double lo, double hi, uint8_t* mask) {
  constexpr int64_t buckets = 1024;
  const double scale = static_cast<double>(buckets) / (hi - lo);
  auto bucketOf = [&](double key) {
    return std::min<int64_t>(buckets - 1, std::max<int64_t>(0, static_cast<int64_t>((key - lo) * scale)));
  };
  std::vector<int64_t> histogram(buckets, 0);
  for (const Candidate& candidate : band) ++histogram[static_cast<size_t>(bucketOf(candidate.key))];
  int64_t before = 0, target = 0;
  while (before + histogram[static_cast<size_t>(target)] < rank) before += histogram[static_cast<size_t>(target++)];
  std::vector<Candidate> inTarget;
  inTarget.reserve(static_cast<size_t>(histogram[static_cast<size_t>(target)]));
  for (const Candidate& candidate : band) {
    const int64_t bucket = bucketOf(candidate.key);
    if (bucket < target) mask[candidate.index] = 1;
    else if (bucket == target) inTarget.push_back(candidate);
  }
  const int64_t rest = rank - before;  // in [1, the target bucket's count]
  std::nth_element(inTarget.begin(), inTarget.begin() + (rest - 1), inTarget.end());
  for (int64_t j = 0; j < rest; ++j) mask[inTarget[static_cast<size_t>(j)].index] = 1;
}

// A layer's outcome once all its pieces are through: the count-th smallest key among the candidates (ties by
// position; keys are almost surely distinct), or the fill where too few weights are positive.
template <typename scalar_t>
Ending resolve(Layer<scalar_t>& layer, PassOutcome& total) {
  const Counts& counts = total.counts;
  if (layer.count > counts.positive + counts.zero) return Ending::kTooFew;
  if (counts.positive <= layer.count) {
    fillLayer(layer, counts.positive);
    return Ending::kDone;
  }
  std::vector<Candidate>& band = total.band;
  const int64_t rank = layer.count - counts.below;                                  // how many candidates to take
  if (rank < 0 || rank > static_cast<int64_t>(band.size())) return Ending::kAgain;  // a miss
  if (rank > 0 && band.size() >= kBucketsAbove && std::isfinite(layer.lo) && std::isfinite(layer.hi)) {
    selectByBuckets(band, rank, layer.lo, layer.hi, layer.mask);
    return Ending::kDone;
  }
  if (rank > 0) {
    std::nth_element(band.begin(), band.begin() + (rank - 1), band.end());
    if (band[static_cast<size_t>(rank - 1)].key == kInf) {  // E/w overflowed at the boundary
      layer.form = KeyForm::kLog;
      return Ending::kAgain;
    }
    for (int64_t j = 0; j < rank; ++j) layer.mask[band[static_cast<size_t>(j)].index] = 1;
  }
  return Ending::kDone;
}

template <typename scalar_t>
void samplePerLayer(std::vector<Layer<scalar_t>>& layers) {
  // Small inputs (ResNet-20's 270k weights) run on this thread: waking the pool for each step would cost more.
  int64_t entries = 0;
  for (const auto& layer : layers) entries += layer.size;
  const bool threads = entries > kSerialUpTo;
  std::vector<size_t> todo;
  for (size_t l = 0; l < layers.size(); ++l) {
    if (layers[l].count > 0) todo.push_back(l);
    else std::fill(layers[l].mask, layers[l].mask + layers[l].size, 0);
  }
  // One parallel region per pass (a region is a wait for every thread, long on a loaded machine): each layer's
  // bracket is made by the first of its pieces to run, and its resolution by the last to finish.
  std::vector<std::once_flag> bracketed(layers.size());
  std::vector<Ending> endings(layers.size(), Ending::kDone);
  // A layer whose bracket missed, or whose keys overflowed at the boundary, goes around again with every key a
  // candidate.
  for (int round = 0; !todo.empty(); ++round) {
    TORCH_CHECK(round < 3, "weightedSampleMasks: internal error, no exact selection after ", round, " passes");
    std::vector<int64_t> sizes(layers.size(), 0);  // layers not to do get no pieces
    for (size_t l : todo) sizes[l] = layers[l].size;
    const std::vector<Piece> pieces = splitIntoPieces(sizes, kPieceSize);
    std::vector<size_t> firstPiece(layers.size(), 0);
    std::vector<std::atomic<int64_t>> remaining(layers.size());
    for (size_t p = pieces.size(); p-- > 0;) {
      firstPiece[pieces[p].layer] = p;
      remaining[pieces[p].layer].fetch_add(1, std::memory_order_relaxed);
    }
    std::vector<PassOutcome> outcomes(pieces.size());
    auto work = [&](int64_t first, int64_t last) {
      for (int64_t p = first; p < last; ++p) {
        const Piece& piece = pieces[static_cast<size_t>(p)];
        const size_t l = piece.layer;
        if (round == 0) std::call_once(bracketed[l], [&]() { bracket(layers[l]); });
        PassOutcome& out = outcomes[static_cast<size_t>(p)];
        if (layers[l].form == KeyForm::kRatio)
          passOver<scalar_t, KeyForm::kRatio>(layers[l], piece.begin, piece.end, out);
        else passOver<scalar_t, KeyForm::kLog>(layers[l], piece.begin, piece.end, out);
        if (remaining[l].fetch_sub(1, std::memory_order_acq_rel) != 1) continue;
        // the layer's last piece: gather its pieces' outcomes and resolve it
        PassOutcome& total = outcomes[firstPiece[l]];
        for (size_t q = firstPiece[l] + 1; q < pieces.size() && pieces[q].layer == l; ++q) {
          total.counts.below += outcomes[q].counts.below;
          total.counts.positive += outcomes[q].counts.positive;
          total.counts.zero += outcomes[q].counts.zero;
          total.band.insert(total.band.end(), outcomes[q].band.begin(), outcomes[q].band.end());
          std::vector<Candidate>().swap(outcomes[q].band);
        }
        endings[l] = resolve(layers[l], total);
        std::vector<Candidate>().swap(total.band);
      }
    };
    if (threads) at::parallel_for(0, static_cast<int64_t>(pieces.size()), 1, work);
    else work(0, static_cast<int64_t>(pieces.size()));
    std::vector<size_t> again;
    for (size_t l : todo) {
      const Counts& counts = outcomes[firstPiece[l]].counts;
      TORCH_CHECK(endings[l] != Ending::kTooFew, "weightedSampleMasks: layer ", l, " has ",
                  counts.positive + counts.zero, " eligible entries, fewer than its count ", layers[l].count);
      if (endings[l] == Ending::kAgain) {
        layers[l].lo = -kInf;
        layers[l].hi = kInf;
        again.push_back(l);
      }
    }
    todo.swap(again);
  }
}

// One 64-bit draw from libtorch's default CPU generator (it advances, as for any random op).
uint64_t drawSeed() {
  return withDefaultCpuGenerator(
      [](at::Generator& generator) { return at::check_generator<at::CPUGeneratorImpl>(generator)->random64(); });
}

template <typename scalar_t>
std::vector<at::Tensor> sampleMasks(const std::vector<at::Tensor>& scores, const std::vector<at::Tensor>& support,
                                    const std::vector<int64_t>& counts, uint64_t seed) {
  std::vector<at::Tensor> masks;
  std::vector<Layer<scalar_t>> layers(scores.size());
  for (size_t l = 0; l < scores.size(); ++l) {
    masks.push_back(at::empty(scores[l].sizes(), at::TensorOptions().dtype(at::kBool)));
    Layer<scalar_t>& layer = layers[l];
    layer.score = scores[l].data_ptr<scalar_t>();
    if (!support.empty()) layer.eligible = reinterpret_cast<const uint8_t*>(support[l].data_ptr<bool>());
    layer.mask = reinterpret_cast<uint8_t*>(masks.back().data_ptr<bool>());
    layer.size = scores[l].numel();
    layer.count = counts[l];
    layer.positiveStream = streamOf(seed, l, kPositiveKeys);
    layer.zeroStream = streamOf(seed, l, kZeroKeys);
    layer.sampleStream = streamOf(seed, l, kSamplePositions);
  }
  samplePerLayer(layers);
  return masks;
}

}  // namespace

// weightedSampleMasks(scores, support | null, counts, seed | null) -> bool masks shaped like the scores: in layer l
// exactly counts[l] entries whose support is true, drawn without replacement ∝ max(score, 0) (see the top of the
// file). float32 or float64 CPU scores of one dtype; seed null draws one from libtorch's default CPU generator.
static Napi::Value WeightedSampleMasks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SKETCHPRUNE_GUARD_BEGIN
  ScoredLayers layers = scoredLayers(info[0], info[1], "weightedSampleMasks");
  const std::vector<at::Tensor>& scores = layers.scores;
  if (!info[2].IsArray()) throw Napi::TypeError::New(env, "weightedSampleMasks counts: expected an array of numbers");
  Napi::Array countArray = info[2].As<Napi::Array>();
  TORCH_CHECK(countArray.Length() == scores.size(), "weightedSampleMasks: ", countArray.Length(), " counts for ",
              scores.size(), " score tensors");
  std::vector<int64_t> counts;
  for (uint32_t l = 0; l < countArray.Length(); ++l) {
    counts.push_back(toInt(countArray.Get(l), "weightedSampleMasks count"));
    TORCH_CHECK(counts[l] >= 0 && counts[l] <= scores[l].numel(), "weightedSampleMasks: count ", counts[l],
                " for layer ", l, " of ", scores[l].numel(), " entries");
  }
  uint64_t seed = 0;
  if (info.Length() > 3 && !isNullish(info[3])) {
    const int64_t given = toInt(info[3], "weightedSampleMasks seed");
    TORCH_CHECK(given >= 0, "weightedSampleMasks: seed must be a non-negative integer, got ", given);
    seed = static_cast<uint64_t>(given);
  } else {
    seed = drawSeed();
  }
  const std::vector<at::Tensor> masks = layers.dtype == at::kDouble
                                            ? sampleMasks<double>(scores, layers.support, counts, seed)
                                            : sampleMasks<float>(scores, layers.support, counts, seed);
  Napi::Array result = Napi::Array::New(env, masks.size());
  for (size_t l = 0; l < masks.size(); ++l) result.Set(static_cast<uint32_t>(l), wrapTensor(env, masks[l]));
  return result;
  SKETCHPRUNE_GUARD_END(env, "weightedSampleMasks")
}

void registerSampling(Napi::Env env, Napi::Object exports) {
  exportFunctions(env, exports, {{"weightedSampleMasks", WeightedSampleMasks}});
}

}  // namespace sketchprune
