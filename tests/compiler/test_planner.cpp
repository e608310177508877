// The static memory planner on writer-made graphs run through
// read_tflite_buffer -> schedule -> lower_graph -> plan_memory. Lifetimes and
// the lower bound are recomputed here independently of the planner.
#include "plan_checks.h"

namespace mftest {
namespace {

const std::string kName = "plan.tflite";

int fc(w::ModelWriter& m, int in, int in_depth, int units, const std::string& name, float in_scale = 0.5f) {
  std::vector<int8_t> wv(static_cast<size_t>(in_depth * units));
  for (size_t i = 0; i < wv.size(); ++i) wv[i] = static_cast<int8_t>(static_cast<int>(i % 7) - 3);
  const int wt = m.add_const_tensor(name + "/w", w::TensorType::INT8, {units, in_depth}, bytes_of(wv), q(0.01f, 0));
  const int b = m.add_const_tensor(name + "/b", w::TensorType::INT32, {units},
                                   bytes_of(std::vector<int32_t>(static_cast<size_t>(units), 1)),
                                   q(in_scale * 0.01f, 0));
  const int out = m.add_tensor(name, w::TensorType::INT8, {1, units}, q(0.5f, 0));
  m.add_fully_connected({in, wt, b}, out);
  return out;
}

TEST(Planner, ChainMeetsTheLowerBound) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 8}, q(0.5f, 0));
  const int a = fc(m, in, 8, 32, "a");
  const int b = fc(m, a, 32, 16, "b");
  const int out = fc(m, b, 16, 4, "out");
  m.set_outputs({out});
  auto c = compile_bytes(m.finish(), kName);
  check_plan(*c);
  // Steps: op0 in+a = 40, op1 a+b = 48, op2 b+out = 20.
  EXPECT_EQ(c->plan.lower_bound, 48);
  EXPECT_EQ(c->plan.arena_bytes, c->plan.lower_bound);
  // a and out are never alive together: out may reuse a's bytes, b may not.
  EXPECT_NE(c->plan.offset_of(a), c->plan.offset_of(b));
}

TEST(Planner, LongChainMeetsTheLowerBound) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 12}, q(0.5f, 0));
  const int sizes[] = {64, 8, 48, 4, 100, 20, 36, 16};
  int t = in, depth = 12;
  for (size_t i = 0; i < std::size(sizes); ++i) {
    t = fc(m, t, depth, sizes[i], numbered("l", i));
    depth = sizes[i];
  }
  m.set_outputs({t});
  auto c = compile_bytes(m.finish(), kName);
  check_plan(*c);
  EXPECT_EQ(c->plan.lower_bound, 120);  // 100 + 20
  EXPECT_EQ(c->plan.arena_bytes, c->plan.lower_bound);
}

TEST(Planner, BranchKeepsTheSharedTensorAliveForBothConsumers) {
  // t = FC(in); u = FC(t); v = FC(t); out = ADD(u, v)
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 16}, q(0.5f, 0));
  const int t = fc(m, in, 16, 32, "t");
  const int u = fc(m, t, 32, 8, "u");
  const int v = fc(m, t, 32, 8, "v");
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 8}, q(1.f, 0));
  m.add_add(u, v, out);
  m.set_outputs({out});
  auto c = compile_bytes(m.finish(), kName);
  check_plan(*c);
  const auto& p = c->plan;
  const auto& tb = p.buffers[static_cast<size_t>(p.buffer_of[static_cast<size_t>(t)])];
  EXPECT_EQ(tb.first_step, 0);
  EXPECT_EQ(tb.last_step, 2);  // read by ops 1 and 2
  // u is alive while v is written from t: all three are disjoint.
  auto disjoint = [&](int a, int b) {
    const int64_t ao = p.offset_of(a), bo = p.offset_of(b);
    return ao + c->graph.tensor(a).bytes() <= bo || bo + c->graph.tensor(b).bytes() <= ao;
  };
  EXPECT_TRUE(disjoint(t, u));
  EXPECT_TRUE(disjoint(t, v));
  EXPECT_TRUE(disjoint(u, v));
  EXPECT_EQ(p.lower_bound, 48);  // step 2: t + u + v
}

