#pragma once
// A seeded generator whose sequence is fixed by this code alone. The standard
// distributions (std::uniform_real_distribution, ...) are implementation
// defined, so they would make the trained model depend on the C++ library.
#include <cstdint>

namespace microflow::sine {

// SplitMix64 (Steele, Lea, Flood 2014): tiny and statistically good enough
// for weight initialisation and shuffling.
class DeterministicRandom {
 public:
  explicit DeterministicRandom(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // Uniform in [0, 1): the top 24 bits fill a float mantissa exactly.
  float uniform() { return static_cast<float>(next() >> 40) * 0x1.0p-24f; }

  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

  // Uniform in [0, n); the modulo bias is irrelevant for n this small.
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }

 private:
  uint64_t state_;
};

}  // namespace microflow::sine
