// The schema subset (compiler/schema/tflite_subset.fbs) against the reference
// operator models (MICROFLOW_MODELS_DIR/operators/<OP>/<case>/): through the
// generated accessors, each model's operator carries the options table the
// TFLite format assigns to it, with the values its manifest's `spec` states.
// A wrong BuiltinOptions value or a field in the wrong position in the .fbs
// fails here. Also: every reference model is schema version 3, and the reader
// rejects other versions as TFLM does. Skipped when the models are absent.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>

#include "test_util.h"
#include "tflite_subset_generated.h"

namespace mftest {
namespace {

namespace tfl = microflow::tfl;
using nlohmann::json;
using BO = tfl::BuiltinOptions;

const fs::path kModels = MICROFLOW_MODELS_DIR;
const fs::path kOperators = kModels / "operators";

#define REQUIRE_OPERATOR_MODELS()                                                                  \
  do {                                                                                             \
    if (!fs::is_directory(kOperators))                                                             \
      GTEST_SKIP() << "operator models " << kOperators << " not found (set MICROFLOW_MODELS_DIR)"; \
  } while (0)

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// One operators/<OP>/<case>/ folder: the verified model and its manifest's spec.
struct Case {
  std::string name;  // "<OP>/<case>"
  std::vector<uint8_t> bytes;
  json spec;
  const tfl::Model* model() const { return tfl::GetModel(bytes.data()); }
};

// Every case of operators/<dir>, sorted by name; a failure when there is none.
std::vector<Case> cases_of(const std::string& dir) {
  std::vector<Case> out;
  if (!fs::is_directory(kOperators / dir)) {
    ADD_FAILURE() << "no operator models in " << kOperators / dir;
    return out;
  }
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(kOperators / dir))
    if (fs::exists(e.path() / "model.tflite")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const fs::path& d : dirs) {
    Case c;
    c.name = dir + "/" + d.filename().string();
    c.bytes = read_bytes(d / "model.tflite");
    flatbuffers::Verifier verifier(c.bytes.data(), c.bytes.size());
    if (!tfl::VerifyModelBuffer(verifier)) {
      ADD_FAILURE() << c.name << ": does not verify against the schema subset";
      continue;
    }
    std::ifstream manifest(d / "manifest.json");
    const json m = json::parse(manifest, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(m.is_object() && m.contains("spec")) << c.name << ": manifest.json has no spec";
    c.spec = m.is_object() && m.contains("spec") ? m.at("spec") : json::object();
    out.push_back(std::move(c));
  }
  EXPECT_FALSE(out.empty()) << "no models in " << kOperators / dir;
  return out;
}

int builtin_code(const tfl::Model& m, const tfl::Operator& op) {
  const tfl::OperatorCode* code = m.operator_codes()->Get(op.opcode_index());
  return std::max<int>(code->deprecated_builtin_code(), code->builtin_code());
}

// The operators with this builtin code, over all subgraphs.
std::vector<const tfl::Operator*> ops_with_code(const tfl::Model& m, int code) {
  std::vector<const tfl::Operator*> out;
  for (const tfl::SubGraph* sg : *m.subgraphs())
    if (sg->operators())
      for (const tfl::Operator* op : *sg->operators())
        if (builtin_code(m, *op) == code) out.push_back(op);
  return out;
}

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Calls fn(case, options) for each operator with `code` in each case of
// operators/<dir>; the options must be a T. Returns how many were seen.
template <typename T, typename Fn>
int for_each_options(const std::string& dir, int code, Fn fn) {
  int seen = 0;
  for (const Case& c : cases_of(dir)) {
    SCOPED_TRACE(c.name);
    const auto ops = ops_with_code(*c.model(), code);
    EXPECT_FALSE(ops.empty()) << "no operator with builtin code " << code;
    for (const tfl::Operator* op : ops) {
      const T* o = op->builtin_options_as<T>();
      EXPECT_NE(o, nullptr) << "options are " << tfl::EnumNameBuiltinOptions(op->builtin_options_type());
      if (!o) continue;
      fn(c, *o);
      ++seen;
    }
  }
  return seen;
}

// ---------------------------------------------------------------------------
// Union values: each operator's models carry the table the format assigns.

struct Expectation {
  const char* dir;      // operators/<dir>
  int code;             // BuiltinOperator
  BO options;           // the table its models carry (NONE: the format has none)
  bool none_too = false;  // some of its models carry no options at all
};

const std::vector<Expectation>& expectations() {
  static const std::vector<Expectation> e = {
      {"ABS", 101, BO::AbsOptions},
      {"ADD", 0, BO::AddOptions},
      {"ADD_N", 106, BO::AddNOptions},
      {"ARG_MAX", 56, BO::ArgMaxOptions},
      {"ARG_MIN", 79, BO::ArgMinOptions},
      {"AVERAGE_POOL_2D", 1, BO::Pool2DOptions},
      {"BATCH_MATMUL", 126, BO::BatchMatMulOptions},
      {"BATCH_TO_SPACE_ND", 37, BO::BatchToSpaceNDOptions},
      {"BROADCAST_ARGS", 145, BO::NONE},
      {"BROADCAST_TO", 130, BO::BroadcastToOptions},
      {"CAST", 53, BO::CastOptions, true},
      {"CEIL", 104, BO::NONE},
      {"CONCATENATION", 2, BO::ConcatenationOptions},
      {"CONV_2D", 3, BO::Conv2DOptions},
      {"COS", 108, BO::CosOptions},
      {"CUMSUM", 128, BO::CumsumOptions},
      {"DEPTHWISE_CONV_2D", 4, BO::DepthwiseConv2DOptions},
      {"DEPTH_TO_SPACE", 5, BO::DepthToSpaceOptions},
      {"DEQUANTIZE", 6, BO::NONE},
      {"DIV", 42, BO::DivOptions},
      {"DYNAMIC_UPDATE_SLICE", 151, BO::DynamicUpdateSliceOptions},
      {"ELU", 111, BO::NONE},
      {"EMBEDDING_LOOKUP", 7, BO::NONE},
      {"EQUAL", 71, BO::EqualOptions},
      {"EXP", 47, BO::ExpOptions},
      {"EXPAND_DIMS", 70, BO::ExpandDimsOptions},
      {"FILL", 94, BO::FillOptions},
      {"FLOOR", 8, BO::NONE},
      {"FLOOR_DIV", 90, BO::FloorDivOptions},
      {"FLOOR_MOD", 95, BO::FloorModOptions},
      {"FULLY_CONNECTED", 9, BO::FullyConnectedOptions},
      {"GATHER", 36, BO::GatherOptions},
      {"GATHER_ND", 107, BO::GatherNdOptions},
      {"GREATER", 61, BO::GreaterOptions},
      {"GREATER_EQUAL", 62, BO::GreaterEqualOptions},
      {"HARD_SWISH", 117, BO::HardSwishOptions},
      {"L2_NORMALIZATION", 11, BO::L2NormOptions},
      {"L2_POOL_2D", 12, BO::Pool2DOptions},
      {"LEAKY_RELU", 98, BO::LeakyReluOptions},
      {"LESS", 58, BO::LessOptions},
      {"LESS_EQUAL", 63, BO::LessEqualOptions},
      {"LOG", 73, BO::NONE},
      {"LOGICAL_AND", 86, BO::LogicalAndOptions},
      {"LOGICAL_NOT", 87, BO::LogicalNotOptions},
      {"LOGICAL_OR", 84, BO::LogicalOrOptions},
      {"LOGISTIC", 14, BO::NONE},
      {"LOG_SOFTMAX", 50, BO::LogSoftmaxOptions},
      {"MAXIMUM", 55, BO::MaximumMinimumOptions, true},
      {"MAX_POOL_2D", 17, BO::Pool2DOptions},
      {"MEAN", 40, BO::ReducerOptions},
      {"MINIMUM", 57, BO::MaximumMinimumOptions, true},
      {"MIRROR_PAD", 100, BO::MirrorPadOptions},
      {"MUL", 18, BO::MulOptions},
      {"NEG", 59, BO::NegOptions},
      {"NOT_EQUAL", 72, BO::NotEqualOptions},
      {"PACK", 83, BO::PackOptions},
      {"PAD", 34, BO::PadOptions},
      {"PADV2", 60, BO::PadV2Options},
      {"PRELU", 54, BO::NONE},
      {"QUANTIZE", 114, BO::NONE},
      {"REDUCE_MAX", 82, BO::ReducerOptions},
      {"REDUCE_MIN", 89, BO::ReducerOptions},
      {"RELU", 19, BO::NONE},
      {"RELU6", 21, BO::NONE},
      {"RESHAPE", 22, BO::ReshapeOptions, true},
      {"RESIZE_BILINEAR", 23, BO::ResizeBilinearOptions},
      {"RESIZE_NEAREST_NEIGHBOR", 97, BO::ResizeNearestNeighborOptions},
      {"REVERSE_V2", 105, BO::ReverseV2Options},
      {"ROUND", 116, BO::NONE},
      {"RSQRT", 76, BO::NONE},
      {"SELECT_V2", 123, BO::SelectV2Options},
      {"SHAPE", 77, BO::ShapeOptions},
      {"SIN", 66, BO::NONE},
      {"SLICE", 65, BO::SliceOptions},
      {"SOFTMAX", 25, BO::SoftmaxOptions},
      {"SPACE_TO_BATCH_ND", 38, BO::SpaceToBatchNDOptions},
      {"SPACE_TO_DEPTH", 26, BO::SpaceToDepthOptions},
      {"SPLIT", 49, BO::SplitOptions},
      {"SPLIT_V", 102, BO::SplitVOptions},
      {"SQRT", 75, BO::NONE},
      {"SQUARE", 92, BO::SquareOptions},
      {"SQUARED_DIFFERENCE", 99, BO::SquaredDifferenceOptions},
      {"SQUEEZE", 43, BO::SqueezeOptions},
      {"STRIDED_SLICE", 45, BO::StridedSliceOptions},
      {"SUB", 41, BO::SubOptions},
      {"SUM", 74, BO::ReducerOptions},
      {"SVDF", 27, BO::SVDFOptions},
      {"TANH", 28, BO::NONE},
      {"TRANSPOSE", 39, BO::TransposeOptions},
      {"TRANSPOSE_CONV", 67, BO::TransposeConvOptions},
      {"UNIDIRECTIONAL_SEQUENCE_LSTM", 44, BO::UnidirectionalSequenceLSTMOptions},
      {"UNPACK", 88, BO::UnpackOptions},
      {"VAR_HANDLE", 142, BO::VarHandleOptions},
      {"VAR_HANDLE", 129, BO::CallOnceOptions},        // the stateful models' init subgraph call
      {"VAR_HANDLE", 143, BO::ReadVariableOptions},
      {"VAR_HANDLE", 144, BO::AssignVariableOptions},
      {"ZEROS_LIKE", 93, BO::ZerosLikeOptions},
  };
  return e;
}

TEST(SchemaOptions, EveryOperatorModelCarriesTheOptionsTableOfItsOperator) {
  REQUIRE_OPERATOR_MODELS();
  for (const Expectation& x : expectations()) {
    SCOPED_TRACE(std::string(x.dir) + " (builtin " + std::to_string(x.code) + ")");
    int expected = 0, none = 0, ops = 0;
    for (const Case& c : cases_of(x.dir)) {
      for (const tfl::Operator* op : ops_with_code(*c.model(), x.code)) {
        ++ops;
        const BO t = op->builtin_options_type();
        if (t == x.options) {
          ++expected;
          // The table's data is where the union says (an empty table too).
          if (x.options != BO::NONE) {
            EXPECT_NE(op->builtin_options(), nullptr) << c.name;
          }
        } else if (t == BO::NONE && x.none_too) {
          ++none;
        } else {
          ADD_FAILURE() << c.name << ": options type " << static_cast<int>(t) << " ("
                        << tfl::EnumNameBuiltinOptions(t) << "), expected " << static_cast<int>(x.options) << " ("
                        << tfl::EnumNameBuiltinOptions(x.options) << ")";
        }
      }
    }
    EXPECT_GT(ops, 0) << "no operator with this builtin code in operators/" << x.dir;
    EXPECT_GT(expected, 0);
  }
}

// Every table the .fbs names is checked against a model above, except those
// no reference model carries (converters write QUANTIZE / DEQUANTIZE without
// options); their values are pinned to the format's here.
TEST(SchemaOptions, EveryDeclaredOptionsTableIsCheckedAgainstTheFormat) {
  EXPECT_EQ(static_cast<int>(BO::DequantizeOptions), 38);
  EXPECT_EQ(static_cast<int>(BO::QuantizeOptions), 89);
  std::set<BO> checked = {BO::NONE, BO::DequantizeOptions, BO::QuantizeOptions};
  for (const Expectation& x : expectations()) checked.insert(x.options);
  for (BO t : tfl::EnumValuesBuiltinOptions())
    EXPECT_TRUE(checked.count(t)) << tfl::EnumNameBuiltinOptions(t) << " (" << static_cast<int>(t)
                                  << ") is declared but no test checks its union value";
}

// ---------------------------------------------------------------------------
// Field positions, types and defaults: the values each case's spec states.

TEST(SchemaOptions, StridedSliceMasks) {
  REQUIRE_OPERATOR_MODELS();
  const int n = for_each_options<tfl::StridedSliceOptions>("STRIDED_SLICE", 45, [](const Case& c, const auto& o) {
    EXPECT_EQ(o.begin_mask(), c.spec.at("begin_mask").get<int>());
    EXPECT_EQ(o.end_mask(), c.spec.at("end_mask").get<int>());
    EXPECT_EQ(o.shrink_axis_mask(), c.spec.at("shrink_axis_mask").get<int>());
    EXPECT_EQ(o.ellipsis_mask(), c.spec.value("ellipsis_mask", 0));
    EXPECT_EQ(o.new_axis_mask(), c.spec.value("new_axis_mask", 0));
    EXPECT_EQ(o.offset(), c.spec.value("offset", false));
  });
  EXPECT_GE(n, 6);
}

template <typename T>
void check_resize(const std::string& dir, int code) {
  int align = 0, half = 0;
  for_each_options<T>(dir, code, [&](const Case& c, const T& o) {
    EXPECT_EQ(o.align_corners(), c.spec.at("align_corners").get<bool>());
    EXPECT_EQ(o.half_pixel_centers(), c.spec.at("half_pixel_centers").get<bool>());
    align += o.align_corners();
    half += o.half_pixel_centers();
  });
  EXPECT_GT(align, 0) << "no case sets align_corners";
  EXPECT_GT(half, 0) << "no case sets half_pixel_centers";
}

TEST(SchemaOptions, ResizeAlignCornersAndHalfPixelCenters) {
  REQUIRE_OPERATOR_MODELS();
  check_resize<tfl::ResizeBilinearOptions>("RESIZE_BILINEAR", 23);
  check_resize<tfl::ResizeNearestNeighborOptions>("RESIZE_NEAREST_NEIGHBOR", 97);
}

TEST(SchemaOptions, AxisAndCountOptions) {
  REQUIRE_OPERATOR_MODELS();
  for_each_options<tfl::ConcatenationOptions>("CONCATENATION", 2, [](const Case& c, const auto& o) {
    EXPECT_EQ(o.axis(), c.spec.at("axis").get<int>());
    EXPECT_EQ(o.fused_activation_function(), tfl::ActivationFunctionType::NONE);
  });
  for_each_options<tfl::GatherOptions>("GATHER", 36, [](const Case& c, const auto& o) {
    EXPECT_EQ(o.axis(), c.spec.at("axis").get<int>());
    EXPECT_EQ(o.batch_dims(), c.spec.at("batch_dims").get<int>());
  });
  for_each_options<tfl::PackOptions>("PACK", 83, [](const Case& c, const auto& o) {
    EXPECT_EQ(o.axis(), c.spec.at("axis").get<int>());
    EXPECT_EQ(o.values_count(), c.spec.at("values_count").get<int>());
  });
  for_each_options<tfl::UnpackOptions>("UNPACK", 88, [](const Case& c, const auto& o) {
    EXPECT_EQ(o.axis(), c.spec.at("axis").get<int>());
    EXPECT_EQ(o.num(), c.spec.at("num").get<int>());
  });
  for_each_options<tfl::SplitOptions>("SPLIT", 49, [](const Case& c, const auto& o) {
    EXPECT_EQ(o.num_splits(), c.spec.at("num_splits").get<int>());
  });
  for_each_options<tfl::SplitVOptions>("SPLIT_V", 102, [](const Case& c, const auto& o) {
    EXPECT_EQ(o.num_splits(), static_cast<int>(c.spec.at("size_splits").size()));
  });
  for_each_options<tfl::SqueezeOptions>("SQUEEZE", 43, [](const Case& c, const auto& o) {
    std::vector<int> dims;
    if (o.squeeze_dims()) dims.assign(o.squeeze_dims()->begin(), o.squeeze_dims()->end());
    EXPECT_EQ(dims, c.spec.at("squeeze_dims").get<std::vector<int>>());
  });
  for_each_options<tfl::DepthToSpaceOptions>("DEPTH_TO_SPACE", 5, [](const Case& c, const auto& o) {
    EXPECT_EQ(o.block_size(), c.spec.at("block_size").get<int>());
  });
  for_each_options<tfl::SpaceToDepthOptions>("SPACE_TO_DEPTH", 26, [](const Case& c, const auto& o) {
    EXPECT_EQ(o.block_size(), c.spec.at("block_size").get<int>());
  });
}

TEST(SchemaOptions, ReducerKeepDims) {
  REQUIRE_OPERATOR_MODELS();
  for (const auto& [dir, code] : std::vector<std::pair<std::string, int>>{
           {"MEAN", 40}, {"SUM", 74}, {"REDUCE_MAX", 82}, {"REDUCE_MIN", 89}}) {
    int kept = 0, dropped = 0;
    for_each_options<tfl::ReducerOptions>(dir, code, [&](const Case& c, const auto& o) {
      EXPECT_EQ(o.keep_dims(), c.spec.at("keep_dims").get<bool>());
      (o.keep_dims() ? kept : dropped)++;
    });
    EXPECT_GT(kept, 0) << dir;
    EXPECT_GT(dropped, 0) << dir;
  }
}

TEST(SchemaOptions, TensorTypeOptions) {
  REQUIRE_OPERATOR_MODELS();
  for_each_options<tfl::ArgMaxOptions>("ARG_MAX", 56, [](const Case& c, const auto& o) {
    EXPECT_EQ(lower(tfl::EnumNameTensorType(o.output_type())), c.spec.at("output_type").get<std::string>());
  });
  for_each_options<tfl::ArgMinOptions>("ARG_MIN", 79, [](const Case& c, const auto& o) {
    EXPECT_EQ(lower(tfl::EnumNameTensorType(o.output_type())), c.spec.at("output_type").get<std::string>());
  });
  for_each_options<tfl::ShapeOptions>("SHAPE", 77, [](const Case& c, const auto& o) {
    EXPECT_EQ(lower(tfl::EnumNameTensorType(o.out_type())), c.spec.at("out_type").get<std::string>());
  });
  int with_options = 0;
  for (const Case& c : cases_of("CAST")) {
    for (const tfl::Operator* op : ops_with_code(*c.model(), 53)) {
      const auto* o = op->builtin_options_as_CastOptions();
      if (!o) continue;
      ++with_options;
      EXPECT_EQ(lower(tfl::EnumNameTensorType(o->in_data_type())), c.spec.at("in_dtype").get<std::string>()) << c.name;
      EXPECT_EQ(lower(tfl::EnumNameTensorType(o->out_data_type())), c.spec.at("out_dtype").get<std::string>()) << c.name;
    }
  }
  EXPECT_GT(with_options, 0);
}

TEST(SchemaOptions, CumsumMirrorPadLeakyRelu) {
  REQUIRE_OPERATOR_MODELS();
  int exclusive = 0, reverse = 0;
  for_each_options<tfl::CumsumOptions>("CUMSUM", 128, [&](const Case& c, const auto& o) {
    // The int8 cases name their flags in the case name only.
    const bool ex = c.spec.value("exclusive", c.name.find("exclusive") != std::string::npos);
    const bool rev = c.spec.value("reverse", c.name.find("reverse") != std::string::npos);
    EXPECT_EQ(o.exclusive(), ex);
    EXPECT_EQ(o.reverse(), rev);
    exclusive += o.exclusive();
    reverse += o.reverse();
  });
  EXPECT_GT(exclusive, 0);
  EXPECT_GT(reverse, 0);
  std::set<std::string> modes;
  for_each_options<tfl::MirrorPadOptions>("MIRROR_PAD", 100, [&](const Case& c, const auto& o) {
    EXPECT_EQ(tfl::EnumNameMirrorPadMode(o.mode()), c.spec.at("mode").get<std::string>());
    modes.insert(tfl::EnumNameMirrorPadMode(o.mode()));
  });
  EXPECT_EQ(modes.size(), 2u);
  for_each_options<tfl::LeakyReluOptions>("LEAKY_RELU", 98, [](const Case& c, const auto& o) {
    EXPECT_EQ(o.alpha(), c.spec.at("options").at("alpha").get<float>());
  });
}

// ADD, SUB, MUL, DIV, L2_NORMALIZATION: the fused activation (and ADD / SUB's
// pot_scale_int16, whose default is true).
TEST(SchemaOptions, ArithmeticActivations) {
  REQUIRE_OPERATOR_MODELS();
  auto check = [](const Case& c, tfl::ActivationFunctionType act) {
    EXPECT_EQ(tfl::EnumNameActivationFunctionType(act), c.spec.at("options").at("fusedActivationFunction").get<std::string>());
  };
  int pot_false = 0;
  for_each_options<tfl::AddOptions>("ADD", 0, [&](const Case& c, const auto& o) {
    check(c, o.fused_activation_function());
    EXPECT_EQ(o.pot_scale_int16(), c.spec.at("options").value("potScaleInt16", true));
    pot_false += !o.pot_scale_int16();
  });
  for_each_options<tfl::SubOptions>("SUB", 41, [&](const Case& c, const auto& o) {
    check(c, o.fused_activation_function());
    EXPECT_EQ(o.pot_scale_int16(), c.spec.at("options").value("potScaleInt16", true));
    pot_false += !o.pot_scale_int16();
  });
  EXPECT_GE(pot_false, 3);
  for_each_options<tfl::MulOptions>("MUL", 18, [&](const Case& c, const auto& o) { check(c, o.fused_activation_function()); });
  for_each_options<tfl::DivOptions>("DIV", 42, [&](const Case& c, const auto& o) { check(c, o.fused_activation_function()); });
  for_each_options<tfl::L2NormOptions>("L2_NORMALIZATION", 11,
                                       [&](const Case& c, const auto& o) { check(c, o.fused_activation_function()); });
}

TEST(SchemaOptions, BatchMatMulAndTransposeConv) {
  REQUIRE_OPERATOR_MODELS();
  int adj_x = 0, adj_y = 0;
  for_each_options<tfl::BatchMatMulOptions>("BATCH_MATMUL", 126, [&](const Case& c, const auto& o) {
    EXPECT_EQ(o.adj_x(), c.spec.at("options").at("adjX").get<bool>());
    EXPECT_EQ(o.adj_y(), c.spec.at("options").at("adjY").get<bool>());
    EXPECT_EQ(o.asymmetric_quantize_inputs(), c.spec.at("options").at("asymmetricQuantizeInputs").get<bool>());
    adj_x += o.adj_x();
    adj_y += o.adj_y();
  });
  EXPECT_GT(adj_x, 0);
  EXPECT_GT(adj_y, 0);
  for_each_options<tfl::TransposeConvOptions>("TRANSPOSE_CONV", 67, [](const Case& c, const auto& o) {
    const json& s = c.spec.at("options");
    EXPECT_EQ(tfl::EnumNamePadding(o.padding()), s.at("padding").get<std::string>());
    EXPECT_EQ(o.stride_w(), s.at("strideW").get<int>());
    EXPECT_EQ(o.stride_h(), s.at("strideH").get<int>());
    EXPECT_EQ(tfl::EnumNameActivationFunctionType(o.fused_activation_function()),
              s.at("fusedActivationFunction").get<std::string>());
    EXPECT_EQ(o.quantized_bias_type(), tfl::TensorType::FLOAT32);  // not set
  });
}

TEST(SchemaOptions, L2PoolUsesPool2DOptions) {
  REQUIRE_OPERATOR_MODELS();
  for_each_options<tfl::Pool2DOptions>("L2_POOL_2D", 12, [](const Case& c, const auto& o) {
    const auto filter = c.spec.at("filter").get<std::vector<int>>();  // [h, w]
    const auto stride = c.spec.at("stride").get<std::vector<int>>();
    EXPECT_EQ(o.filter_height(), filter[0]);
    EXPECT_EQ(o.filter_width(), filter[1]);
    EXPECT_EQ(o.stride_h(), stride[0]);
    EXPECT_EQ(o.stride_w(), stride[1]);
    EXPECT_EQ(tfl::EnumNamePadding(o.padding()), c.spec.at("padding").get<std::string>());
    EXPECT_EQ(tfl::EnumNameActivationFunctionType(o.fused_activation_function()), c.spec.at("activation").get<std::string>());
  });
}

TEST(SchemaOptions, SvdfAndLstm) {
  REQUIRE_OPERATOR_MODELS();
  for_each_options<tfl::SVDFOptions>("SVDF", 27, [](const Case& c, const auto& o) {
    EXPECT_EQ(o.rank(), c.spec.at("rank").get<int>());
    EXPECT_EQ(tfl::EnumNameActivationFunctionType(o.fused_activation_function()), c.spec.at("act").get<std::string>());
    EXPECT_FALSE(o.asymmetric_quantize_inputs());
  });
  int time_major = 0, clipped = 0;
  for_each_options<tfl::UnidirectionalSequenceLSTMOptions>(
      "UNIDIRECTIONAL_SEQUENCE_LSTM", 44, [&](const Case& c, const auto& o) {
        EXPECT_EQ(tfl::EnumNameActivationFunctionType(o.fused_activation_function()), c.spec.at("activation").get<std::string>());
        EXPECT_EQ(o.cell_clip(), c.spec.at("cell_clip").get<float>());
        EXPECT_EQ(o.proj_clip(), 0.f);
        EXPECT_EQ(o.time_major(), c.spec.at("time_major").get<bool>());
        EXPECT_FALSE(o.asymmetric_quantize_inputs());
        EXPECT_FALSE(o.diagonal_recurrent_tensors());
        time_major += o.time_major();
        clipped += o.cell_clip() != 0.f;
      });
  EXPECT_GT(time_major, 0);
  EXPECT_GT(clipped, 0);
}

// VAR_HANDLE's shared_name, and CALL_ONCE naming the init subgraph (the
// stateful models have two subgraphs).
TEST(SchemaOptions, ResourceVariables) {
  REQUIRE_OPERATOR_MODELS();
  for_each_options<tfl::VarHandleOptions>("VAR_HANDLE", 142, [](const Case& c, const auto& o) {
    ASSERT_NE(o.shared_name(), nullptr);
    EXPECT_EQ(o.shared_name()->str(), c.spec.at("shared_name").get<std::string>());
  });
  for_each_options<tfl::CallOnceOptions>("VAR_HANDLE", 129, [](const Case& c, const auto& o) {
    EXPECT_GT(o.init_subgraph_index(), 0);
    EXPECT_LT(o.init_subgraph_index(), static_cast<int>(c.model()->subgraphs()->size()));
  });
}

// ---------------------------------------------------------------------------
// Tensor and model fields.

// Keras' Flatten with a dynamic batch: shape [1, ...], shape_signature [-1, ...].
TEST(SchemaOptions, ShapeSignatureHoldsTheDynamicBatch) {
  REQUIRE_OPERATOR_MODELS();
  for (const Case& c : cases_of("GRAPHS")) {
    if (c.name != "GRAPHS/flatten_dynamic_batch_int8") continue;
    const tfl::SubGraph* sg = c.model()->subgraphs()->Get(0);
    const tfl::Tensor* in = sg->tensors()->Get(sg->inputs()->Get(0));
    ASSERT_NE(in->shape_signature(), nullptr);
    ASSERT_EQ(in->shape_signature()->size(), in->shape()->size());
    EXPECT_EQ(in->shape()->Get(0), 1);
    EXPECT_EQ(in->shape_signature()->Get(0), -1);
    for (uint32_t d = 1; d < in->shape()->size(); ++d) EXPECT_EQ(in->shape_signature()->Get(d), in->shape()->Get(d));
    EXPECT_EQ(in->sparsity(), nullptr);
    return;
  }
  ADD_FAILURE() << "GRAPHS/flatten_dynamic_batch_int8 not found";
}

TEST(SchemaOptions, EveryReferenceModelIsSchemaVersion3) {
  if (!fs::is_directory(kModels)) GTEST_SKIP() << "models directory " << kModels << " not found";
  int n = 0;
  for (const auto& e : fs::recursive_directory_iterator(kModels)) {
    if (!e.is_regular_file() || e.path().extension() != ".tflite") continue;
    const std::vector<uint8_t> bytes = read_bytes(e.path());
    flatbuffers::Verifier verifier(bytes.data(), bytes.size());
    ASSERT_TRUE(tfl::VerifyModelBuffer(verifier)) << e.path();
    EXPECT_EQ(tfl::GetModel(bytes.data())->version(), 3u) << e.path();
    ++n;
  }
  EXPECT_GT(n, 0);
  std::cout << n << " reference models, all schema version 3\n";
}

// TFLM runs a model only when model->version() == TFLITE_SCHEMA_VERSION (3).
TEST(SchemaOptions, ReaderRejectsOtherSchemaVersions) {
  for (uint32_t version : {0u, 2u, 4u}) {
    w::ModelWriter m;
    const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4}, q(0.5f, 0));
    const int out = m.add_tensor("out", w::TensorType::INT8, {1, 4}, q(1.f, 0));
    m.add_add(a, a, out);
    m.set_outputs({out});
    m.set_version(version);
    EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), "v.tflite"), "v.tflite",
                         "model schema version " + std::to_string(version) +
                             " is not supported (TFLM requires version 3)");
  }
}

}  // namespace
}  // namespace mftest
