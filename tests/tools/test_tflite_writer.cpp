// Tests of tools/tflite_writer: models it writes pass the flatbuffers
// verifier and read back, through the generated accessors, as written.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "microflow/tflite_writer.h"

namespace {

namespace tfl = microflow::tfl;
using namespace microflow::tools;

// Verifies the bytes and returns the root table; the bytes must outlive it.
const tfl::Model* verified_model(const std::vector<uint8_t>& bytes) {
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  EXPECT_TRUE(tfl::VerifyModelBuffer(verifier));
  return tfl::GetModel(bytes.data());
}

std::vector<int32_t> to_vector(const flatbuffers::Vector<int32_t>* v) {
  return v ? std::vector<int32_t>(v->begin(), v->end()) : std::vector<int32_t>{};
}

// x[1,1] -> FC(16, RELU) -> y[1,16], the first layer of the sine model.
struct SmallFcModel {
  ModelWriter writer;
  int32_t x, weights, bias, y;

  SmallFcModel() {
    x = writer.add_input_tensor("x", TensorType::INT8, {1, 1}, Quantization{0.025f, -128});
    weights = writer.add_const_tensor("w", TensorType::INT8, {16, 1},
                                      to_bytes(std::vector<int8_t>(16, 127)),
                                      Quantization{0.004f, 0});
    bias = writer.add_const_tensor("b", TensorType::INT32, {16},
                                   to_bytes(std::vector<int32_t>(16, -1000)),
                                   Quantization{0.0001f, 0});
    y = writer.add_tensor("y", TensorType::INT8, {1, 16}, Quantization{0.0133f, -128});
    writer.add_fully_connected({x, weights, bias}, y, Activation::RELU);
    writer.set_outputs({y});
  }
};

TEST(TfliteWriter, WritesIdentifierVersionAndEmptySentinelBuffer) {
  SmallFcModel m;
  const auto bytes = m.writer.finish();
  const tfl::Model* model = verified_model(bytes);
  EXPECT_TRUE(tfl::ModelBufferHasIdentifier(bytes.data()));
  EXPECT_EQ(std::string(flatbuffers::GetBufferIdentifier(bytes.data()), 4), "TFL3");
  EXPECT_EQ(model->version(), 3u);
  ASSERT_EQ(model->subgraphs()->size(), 1u);
  ASSERT_EQ(model->buffers()->size(), 3u);  // sentinel, w, b
  EXPECT_EQ(model->buffers()->Get(0)->data(), nullptr);
  EXPECT_EQ(model->subgraphs()->Get(0)->tensors()->Get(m.x)->buffer(), 0u);
  EXPECT_EQ(model->subgraphs()->Get(0)->tensors()->Get(m.y)->buffer(), 0u);
}

TEST(TfliteWriter, TensorsReadBackWithDataAndQuantization) {
  SmallFcModel m;
  const auto bytes = m.writer.finish();
  const tfl::Model* model = verified_model(bytes);
  const tfl::SubGraph* graph = model->subgraphs()->Get(0);
  EXPECT_EQ(to_vector(graph->inputs()), std::vector<int32_t>{m.x});
  EXPECT_EQ(to_vector(graph->outputs()), std::vector<int32_t>{m.y});
  ASSERT_EQ(graph->tensors()->size(), 4u);

  const tfl::Tensor* w = graph->tensors()->Get(m.weights);
  EXPECT_EQ(w->name()->str(), "w");
  EXPECT_EQ(w->type(), tfl::TensorType::INT8);
  EXPECT_EQ(to_vector(w->shape()), (std::vector<int32_t>{16, 1}));
  EXPECT_FLOAT_EQ(w->quantization()->scale()->Get(0), 0.004f);
  EXPECT_EQ(w->quantization()->zero_point()->Get(0), 0);
  const auto* w_data = model->buffers()->Get(w->buffer())->data();
  ASSERT_NE(w_data, nullptr);
  EXPECT_EQ(std::vector<uint8_t>(w_data->begin(), w_data->end()), std::vector<uint8_t>(16, 127));
  // force_align: 16 on Buffer.data, relative to the (aligned) file start.
  EXPECT_EQ((w_data->data() - bytes.data()) % 16, 0);

  const tfl::Tensor* b = graph->tensors()->Get(m.bias);
  EXPECT_EQ(b->type(), tfl::TensorType::INT32);
  const auto* b_data = model->buffers()->Get(b->buffer())->data();
  ASSERT_EQ(b_data->size(), 64u);
  EXPECT_EQ(flatbuffers::ReadScalar<int32_t>(b_data->data() + 4), -1000);

  const tfl::Tensor* x = graph->tensors()->Get(m.x);
  EXPECT_FLOAT_EQ(x->quantization()->scale()->Get(0), 0.025f);
  EXPECT_EQ(x->quantization()->zero_point()->Get(0), -128);
}

TEST(TfliteWriter, PerChannelAndAbsentQuantization) {
  ModelWriter writer;
  const int32_t filter = writer.add_const_tensor(
      "filter", TensorType::INT8, {1, 3, 3, 2}, std::vector<uint8_t>(18, 1),
      Quantization::symmetric_per_channel({0.5f, 0.25f}, 3));
  const int32_t f = writer.add_tensor("f", TensorType::FLOAT32, {2});
  const auto bytes = writer.finish();
  const tfl::SubGraph* graph = verified_model(bytes)->subgraphs()->Get(0);

  const auto* q = graph->tensors()->Get(filter)->quantization();
  ASSERT_EQ(q->scale()->size(), 2u);
  EXPECT_FLOAT_EQ(q->scale()->Get(1), 0.25f);
  ASSERT_EQ(q->zero_point()->size(), 2u);
  EXPECT_EQ(q->zero_point()->Get(1), 0);
  EXPECT_EQ(q->quantized_dimension(), 3);
  EXPECT_EQ(graph->tensors()->Get(f)->quantization(), nullptr);
  EXPECT_EQ(graph->tensors()->Get(f)->type(), tfl::TensorType::FLOAT32);
}

TEST(TfliteWriter, OperatorCodesAreSharedAndFillBothCodeFields) {
  ModelWriter writer;
  writer.add_fully_connected({0, 1, 2}, 3);
  writer.add_fully_connected({3, 4, -1}, 5);  // -1: no bias
  writer.add_quantize(5, 6);
  writer.add_add(6, 6, 7);
  writer.add_operator(BuiltinOperator::FullyConnected, {7, 1}, {8}, {}, /*version=*/2);
  writer.add_custom_operator("SignalWindow", {8}, {9}, {0xAB, 0xCD});
  const auto bytes = writer.finish();
  const tfl::Model* model = verified_model(bytes);

  const auto* codes = model->operator_codes();
  ASSERT_EQ(codes->size(), 5u);  // FC v1, QUANTIZE, ADD, FC v2, CUSTOM
  EXPECT_EQ(codes->Get(0)->builtin_code(), 9);
  EXPECT_EQ(codes->Get(0)->deprecated_builtin_code(), 9);
  EXPECT_EQ(codes->Get(0)->version(), 1);
  EXPECT_EQ(codes->Get(1)->builtin_code(), 114);
  EXPECT_EQ(codes->Get(1)->deprecated_builtin_code(), 114);
  EXPECT_EQ(codes->Get(2)->builtin_code(), 0);
  EXPECT_EQ(codes->Get(2)->deprecated_builtin_code(), 0);
  EXPECT_EQ(codes->Get(3)->builtin_code(), 9);
  EXPECT_EQ(codes->Get(3)->version(), 2);
  EXPECT_EQ(codes->Get(4)->builtin_code(), 32);
  EXPECT_EQ(codes->Get(4)->custom_code()->str(), "SignalWindow");

  const auto* ops = model->subgraphs()->Get(0)->operators();
  ASSERT_EQ(ops->size(), 6u);
  EXPECT_EQ(ops->Get(0)->opcode_index(), 0u);
  EXPECT_EQ(ops->Get(1)->opcode_index(), 0u);
  EXPECT_EQ(to_vector(ops->Get(1)->inputs()), (std::vector<int32_t>{3, 4, -1}));
  EXPECT_EQ(ops->Get(4)->opcode_index(), 3u);
  EXPECT_EQ(ops->Get(4)->builtin_options_type(), tfl::BuiltinOptions::NONE);
  const auto* custom = ops->Get(5)->custom_options();
  ASSERT_NE(custom, nullptr);
  EXPECT_EQ(std::vector<uint8_t>(custom->begin(), custom->end()),
            (std::vector<uint8_t>{0xAB, 0xCD}));
}

TEST(TfliteWriter, TypedOperatorsWriteTheirOptions) {
  ModelWriter writer;
  writer.add_conv_2d({0, 1, 2}, 3,
                     {.padding = Padding::VALID, .stride_w = 2, .stride_h = 3,
                      .activation = Activation::RELU6, .dilation_w = 2, .dilation_h = 1});
  writer.add_depthwise_conv_2d({3, 4, -1}, 5,
                               {.stride_w = 1, .stride_h = 1, .depth_multiplier = 8,
                                .activation = Activation::RELU});
  writer.add_average_pool_2d(5, 6, {.padding = Padding::VALID, .stride_w = 2, .stride_h = 2,
                                    .filter_width = 3, .filter_height = 4});
  writer.add_max_pool_2d(6, 7, {.filter_width = 2, .filter_height = 2});
  writer.add_reshape({7, 8}, 9, std::vector<int32_t>{1, -1});
  writer.add_reshape({9}, 10);
  writer.add_softmax(10, 11, 0.5f);
  writer.add_add(11, 11, 12, Activation::RELU_N1_TO_1);
  writer.add_dequantize(12, 13);
  writer.add_fully_connected({13, 14, 15}, 16, Activation::NONE, /*keep_num_dims=*/true);
  const auto bytes = writer.finish();
  const auto* ops = verified_model(bytes)->subgraphs()->Get(0)->operators();
  ASSERT_EQ(ops->size(), 10u);

  const auto* conv = ops->Get(0)->builtin_options_as_Conv2DOptions();
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->padding(), tfl::Padding::VALID);
  EXPECT_EQ(conv->stride_w(), 2);
  EXPECT_EQ(conv->stride_h(), 3);
  EXPECT_EQ(conv->fused_activation_function(), tfl::ActivationFunctionType::RELU6);
  EXPECT_EQ(conv->dilation_w_factor(), 2);
  EXPECT_EQ(conv->dilation_h_factor(), 1);

