// The compiler on the TFLM reference models (MICROFLOW_MODELS_DIR): lowered
// constants against the documented values, and memory plans against TFLM's
// arena. Skipped, with a message, when the models are not available.
#include "pipeline.h"
#include "plan_checks.h"
#include "tflm_reference.h"

namespace mftest {
namespace {

const fs::path kModels = MICROFLOW_MODELS_DIR;

fs::path model_path(const std::string& name) { return kModels / name / "model.tflite"; }

#define REQUIRE_MODEL(name)                                                                              \
  do {                                                                                                   \
    if (!fs::exists(model_path(name)))                                                                   \
      GTEST_SKIP() << "reference model " << model_path(name) << " not found (set MICROFLOW_MODELS_DIR)"; \
  } while (0)

std::unique_ptr<Compiled> compile_model_file(const std::string& name, const microflow::CompileOptions& options = {}) {
  auto c = std::make_unique<Compiled>();
  microflow::compile_model(model_path(name).string(), *c, options);
  return c;
}

std::string param(const microflow::KernelCall& k, const std::string& name) {
  for (const auto& p : k.params.fields())
    if (p.name == name) return p.value;
  ADD_FAILURE() << k.function() << " has no parameter " << name;
  return "";
}

TEST(ReferenceModels, SineInt8FirstFullyConnectedUsesTheFloat32ScaleProduct) {
  REQUIRE_MODEL("sine_int8");
  // The lowering's own result: the generic kernel (--optimize=size).
  auto c = compile_model_file("sine_int8", {microflow::Optimize::Size, ""});
  ASSERT_EQ(c->calls.size(), 3u);
  const microflow::KernelCall& k = c->calls[0];
  ASSERT_EQ(k.function(), "fully_connected_s8");
  ASSERT_STREQ(k.op->name, "FULLY_CONNECTED");
  // doc §2.1: M = 2039655759 from the float32 product (2039655736 if computed in double), s = -7.
  EXPECT_EQ(param(k, "multiplier"), "2039655759");
  EXPECT_EQ(param(k, "shift"), "-7");
  EXPECT_EQ(param(k, "channel_multiplier"), "nullptr");

  // The same numbers from the model's scales with the independent reference.
  const auto& g = c->graph;
  const float s_in = g.tensor(k.op->inputs[0]).quant.scale(), s_w = g.tensor(k.op->inputs[1]).quant.scale(),
              s_out = g.tensor(k.op->outputs[0]).quant.scale();
  const auto f32 = tflm_ref::quantize_multiplier(static_cast<double>(s_in * s_w) / static_cast<double>(s_out));
  const auto f64 = tflm_ref::quantize_multiplier(static_cast<double>(s_in) * static_cast<double>(s_w) /
                                                 static_cast<double>(s_out));
  EXPECT_EQ(f32.m, 2039655759);
  EXPECT_EQ(f32.s, -7);
  EXPECT_EQ(f64.m, 2039655736);

  // Every FC layer follows the float32 rule.
  for (const auto& call : c->calls) {
    const float a = g.tensor(call.op->inputs[0]).quant.scale(), b = g.tensor(call.op->inputs[1]).quant.scale(),
                o = g.tensor(call.op->outputs[0]).quant.scale();
    const auto want = tflm_ref::quantize_multiplier(static_cast<double>(a * b) / static_cast<double>(o));
    EXPECT_EQ(param(call, "multiplier"), std::to_string(want.m)) << "op " << call.op->index;
    EXPECT_EQ(param(call, "shift"), std::to_string(want.s)) << "op " << call.op->index;
  }
  check_plan(*c);

  // --optimize=speed keeps the numbers and passes them as template arguments: the int16
  // kernel (SMLAD blocks on Cortex-M, outputs in AVX2 lanes on the host), except on AVR
  // (int8 weights, 8x8 multiplies).
  const std::pair<const char*, const char*> variants[] = {{"cortex-m", "fully_connected_s8_wide_fixed"},
                                                          {"avr", "fully_connected_s8_fixed"},
                                                          {"host", "fully_connected_s8_lanes_fixed"}};
  for (const auto& [family, function] : variants) {
    auto fast = compile_model_file("sine_int8", {microflow::Optimize::Speed, family});
    ASSERT_EQ(fast->calls.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      const microflow::KernelCall& f = fast->calls[i];
      EXPECT_EQ(f.function(), function) << family;
      EXPECT_TRUE(f.kernel->template_constants);
      EXPECT_EQ(param(f, "multiplier"), param(c->calls[i], "multiplier"));
      EXPECT_EQ(param(f, "shift"), param(c->calls[i], "shift"));
    }
  }
}

TEST(ReferenceModels, PersonDetectArenaIsAtMostTflmsAndAtTheLowerBound) {
  REQUIRE_MODEL("person_detect");
  auto c = compile_model_file("person_detect");
  constexpr int64_t kTflmArena = 85024;  // manifest.json arena_used_bytes
  EXPECT_LE(c->plan.arena_bytes, kTflmArena);
  // Band streaming of the first layers (the largest live pair alone is 55,296 B).
  EXPECT_LE(c->plan.arena_bytes, 24576);
  EXPECT_EQ(c->streaming.arena_before, 55296);
  EXPECT_EQ(c->plan.arena_bytes, c->plan.lower_bound) << "strategy " << c->plan.strategy;
  check_plan(*c);
  // The RESHAPE before the softmax costs nothing.
  int aliases = 0;
  for (const auto& k : c->calls)
    if (k.is_alias) {
      ++aliases;
      EXPECT_EQ(c->plan.offset_of(k.args[0].tensor), c->plan.offset_of(k.args[1].tensor));
    }
  EXPECT_EQ(aliases, 1);

  // On Cortex-M the regions' stride-1 1x1 stages get the int16 SMLAD kernel instantiated for
  // one output row's pixels, on the host the AVX2 lanes kernel (as do the 1x1 layers outside
  // regions); the plan is the same.
  const std::pair<const char*, const char*> variants[] = {{"cortex-m", "conv_2d_1x1_s8_wide_fixed"},
                                                          {"host", "conv_2d_1x1_s8_lanes_fixed"}};
  for (const auto& [family, function] : variants) {
    auto fast = compile_model_file("person_detect", {microflow::Optimize::Speed, family});
    EXPECT_EQ(fast->plan.arena_bytes, c->plan.arena_bytes) << family;
    int wide_stages = 0, generic_1x1 = 0;
    for (const auto& k : fast->calls) {
      if (k.function() == "conv_2d_1x1_s8" && param(k, "stride_height") == "1") ++generic_1x1;
      for (size_t i = 0; i < k.stages.size(); ++i) {
        const auto& st = k.stages[i];
        if (k.bands[i].kernel != "kBandConv1x1Wide") continue;
        ++wide_stages;
        EXPECT_EQ(st.function(), function);
        EXPECT_TRUE(st.kernel->template_constants);
        EXPECT_EQ(param(st, "pixels"),
                  std::to_string(k.bands[i].output_row_bytes / std::stoll(param(st, "output_depth"))));
      }
    }
    EXPECT_GT(wide_stages, 0) << family;
    EXPECT_EQ(generic_1x1, 0) << family;
  }
}

// vww's 1x1 layers have dead channels whose biases reach 2^30: those whose every accumulator
// requantizes to one value become constant channels (zero weights, a small bias) so that the
// layer still takes the DSP kernel (golden.cortex-m4.mlperf_tiny.vww_96_int8 checks the values).
TEST(ReferenceModels, VwwDeadChannelsKeepTheDspOneByOneKernel) {
  REQUIRE_MODEL("mlperf_tiny/vww_96_int8");
  auto c = compile_model_file("mlperf_tiny/vww_96_int8", {microflow::Optimize::Speed, "cortex-m"});
  int wide = 0, generic = 0;
  for (const auto& k : c->calls) {
    if (k.function() == "conv_2d_1x1_s8_wide_fixed") ++wide;
    if (k.function() == "conv_2d_1x1_s8" && param(k, "stride_height") == "1") ++generic;
  }
  EXPECT_EQ(wide, 12);  // all but the band region's stage
  EXPECT_EQ(generic, 0);
}

// str_ww's depthwise layers (Kx1 filters on width-1 rows: three whole layers and one band stage)
// take the narrow DSP kernel on cores with the DSP extension; Cortex-M0 keeps the generic one.
TEST(ReferenceModels, StrWwDepthwiseLayersTakeTheNarrowKernelWithTheDsp) {
  REQUIRE_MODEL("mlperf_tiny/str_ww_ref_model");
  for (const bool dsp : {true, false}) {
    auto c = compile_model_file("mlperf_tiny/str_ww_ref_model",
                                {microflow::Optimize::Speed, "cortex-m", dsp ? std::vector<std::string>{"dsp"}
                                                                             : std::vector<std::string>{}});
    int narrow = 0, generic = 0, narrow_stages = 0;
    for (const auto& k : c->calls) {
      if (k.function() == "depthwise_conv_2d_s8_narrow_fixed") ++narrow;
      if (k.function() == "depthwise_conv_2d_s8") ++generic;
      for (size_t i = 0; i < k.stages.size(); ++i)
        if (k.stages[i].function() == "depthwise_conv_2d_s8_narrow_fixed") {
          ++narrow_stages;
          EXPECT_EQ(k.bands[i].kernel, "kBandDepthwiseWide");
        }
    }
    EXPECT_EQ(narrow, dsp ? 3 : 0);
    EXPECT_EQ(narrow_stages, dsp ? 1 : 0);
    EXPECT_EQ(generic, dsp ? 0 : 3);
  }
}

TEST(ReferenceModels, EverySupportedModelPlansValidly) {
  if (!fs::exists(kModels)) GTEST_SKIP() << "models directory " << kModels << " not found";
  int compiled = 0;
  for (const char* name : {"sine_int8", "sine_float", "micro_speech", "person_detect"}) {
    if (!fs::exists(model_path(name))) continue;
    SCOPED_TRACE(name);
    std::unique_ptr<Compiled> c;
    ASSERT_NO_THROW(c = compile_model_file(name));
    check_plan(*c);
    ++compiled;
  }
  if (compiled == 0) GTEST_SKIP() << "none of the reference models found in " << kModels;
}

// Variable tensors and resource variables live in the state region, out of the arena; the
// operators on one variable keep the model's order, and a CALL_ONCE init subgraph runs first.
TEST(ReferenceModels, StateStaysOutOfTheArenaAndInModelOrder) {
  REQUIRE_MODEL("operators/SVDF/stateful_int8_rank2_batch2");
  REQUIRE_MODEL("operators/VAR_HANDLE/stateful_accumulator_int8");
  auto svdf = compile_model_file("operators/SVDF/stateful_int8_rank2_batch2");
  check_plan(*svdf);
  const auto& state = svdf->graph.tensor(svdf->calls.at(0).op->inputs.at(4));
  EXPECT_TRUE(state.is_variable);
  EXPECT_EQ(svdf->plan.state_bytes, state.bytes());  // int16 [2, 48]
  EXPECT_EQ(svdf->plan.once_flag_offset, -1);
  EXPECT_LT(svdf->plan.arena_bytes, state.bytes());  // input and output only

  auto acc = compile_model_file("operators/VAR_HANDLE/stateful_accumulator_int8");
  check_plan(*acc);
  std::vector<std::string> order;
  for (const auto& k : acc->calls) order.push_back(std::string(k.op->once ? "once " : "") + k.op->name);
  EXPECT_EQ(order, (std::vector<std::string>{"once ASSIGN_VARIABLE", "READ_VARIABLE", "ADD", "ASSIGN_VARIABLE",
                                             "READ_VARIABLE"}));
  int variables = 0;
  for (const auto& t : acc->graph.tensors) variables += t.is_variable;
  EXPECT_EQ(variables, 1);  // both VAR_HANDLEs name 'accumulator'
  EXPECT_GE(acc->plan.once_flag_offset, 8);
}

// TFLM's audio front end (Signal custom operators): the spectral subtraction's noise
// estimate is kernel state (40 x uint32 in the state region); the arena is within one
// 8-byte alignment step (the uint64 filter bank output) of its lower bound.
TEST(ReferenceModels, AudioPreprocessorKeepsItsNoiseEstimateAsState) {
  REQUIRE_MODEL("micro_speech_preprocessor");
  auto m = compile_model_file("micro_speech_preprocessor");
  check_plan(*m);
  int variables = 0;
  for (const auto& t : m->graph.tensors) variables += t.is_variable;
  EXPECT_EQ(variables, 1);
  EXPECT_EQ(m->plan.state_bytes, 40 * 4);
  EXPECT_EQ(m->plan.alignment, 8);
  EXPECT_LE(m->plan.arena_bytes, m->plan.lower_bound + 8);
}

}  // namespace
}  // namespace mftest
