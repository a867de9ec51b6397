// Pieces of the flat index space and byte counting in 64-bit words: shared by the selection kernels
// (selection.cc) and the weighted sampler (sampling.cc).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace sketchprune {

// A piece of the flat index space (layers concatenated): elements [begin, end) of one layer.
struct Piece {
  size_t layer;
  int64_t begin, end;
};

// How much one task of a parallel loop takes: large enough to amortize waking a thread, small enough to balance.
constexpr int64_t kPieceSize = 1 << 16;

// Every layer cut into pieces of `chunk` entries, in layer order (a layer of size 0 gives none).
inline std::vector<Piece> splitIntoPieces(const std::vector<int64_t>& sizes, int64_t chunk) {
  std::vector<Piece> result;
  for (size_t layer = 0; layer < sizes.size(); ++layer) {
    for (int64_t begin = 0; begin < sizes[layer]; begin += chunk) {
      result.push_back({layer, begin, std::min(sizes[layer], begin + chunk)});
    }
  }
  return result;
}

// Byte counts through 64-bit words: with every byte at most 1, 255 words can be added before a byte overflows;
// the 8 bytes of the sum (each ≤ 255) are then added as four 16-bit lanes. Far faster than widening every byte.
constexpr uint64_t kLowBits = 0x0101010101010101ull;
inline int64_t addBytes(uint64_t word) {
  const uint64_t pairs = (word & 0x00FF00FF00FF00FFull) + ((word >> 8) & 0x00FF00FF00FF00FFull);
  return static_cast<int64_t>((pairs * 0x0001000100010001ull) >> 48);
}

}  // namespace sketchprune