  const auto* dw = ops->Get(1)->builtin_options_as_DepthwiseConv2DOptions();
  ASSERT_NE(dw, nullptr);
  EXPECT_EQ(dw->padding(), tfl::Padding::SAME);
  EXPECT_EQ(dw->depth_multiplier(), 8);
  EXPECT_EQ(dw->fused_activation_function(), tfl::ActivationFunctionType::RELU);
  EXPECT_EQ(to_vector(ops->Get(1)->inputs()), (std::vector<int32_t>{3, 4, -1}));

  const auto* avg = ops->Get(2)->builtin_options_as_Pool2DOptions();
  ASSERT_NE(avg, nullptr);
  EXPECT_EQ(avg->padding(), tfl::Padding::VALID);
  EXPECT_EQ(avg->stride_w(), 2);
  EXPECT_EQ(avg->filter_width(), 3);
  EXPECT_EQ(avg->filter_height(), 4);
  const auto* max = ops->Get(3)->builtin_options_as_Pool2DOptions();
  ASSERT_NE(max, nullptr);
  EXPECT_EQ(max->stride_h(), 1);
  EXPECT_EQ(max->filter_height(), 2);

  const auto* reshape = ops->Get(4)->builtin_options_as_ReshapeOptions();
  ASSERT_NE(reshape, nullptr);
  EXPECT_EQ(to_vector(reshape->new_shape()), (std::vector<int32_t>{1, -1}));
  EXPECT_EQ(ops->Get(5)->builtin_options_type(), tfl::BuiltinOptions::NONE);

