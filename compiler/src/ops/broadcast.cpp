#include "ops/broadcast.h"

namespace microflow {

void broadcast_binary(const Graph& g, const Operator& op, const Tensor& a, const Tensor& b, const Tensor& out,
                      int max_rank, BinaryParams& p) {
  const size_t rank = out.shape.size();
  for (const auto& [t, role] : {std::pair{&a, "input"}, std::pair{&b, "input"}, std::pair{&out, "output"}})
    if (t->shape.size() > static_cast<size_t>(max_rank))
      fail(g, op, describe(g, t->id, role) + ": " + std::to_string(t->shape.size()) + " dimensions, TFLM's " + op.name +
                      " broadcasts at most " + std::to_string(max_rank));
  // Per output dim: its size and each input's element stride (0 where it broadcasts).
  auto strides = [&](const Tensor& t) {
    if (t.shape.size() > rank)
      fail(g, op, describe(g, t.id, "input") + ": shape " + t.shape_string() + " cannot broadcast to " +
                      out.shape_string());
    std::vector<int64_t> s(rank, 0);
    int64_t stride = 1;
    for (size_t i = t.shape.size(); i-- > 0;) {
      const size_t o = i + rank - t.shape.size();
      if (t.shape[i] != out.shape[o] && t.shape[i] != 1)
        fail(g, op, describe(g, t.id, "input") + ": shape " + t.shape_string() + " cannot broadcast to " +
                        out.shape_string());
      s[o] = t.shape[i] == 1 ? 0 : stride;
      stride *= t.shape[i];
    }
    return s;
  };
  const std::vector<int64_t> s1 = strides(a), s2 = strides(b);
  // Innermost first: a dim joins the one inside it when both inputs continue their walk.
  std::vector<int64_t> dims, st1, st2;
  for (size_t i = rank; i-- > 0;) {
    if (out.shape[i] == 1) continue;
    if (!dims.empty() && s1[i] == st1.back() * dims.back() && s2[i] == st2.back() * dims.back()) {
      dims.back() *= out.shape[i];
      continue;
    }
    dims.push_back(out.shape[i]);
    st1.push_back(s1[i]);
    st2.push_back(s2[i]);
  }
  if (dims.size() > static_cast<size_t>(kBinaryMaxRank))
    fail(g, op, "broadcasting " + a.shape_string() + " with " + b.shape_string() + " needs more than " +
                    std::to_string(kBinaryMaxRank) + " loops");
  p.dims.assign(kBinaryMaxRank, 1);
  p.input1_strides.assign(kBinaryMaxRank, 0);
  p.input2_strides.assign(kBinaryMaxRank, 0);
  for (size_t i = 0; i < dims.size(); ++i) {
    const size_t o = kBinaryMaxRank - 1 - i;
    p.dims[o] = dims[i];
    p.input1_strides[o] = st1[i];
    p.input2_strides[o] = st2[i];
  }
}

}  // namespace microflow