TEST(Planner, ResidualJoinKeepsTheEarlyTensorAlive) {
  // h1 = FC(in); h2 = FC(h1); h3 = FC(h2); out = ADD(h1, h3)
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 16}, q(0.5f, 0));
  const int h1 = fc(m, in, 16, 16, "h1");
  const int h2 = fc(m, h1, 16, 64, "h2");
  const int h3 = fc(m, h2, 64, 16, "h3");
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 16}, q(1.f, 0));
  m.add_add(h1, h3, out);
  m.set_outputs({out});
  auto c = compile_bytes(m.finish(), kName);
  check_plan(*c);
  const auto& p = c->plan;
  const auto& b1 = p.buffers[static_cast<size_t>(p.buffer_of[static_cast<size_t>(h1)])];
  EXPECT_EQ(b1.first_step, 0);
  // h1 dies at the ADD (step 3), which writes `out` over it in place; `out`
  // then lives to the end in the same buffer.
  EXPECT_EQ(b1.last_step, 4);
  EXPECT_EQ(p.buffer_of[static_cast<size_t>(out)], p.buffer_of[static_cast<size_t>(h1)]);
  ASSERT_EQ(p.in_place.size(), 1u);
  EXPECT_EQ(p.in_place[0].input, h1);
  EXPECT_EQ(p.in_place[0].output, out);
  // h2 (steps 1..2) must not reuse h1's bytes.
  const int64_t o1 = p.offset_of(h1), o2 = p.offset_of(h2);
  EXPECT_TRUE(o1 + 16 <= o2 || o2 + 64 <= o1);
  EXPECT_EQ(p.lower_bound, 96);  // step 2: h1 + h2 + h3
}

TEST(Planner, ReshapeOutputSharesItsInputsStorage) {
  // in[1,32] -RESHAPE-> x[1,4,4,2] -CONV-> c[1,4,4,4] -RESHAPE-> r[1,64] -FC-> out[1,10]
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 32}, q(0.5f, 0));
  const int x = m.add_tensor("x", w::TensorType::INT8, {1, 4, 4, 2}, q(0.5f, 0));
  m.add_reshape({in}, x);
  const int f = m.add_const_tensor("filter", w::TensorType::INT8, {4, 3, 3, 2}, std::vector<uint8_t>(72, 1),
                                   w::Quantization::symmetric_per_channel({0.01f, 0.01f, 0.02f, 0.02f}, 0));
  const int cv = m.add_tensor("conv", w::TensorType::INT8, {1, 4, 4, 4}, q(0.5f, 0));
  m.add_conv_2d({x, f, -1}, cv, {});
  const int r = m.add_tensor("flat", w::TensorType::INT8, {1, 64}, q(0.5f, 0));
  m.add_reshape({cv}, r, std::vector<int32_t>{1, 64});
  const int out = fc(m, r, 64, 10, "out");
  m.set_outputs({out});
  auto c = compile_bytes(m.finish(), kName);
  check_plan(*c);
  const auto& p = c->plan;
  EXPECT_EQ(p.offset_of(x), p.offset_of(in));
  EXPECT_EQ(p.offset_of(r), p.offset_of(cv));
  EXPECT_EQ(p.buffer_of[static_cast<size_t>(x)], p.buffer_of[static_cast<size_t>(in)]);
  EXPECT_EQ(p.buffer_of[static_cast<size_t>(r)], p.buffer_of[static_cast<size_t>(cv)]);
  ASSERT_EQ(c->calls.size(), 4u);
  EXPECT_TRUE(c->calls[0].is_alias);
  EXPECT_TRUE(c->calls[2].is_alias);
  // One buffer per storage group: {in,x}, {conv,flat}, out.
  EXPECT_EQ(p.buffers.size(), 3u);
  EXPECT_EQ(p.lower_bound, 96);
  EXPECT_EQ(p.arena_bytes, p.lower_bound);
}