  const auto* softmax = ops->Get(6)->builtin_options_as_SoftmaxOptions();
  ASSERT_NE(softmax, nullptr);
  EXPECT_FLOAT_EQ(softmax->beta(), 0.5f);
  const auto* add = ops->Get(7)->builtin_options_as_AddOptions();
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->fused_activation_function(), tfl::ActivationFunctionType::RELU_N1_TO_1);
  EXPECT_EQ(ops->Get(8)->builtin_options_type(), tfl::BuiltinOptions::DequantizeOptions);
  const auto* fc = ops->Get(9)->builtin_options_as_FullyConnectedOptions();
  ASSERT_NE(fc, nullptr);
  EXPECT_TRUE(fc->keep_num_dims());
  EXPECT_EQ(fc->fused_activation_function(), tfl::ActivationFunctionType::NONE);
}

TEST(TfliteWriter, SeveralInputsAndOutputs) {
  ModelWriter writer;
  const int32_t a = writer.add_input_tensor("a", TensorType::FLOAT32, {1, 4});
  const int32_t b = writer.add_input_tensor("b", TensorType::FLOAT32, {1, 4});
  const int32_t sum = writer.add_tensor("sum", TensorType::FLOAT32, {1, 4});
  const int32_t probs = writer.add_tensor("probs", TensorType::FLOAT32, {1, 4});
  writer.add_add(a, b, sum);
  writer.add_softmax(sum, probs);
  writer.set_outputs({sum, probs});
  const auto bytes = writer.finish();
  const tfl::SubGraph* graph = verified_model(bytes)->subgraphs()->Get(0);
  EXPECT_EQ(to_vector(graph->inputs()), (std::vector<int32_t>{a, b}));
  EXPECT_EQ(to_vector(graph->outputs()), (std::vector<int32_t>{sum, probs}));
}

