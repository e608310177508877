#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>

#include "microflow/kernels/select.h"

namespace {

using Shape = std::vector<int32_t>;

// Shape padded on the left to 5 dims.
Shape extended(const Shape& s) {
  Shape e(5 - s.size(), 1);
  e.insert(e.end(), s.begin(), s.end());
  return e;
}

// NdArrayDesc-style broadcast strides of `s` against the 5-D output `out`.
void strides(const Shape& s, int32_t (&st)[5]) {
  const Shape e = extended(s);
  int32_t stride = 1;
  for (int i = 4; i >= 0; --i) {
    st[i] = e[static_cast<size_t>(i)] == 1 ? 0 : stride;
    stride *= e[static_cast<size_t>(i)];
  }
}

int32_t count(const Shape& s) {
  int32_t n = 1;
  for (int32_t d : s) n *= d;
  return n;
}

// TFLM BroadcastSelect5DSlow: for every output index, the operands' elements at the
// index clamped to their own (broadcast) dims.
template <typename T>
std::vector<T> reference_select(const Shape& cs, const std::vector<uint8_t>& c, const Shape& xs, const std::vector<T>& x,
                                const Shape& ys, const std::vector<T>& y, const Shape& os) {
  const Shape o = extended(os), ce = extended(cs), xe = extended(xs), ye = extended(ys);
  auto offset = [](const Shape& dims, const int (&i)[5]) {
    int32_t at = 0;
    for (int k = 0; k < 5; ++k) at = at * dims[static_cast<size_t>(k)] + (dims[static_cast<size_t>(k)] == 1 ? 0 : i[k]);
    return at;
  };
  std::vector<T> out;
  int i[5];
  for (i[0] = 0; i[0] < o[0]; ++i[0])
    for (i[1] = 0; i[1] < o[1]; ++i[1])
      for (i[2] = 0; i[2] < o[2]; ++i[2])
        for (i[3] = 0; i[3] < o[3]; ++i[3])
          for (i[4] = 0; i[4] < o[4]; ++i[4])
            out.push_back(c[static_cast<size_t>(offset(ce, i))] ? x[static_cast<size_t>(offset(xe, i))]
                                                                : y[static_cast<size_t>(offset(ye, i))]);
  return out;
}

template <typename T>
void check(const Shape& cs, const Shape& xs, const Shape& ys, const Shape& os, std::mt19937& rng) {
  std::vector<uint8_t> c(static_cast<size_t>(count(cs)));
  for (uint8_t& v : c) v = rng() & 1;
  std::vector<T> x(static_cast<size_t>(count(xs))), y(static_cast<size_t>(count(ys)));
  for (T& v : x) v = static_cast<T>(static_cast<int>(rng() % 200) - 100);
  for (T& v : y) v = static_cast<T>(static_cast<int>(rng() % 200) - 100);
  mf::SelectV2Params p = {};
  const Shape o = extended(os);
  for (int k = 0; k < 5; ++k) p.dims[k] = o[static_cast<size_t>(k)];
  strides(cs, p.condition_strides);
  strides(xs, p.x_strides);
  strides(ys, p.y_strides);
  std::unique_ptr<bool[]> condition(new bool[c.size()]);
  for (size_t k = 0; k < c.size(); ++k) condition[k] = c[k] != 0;
  std::vector<T> out(static_cast<size_t>(count(os)));
  mf::select_v2(p, condition.get(), x.data(), y.data(), out.data());
  EXPECT_EQ(out, reference_select(cs, c, xs, x, ys, y, os));
}

TEST(SelectV2, BroadcastingMatchesTflm) {
  std::mt19937 rng(3);
  check<float>({4, 1}, {1, 6}, {4, 6}, {4, 6}, rng);
  check<int16_t>({1, 1, 3}, {2, 4, 3}, {2, 4, 1}, {2, 4, 3}, rng);
  check<int8_t>({5}, {3, 1, 5}, {3, 4, 1}, {3, 4, 5}, rng);
  check<int8_t>({1, 2, 1, 2, 3}, {2, 1, 2, 1, 3}, {1}, {2, 2, 2, 2, 3}, rng);
  check<int8_t>({1, 4, 5, 3}, {1, 4, 5, 3}, {1, 4, 5, 3}, {1, 4, 5, 3}, rng);
}

TEST(SelectV2, InPlaceOverX) {
  std::vector<int8_t> xy = {1, 2, 3, 4};
  const std::vector<int8_t> y = {-1, -2, -3, -4};
  const bool c[4] = {true, false, false, true};
  mf::SelectV2Params p = {};
  for (int k = 0; k < 4; ++k) p.dims[k] = 1;
  p.dims[4] = 4;
  p.condition_strides[4] = p.x_strides[4] = p.y_strides[4] = 1;
  mf::select_v2(p, c, xy.data(), y.data(), xy.data());
  EXPECT_EQ(xy, (std::vector<int8_t>{1, -2, -3, 4}));
}

}  // namespace