TEST(Planner, DeadOperatorIsRemoved) {
  // An operator whose output nothing reads (and that is no model output) does not run.
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 8}, q(0.5f, 0));
  const int dead = fc(m, in, 8, 24, "dead");
  const int out = fc(m, in, 8, 4, "out");
  m.set_outputs({out});
  auto c = compile_bytes(m.finish(), kName);
  check_plan(*c);
  EXPECT_FALSE(c->plan.in_arena(dead));
  ASSERT_EQ(c->calls.size(), 1u);
  ASSERT_EQ(c->folded.size(), 1u);
  EXPECT_EQ(c->folded[0].op_index, 0);
  EXPECT_FALSE(c->folded[0].evaluated);
}

// As a model output (constant folding leaves those to run time): the arena has no storage
// for the constant to alias. (Read by ADD instead, it folds and ADD reads it from flash.)
TEST(Planner, ReshapeOfAConstantIsRejected) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4}, q(0.5f, 0));
  const int k = m.add_const_tensor("const", w::TensorType::INT8, {2, 2}, std::vector<uint8_t>{1, 2, 3, 4}, q(0.5f, 0));
  const int r = m.add_tensor("r", w::TensorType::INT8, {1, 4}, q(0.5f, 0));
  m.add_reshape({k}, r);
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(in, in, out);
  m.set_outputs({out, r});
  EXPECT_COMPILE_ERROR(compile_bytes(m.finish(), kName), kName, "op 0 (RESHAPE)", "constant");
}

TEST(Planner, AlignmentIsRespected) {
  // Odd sizes force padding between buffers.
  for (int64_t alignment : {1, 4, 8, 16, 32}) {
    w::ModelWriter m;
    const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 5}, q(0.5f, 0));
    const int a = fc(m, in, 5, 7, "a");
    const int b = fc(m, a, 7, 3, "b");
    const int d = fc(m, a, 7, 9, "d");
    const int out = m.add_tensor("out", w::TensorType::INT8, {1, 3}, q(1.f, 0));
    (void)d;
    m.add_add(b, b, out);
    m.set_outputs({out, d});
    auto c = compile_bytes(m.finish(), kName);
    c->plan = microflow::plan_memory(c->graph, c->calls, alignment);
    EXPECT_EQ(c->plan.alignment, alignment);
    SCOPED_TRACE("alignment " + std::to_string(alignment));
    check_plan(*c);
  }
}