// Broken models must be expressible: the writer checks no cross references,
// and the result is still a structurally valid flatbuffer.
TEST(TfliteWriter, WritesInconsistentModelsVerbatim) {
  ModelWriter writer;
  const int32_t t = writer.add_tensor("dangling_buffer", TensorType::INT8, {2}, std::nullopt, 99);
  writer.add_tensor("mismatched_quantization", TensorType::INT8, {4},
                    Quantization{{0.1f, 0.2f}, {0}, 5});
  writer.add_operator(BuiltinOperator::Conv2D, {t, 42}, {7}, SoftmaxOptions{2.f});
  writer.add_operator(static_cast<BuiltinOperator>(300), {t}, {t});
  writer.set_inputs({-5});
  writer.set_version(2);
  const auto bytes = writer.finish();
  const tfl::Model* model = verified_model(bytes);
  EXPECT_EQ(model->version(), 2u);
  const tfl::SubGraph* graph = model->subgraphs()->Get(0);
  EXPECT_EQ(graph->tensors()->Get(0)->buffer(), 99u);
  EXPECT_EQ(graph->tensors()->Get(1)->quantization()->zero_point()->size(), 1u);
  EXPECT_EQ(graph->tensors()->Get(1)->quantization()->quantized_dimension(), 5);
  EXPECT_EQ(to_vector(graph->operators()->Get(0)->inputs()), (std::vector<int32_t>{t, 42}));
  EXPECT_EQ(graph->operators()->Get(0)->builtin_options_type(),
            tfl::BuiltinOptions::SoftmaxOptions);
  EXPECT_EQ(model->operator_codes()->Get(1)->builtin_code(), 300);
  EXPECT_EQ(model->operator_codes()->Get(1)->deprecated_builtin_code(), 127);  // int8 limit
  EXPECT_EQ(to_vector(graph->inputs()), std::vector<int32_t>{-5});
  EXPECT_EQ(graph->outputs()->size(), 0u);
}

TEST(TfliteWriter, FinishIsRepeatable) {
  SmallFcModel m;
  EXPECT_EQ(m.writer.finish(), m.writer.finish());
}

}  // namespace
