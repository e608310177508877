#include "ops/broadcast.h"

namespace microflow {

Broadcast4 broadcast_4d(const Graph& g, const Operator& op, const Tensor& a, const Tensor& b, const Tensor& out) {
  if (out.shape.size() > 4) fail(g, op, describe(g, out.id, "output") + ": more than 4 dimensions");
  auto padded = [&](const Tensor& t) {
    if (t.shape.size() > 4) fail(g, op, describe(g, t.id, "input") + ": more than 4 dimensions");
    std::vector<int64_t> d(4 - t.shape.size(), 1);
    d.insert(d.end(), t.shape.begin(), t.shape.end());
    return d;
  };
  Broadcast4 r;
  r.dims = padded(out);
  auto strides = [&](const Tensor& t) {
    const std::vector<int64_t> d = padded(t);
    std::vector<int64_t> s(4);
    int64_t stride = 1;
    for (int i = 3; i >= 0; --i) {
      if (d[i] != r.dims[i] && d[i] != 1)
        fail(g, op, describe(g, t.id, "input") + ": shape " + t.shape_string() + " cannot broadcast to " +
                        out.shape_string());
      s[i] = d[i] == 1 && r.dims[i] != 1 ? 0 : stride;
      stride *= d[i];
    }
    return s;
  };
  r.input1_strides = strides(a);
  r.input2_strides = strides(b);
  return r;
}

}  // namespace microflow
