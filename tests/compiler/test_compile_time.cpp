// What the compiler does at build time on the idiom graphs of operators/GRAPHS
// (MICROFLOW_MODELS_DIR; skipped when absent): PAD folded into the convolution after it,
// a CONCATENATION written in place by its producers, shape chains folded to constants.
// Bit-exactness of the same models is the golden batches' job.
#include "kernels/window.h"
#include "pipeline.h"
#include "plan_checks.h"

namespace mftest {
namespace {

const fs::path kGraphs = fs::path(MICROFLOW_MODELS_DIR) / "operators" / "GRAPHS";

std::unique_ptr<Compiled> compile_graph(const std::string& name) {
  auto c = std::make_unique<Compiled>();
  microflow::compile_model((kGraphs / name / "model.tflite").string(), *c);
  return c;
}

#define REQUIRE_GRAPH(name)                                                              \
  do {                                                                                   \
    if (!fs::exists(kGraphs / name / "model.tflite")) GTEST_SKIP() << "no " << (kGraphs / name); \
  } while (0)

int64_t bytes_of(const Compiled& c, int tensor) { return c.graph.tensor(tensor).bytes(); }

TEST(CompileTime, PadFoldsIntoTheConvolution) {
  for (const char* name : {"pad_conv_valid_int8", "pad_dwconv_s2_int8"}) {
    SCOPED_TRACE(name);
    REQUIRE_GRAPH(name);
    auto c = compile_graph(name);
    check_plan(*c);
    ASSERT_EQ(c->calls.size(), 1u);
    const microflow::KernelCall& conv = c->calls[0];
    ASSERT_NE(conv.folded_pad, nullptr);
    EXPECT_STREQ(conv.folded_pad->name, "PAD");
    // The padded tensor never exists: the convolution reads the model input.
    EXPECT_EQ(conv.input_tensor(), c->graph.inputs[0]);
    const auto w = conv.params.as<microflow::WindowedParams>().window();
    EXPECT_EQ(w.input_height, c->graph.tensor(c->graph.inputs[0]).shape[1]);
    // No more RAM than the convolution alone: its input and output.
    EXPECT_LE(c->plan.arena_bytes, bytes_of(*c, c->graph.inputs[0]) + bytes_of(*c, c->graph.outputs[0]));
  }
}

TEST(CompileTime, ConcatenationIsWrittenInPlaceByItsProducers) {
  REQUIRE_GRAPH("concat_two_convs_int8");
  auto c = compile_graph("concat_two_convs_int8");
  check_plan(*c);
  int views = 0, strided = 0;
  for (const microflow::KernelCall& k : c->calls) {
    views += k.views;
    strided += k.strided_output;
    if (k.views) {
      ASSERT_EQ(k.blocks.size(), 2u);
      // Each part sits at its block's offset inside the output.
      for (const microflow::Block& b : k.blocks)
        EXPECT_EQ(c->plan.offset_of(b.part), c->plan.offset_of(b.whole) + b.offset);
    }
  }
  EXPECT_EQ(views, 1);
  EXPECT_EQ(strided, 2);  // a channel concatenation: both convolutions write with the output's stride
  // Input + output: the branches' outputs take no bytes of their own.
  EXPECT_EQ(c->plan.arena_bytes, bytes_of(*c, c->graph.inputs[0]) + bytes_of(*c, c->graph.outputs[0]));
}

}  // namespace
}  // namespace mftest