// Random DAGs of FC / ADD / QUANTIZE / DEQUANTIZE / RESHAPE with int8 and
// float32 tensors, several inputs and outputs.
std::vector<uint8_t> random_dag(std::mt19937& rng, int ops) {
  struct T {
    int id;
    bool is_float;
    std::vector<int32_t> shape;
    int n;
  };
  w::ModelWriter m;
  std::vector<T> ts;
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  auto size = [&] { return 1 + static_cast<int>(rng() % 48); };
  auto scale = [&] { return 0.05f + 0.01f * static_cast<float>(rng() % 40); };
  const int inputs = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < inputs; ++i) {
    const bool f = rng() % 3 == 0;
    const int n = size();
    const int id = f ? m.add_input_tensor("in" + std::to_string(i), w::TensorType::FLOAT32, {1, n})
                     : m.add_input_tensor("in" + std::to_string(i), w::TensorType::INT8, {1, n}, q(scale(), 0));
    ts.push_back({id, f, {1, n}, n});
  }
  std::vector<int> outputs;
  for (int k = 0; k < ops; ++k) {
    const T x = ts[pick(ts.size())];
    const std::string name = numbered("t", k);
    const int kind = static_cast<int>(rng() % 5);
    if (kind == 0 || kind == 4) {  // FULLY_CONNECTED
      const int units = size();
      std::vector<int8_t> wv(static_cast<size_t>(units * x.n), 1);
      int wt, out;
      if (x.is_float) {
        wt = m.add_const_tensor(name + "/w", w::TensorType::FLOAT32, {units, x.n},
                                bytes_of(std::vector<float>(static_cast<size_t>(units * x.n), 0.5f)));
        out = m.add_tensor(name, w::TensorType::FLOAT32, {1, units});
      } else {
        wt = m.add_const_tensor(name + "/w", w::TensorType::INT8, {units, x.n}, bytes_of(wv), q(0.01f, 0));
        out = m.add_tensor(name, w::TensorType::INT8, {1, units}, q(scale(), 0));
      }
      m.add_fully_connected({x.id, wt, -1}, out);
      ts.push_back({out, x.is_float, {1, units}, units});
    } else if (kind == 1) {  // ADD with a random partner of the same shape and type (maybe itself)
      std::vector<T> partners;
      for (const T& y : ts)
        if (y.is_float == x.is_float && y.shape == x.shape) partners.push_back(y);
      const T y = partners[pick(partners.size())];
      const int out = x.is_float ? m.add_tensor(name, w::TensorType::FLOAT32, x.shape)
                                 : m.add_tensor(name, w::TensorType::INT8, x.shape, q(scale(), 0));
      m.add_add(x.id, y.id, out);
      ts.push_back({out, x.is_float, x.shape, x.n});
    } else if (kind == 2) {  // QUANTIZE / DEQUANTIZE / requantize
      int out;
      bool f;
      if (x.is_float) {
        out = m.add_tensor(name, w::TensorType::INT8, x.shape, q(scale(), 0));
        m.add_quantize(x.id, out);
        f = false;
      } else if (rng() % 2) {
        out = m.add_tensor(name, w::TensorType::FLOAT32, x.shape);
        m.add_dequantize(x.id, out);
        f = true;
      } else {
        out = m.add_tensor(name, w::TensorType::INT8, x.shape, q(scale(), 0));
        m.add_quantize(x.id, out);
        f = false;
      }
      ts.push_back({out, f, x.shape, x.n});
    } else {  // RESHAPE
      const std::vector<int32_t> shape = rng() % 2 ? std::vector<int32_t>{x.n} : std::vector<int32_t>{x.n, 1};
      const int out = x.is_float ? m.add_tensor(name, w::TensorType::FLOAT32, shape)
                                 : m.add_tensor(name, w::TensorType::INT8, shape, q(scale(), 0));
      m.add_reshape({x.id}, out);
      ts.push_back({out, x.is_float, shape, x.n});
    }
    if (rng() % 6 == 0) outputs.push_back(ts.back().id);
  }
  if (outputs.empty() || outputs.back() != ts.back().id) outputs.push_back(ts.back().id);
  m.set_outputs(outputs);
  return m.finish();
}

TEST(Planner, RandomDagsSatisfyAllInvariants) {
  std::mt19937 rng(2024);
  const int graphs = 300;
  int at_bound_unaligned = 0;
  double worst_ratio = 1;
  for (int i = 0; i < graphs; ++i) {
    const int ops = 1 + static_cast<int>(rng() % 24);
    const auto bytes = random_dag(rng, ops);
    std::unique_ptr<Compiled> c;
    try {
      c = compile_bytes(bytes, kName);
    } catch (const CompileError& e) {
      FAIL() << "random graph " << i << " does not compile: " << e.what();
    }
    SCOPED_TRACE("random graph " + std::to_string(i));
    check_plan(*c);
    // Byte-granular placement must satisfy the same invariants.
    const microflow::MemoryPlan aligned = c->plan;
    c->plan = microflow::plan_memory(c->graph, c->calls, 1);
    check_plan(*c);
    if (HasFailure()) {
      const fs::path p = fs::temp_directory_path() / "microflow_planner_failing_graph.tflite";
      write_file(p, bytes);
      FAIL() << "failing graph written to " << p;
    }
    at_bound_unaligned += c->plan.arena_bytes == c->plan.lower_bound;
    worst_ratio = std::max(worst_ratio, static_cast<double>(aligned.arena_bytes) / static_cast<double>(aligned.lower_bound));
    // Greedy placement never needs more than every buffer side by side.
    int64_t total = 0;
    for (const auto& b : aligned.buffers) total += (b.size + 3) / 4 * 4;
    EXPECT_LE(aligned.arena_bytes, total);
  }
  std::cout << at_bound_unaligned << " of " << graphs
            << " random graphs planned at the lower bound (alignment 1); worst arena / lower bound (alignment 4) "
            << worst_ratio << "\n";
  // Quality guards (observed: 247 of 300, worst 1.27): the heuristics must not regress badly.
  EXPECT_GT(at_bound_unaligned, graphs * 2 / 3);
  EXPECT_LT(worst_ratio, 1.5);
}


TEST(Planner, InPlaceIsNotUsedWhenTheInputIsStillNeeded) {
  // s = ADD(a, b); out = ADD(s, a): `a` is read again after the first ADD, so
  // that ADD may only write over `b`.
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 8}, q(0.5f, 0));
  const int b = m.add_input_tensor("b", w::TensorType::INT8, {1, 8}, q(0.5f, 0));
  const int s = m.add_tensor("s", w::TensorType::INT8, {1, 8}, q(1.f, 0));
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 8}, q(1.f, 0));
  m.add_add(a, b, s);
  m.add_add(s, a, out);
  m.set_outputs({out});
  auto c = compile_bytes(m.finish(), kName);
  check_plan(*c);
  const auto& p = c->plan;
  EXPECT_NE(p.offset_of(s), p.offset_of(a));
  EXPECT_EQ(p.offset_of(s), p.offset_of(b));
  EXPECT_EQ(p.lower_bound, 16);
}

// The gap formula: max over output rows y of (end of output row y) - (first input row of
// y's window) * input row bytes, never below 0. Rows of R bytes.
TEST(Planner, RowWindowGapFormula) {
  using microflow::row_window_gap;
  const int64_t R = 96;
  // 3x3 SAME stride 1 (pad_top 1): row y ends at (y + 1) R, its window starts at y - 1: 2 rows.
  EXPECT_EQ(row_window_gap(10, R, 10, R, 1, 1), 2 * R);
  // 3x3 VALID stride 1 on 10 x 16 x 6: output rows of 14 pixels, window at y: one output row.
  EXPECT_EQ(row_window_gap(10, 16 * 6, 8, 14 * 6, 1, 0), 14 * 6);
  // 3x3 SAME stride 2 on an even height (pad_top 0, the extra row at the bottom): half a row.
  EXPECT_EQ(row_window_gap(10, R, 5, R / 2, 2, 0), R / 2);
  // ... on an odd height (7 -> 4 rows, pad_top 1): row 0 reads from row 0, row 1 from row 1.
  EXPECT_EQ(row_window_gap(7, R, 4, R / 2, 2, 1), R / 2);
  // Depth multiplier 2, 3x3 SAME stride 1: output rows twice as long; the last row
  // (y = 9) ends at 20 R and reads from row 8: 12 R; the pair takes 22 R, not 30 R.
  EXPECT_EQ(row_window_gap(10, R, 10, 2 * R, 1, 1), 12 * R);
  // Pooling 2x2 VALID stride 2 (depth kept): half a row; global pooling: one pixel.
  EXPECT_EQ(row_window_gap(8, R, 4, R / 2, 2, 0), R / 2);
  EXPECT_EQ(row_window_gap(7, 7 * 32, 1, 32, 1, 0), 32);
  // A window reaching below the image start never lowers the bound under 0.
  EXPECT_EQ(row_window_gap(3, R, 1, 1, 1, 5), 1);
}

// x[1,H,W,C] -> DEPTHWISE 3x3 (stride, padding, depth multiplier) -> out.
int depthwise(w::ModelWriter& m, int in, int h, int wd, int c, int dm, int stride, bool same, const std::string& name,
              int batches = 1) {
  const int oc = c * dm;
  const int oh = same ? (h + stride - 1) / stride : (h - 3) / stride + 1;
  const int ow = same ? (wd + stride - 1) / stride : (wd - 3) / stride + 1;
  std::vector<int8_t> wv(static_cast<size_t>(9 * oc));
  for (size_t i = 0; i < wv.size(); ++i) wv[i] = static_cast<int8_t>(static_cast<int>(i % 11) - 5);
  const int wt = m.add_const_tensor(name + "/w", w::TensorType::INT8, {1, 3, 3, oc}, bytes_of(wv),
                                    w::Quantization::symmetric_per_channel(std::vector<float>(static_cast<size_t>(oc), 0.01f), 3));
  const int out = m.add_tensor(name, w::TensorType::INT8, {batches, oh, ow, oc}, q(0.5f, 0));
  m.add_depthwise_conv_2d({in, wt, -1}, out,
                          {.padding = same ? w::Padding::SAME : w::Padding::VALID, .stride_w = stride,
                           .stride_h = stride, .depth_multiplier = dm});
  return out;
}

const microflow::InPlace* in_place_of(const MemoryPlan& p, int op) {
  for (const auto& ip : p.in_place)
    if (ip.op_index == op) return &ip;
  return nullptr;
}

// in[1,12,10,8] -> DEPTHWISE -> d -> 2x2 pool -> out: each op's input dies there, and
// the depthwise step is the peak. The plan's gaps are the formula's (checked row by row
// in check_plan), and the arena shrinks.
TEST(Planner, DepthwiseAndPoolingWriteOverTheirInputWithTheRowGap) {
  struct Case {
    int stride, dm;
    bool same, max_pool;
    int64_t dw_gap;
  };
  const int64_t R = 10 * 8;
  for (const Case cs : {Case{1, 1, true, true, 2 * R}, Case{1, 1, false, false, 8 * 8}, Case{2, 1, true, true, R / 2},
                        Case{1, 2, true, false, 14 * R}}) {
    SCOPED_TRACE("stride " + std::to_string(cs.stride) + " dm " + std::to_string(cs.dm) + (cs.same ? " SAME" : " VALID"));
    w::ModelWriter m;
    const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 12, 10, 8}, q(0.5f, 0));
    const int d = depthwise(m, in, 12, 10, 8, cs.dm, cs.stride, cs.same, "d");
    const int dh = cs.same ? (12 + cs.stride - 1) / cs.stride : (12 - 3) / cs.stride + 1;
    const int dw_width = cs.same ? (10 + cs.stride - 1) / cs.stride : (10 - 3) / cs.stride + 1;
    const int out = m.add_tensor("out", w::TensorType::INT8, {1, dh / 2, dw_width / 2, 8 * cs.dm}, q(0.5f, 0));
    const w::Pool2DOptions po{.padding = w::Padding::VALID, .stride_w = 2, .stride_h = 2, .filter_width = 2, .filter_height = 2};
    if (cs.max_pool) m.add_max_pool_2d(d, out, po);
    else m.add_average_pool_2d(d, out, po);
    m.set_outputs({out});
    // Without band streaming, which would take the whole chain in the depth-multiplier case.
    auto c = std::make_unique<Compiled>();
    microflow::CompileOptions options;
    options.streaming = microflow::StreamingMode::Off;
    microflow::compile_model_buffer(m.finish(), kName, *c, options);
    check_plan(*c);
    const auto& p = c->plan;
    const auto* dw = in_place_of(p, 0);
    ASSERT_NE(dw, nullptr);
    EXPECT_TRUE(dw->row_window);
    EXPECT_EQ(dw->gap, cs.dw_gap);
    EXPECT_EQ(p.offset_of(in) - p.offset_of(d), cs.dw_gap);
    const int64_t in_bytes = 12 * R, d_bytes = c->graph.tensor(d).bytes();
    EXPECT_EQ(dw->saved, in_bytes + d_bytes - std::max(cs.dw_gap + in_bytes, d_bytes));
    EXPECT_EQ(c->calls[0].function(), "depthwise_conv_2d_by_rows_s8");
    EXPECT_LT(p.arena_bytes, p.arena_without_row_windows);
  }
}

// Not in place: the input is read again later (a second consumer), the layer has two
// batches, or the pair would not lower the arena (the peak is elsewhere).
TEST(Planner, RowWindowInPlaceOnlyWhereLegalAndUseful) {
  {  // `in` also feeds the ADD after the depthwise.
    w::ModelWriter m;
    const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 6, 6, 4}, q(0.5f, 0));
    const int d = depthwise(m, in, 6, 6, 4, 1, 1, true, "d");
    const int out = m.add_tensor("out", w::TensorType::INT8, {1, 6, 6, 4}, q(1.f, 0));
    m.add_add(d, in, out);
    m.set_outputs({out});
    auto c = compile_bytes(m.finish(), kName);
    check_plan(*c);
    const auto* ip = in_place_of(c->plan, 0);
    EXPECT_TRUE(ip == nullptr) << "gap " << ip->gap;
    EXPECT_EQ(c->calls[0].function(), "depthwise_conv_2d_s8");
  }
  {  // Two batches.
    w::ModelWriter m;
    const int in = m.add_input_tensor("in", w::TensorType::INT8, {2, 6, 6, 4}, q(0.5f, 0));
    const int d = depthwise(m, in, 6, 6, 4, 1, 1, true, "d", 2);
    m.set_outputs({d});
    auto c = compile_bytes(m.finish(), kName);
    check_plan(*c);
    EXPECT_TRUE(c->plan.in_place.empty());
  }
  {  // The peak is the FC's wide output, not the depthwise: no pair (it would only cost the
     // by-rows kernel's speed), but the arena is the same.
    w::ModelWriter m;
    const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4, 4, 2}, q(0.5f, 0));
    const int d = depthwise(m, in, 4, 4, 2, 1, 1, true, "d");
    const int flat = m.add_tensor("flat", w::TensorType::INT8, {1, 32}, q(0.5f, 0));
    m.add_reshape({d}, flat, std::vector<int32_t>{1, 32});
    const int wide = fc(m, flat, 32, 400, "wide");
    const int out = fc(m, wide, 400, 4, "out");
    m.set_outputs({out});
    auto c = compile_bytes(m.finish(), kName);
    check_plan(*c);
    EXPECT_TRUE(c->plan.in_place.empty());
    EXPECT_EQ(c->plan.arena_bytes, c->plan.arena_without_row_windows);
    EXPECT_EQ(c->calls[0].function(), "depthwise_conv_2d_s8");
  }
}

TEST(Planner, ExecutionOrderOfBranchesMinimizesThePeak) {
  // Two branches, each a big temporary then a small result, joined by ADD.
  // The model interleaves them (a1, b1, a2, b2): both temporaries are alive
  // at once, in + a1 + b1 = 272 B. Finishing one branch first peaks at 160 B.
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 16}, q(0.5f, 0));
  const int a1 = fc(m, in, 16, 128, "a1");
  const int b1 = fc(m, in, 16, 128, "b1");
  const int a2 = fc(m, a1, 128, 16, "a2");
  const int b2 = fc(m, b1, 128, 16, "b2");
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 16}, q(1.f, 0));
  m.add_add(a2, b2, out);
  m.set_outputs({out});
  auto c = compile_bytes(m.finish(), kName);
  check_plan(*c);
  std::vector<int> position(c->graph.tensors.size(), -1);
  for (size_t i = 0; i < c->calls.size(); ++i)
    position[static_cast<size_t>(c->calls[i].op->outputs[0])] = static_cast<int>(i);
  // Still a topological order...
  EXPECT_LT(position[static_cast<size_t>(a1)], position[static_cast<size_t>(a2)]);
  EXPECT_LT(position[static_cast<size_t>(b1)], position[static_cast<size_t>(b2)]);
  EXPECT_LT(position[static_cast<size_t>(a2)], position[static_cast<size_t>(out)]);
  EXPECT_LT(position[static_cast<size_t>(b2)], position[static_cast<size_t>(out)]);
  // ...in which the two big temporaries are never alive together.
  const bool a_first = position[static_cast<size_t>(a2)] < position[static_cast<size_t>(b1)];
  const bool b_first = position[static_cast<size_t>(b2)] < position[static_cast<size_t>(a1)];
  EXPECT_TRUE(a_first || b_first);
  EXPECT_EQ(c->plan.lower_bound, 160);
  EXPECT_EQ(c->plan.arena_bytes, 160);
}

}  // namespace
}  // namespace mftest
