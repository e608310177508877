// The operator registry: one line per builtin operator microflow compiles. The
// definition (options reader, lowering, weight roles) lives in ops/<file>.cpp.
#include <algorithm>
#include <map>

#include "ops/op_def.h"
#include "reader/builtin_ops.h"

namespace microflow {

#define MF_OPERATORS(X) \
  X(kAbsOp)             \
  X(kAddNOp) \
  X(kAddOp)             \
  X(kAssignVariableOp)  \
  X(kArgMaxOp)          \
  X(kArgMinOp)          \
  X(kAveragePool2DOp)   \
  X(kBatchMatMulOp)     \
  X(kBatchToSpaceNDOp)  \
  X(kBroadcastArgsOp)   \
  X(kBroadcastToOp)     \
  X(kCallOnceOp)        \
  X(kCastOp)            \
  X(kCeilOp)            \
  X(kConcatenationOp)   \
  X(kConv2DOp)          \
  X(kCosOp)             \
  X(kCumsumOp)          \
  X(kDepthToSpaceOp)    \
  X(kDepthwiseConv2DOp) \
  X(kDequantizeOp)      \
  X(kDivOp) \
  X(kDynamicUpdateSliceOp) \
  X(kEluOp)             \
  X(kEmbeddingLookupOp) \
  X(kEqualOp) \
  X(kExpandDimsOp)      \
  X(kExpOp)             \
  X(kFillOp)            \
  X(kFloorDivOp) \
  X(kFloorModOp) \
  X(kFloorOp)           \
  X(kFullyConnectedOp)  \
  X(kGatherNdOp)        \
  X(kGatherOp)          \
  X(kGreaterEqualOp) \
  X(kGreaterOp) \
  X(kHardSwishOp)       \
  X(kL2NormalizationOp) \
  X(kL2Pool2DOp)        \
  X(kLeakyReluOp)       \
  X(kLessEqualOp) \
  X(kLessOp) \
  X(kLogOp)             \
  X(kLogSoftmaxOp)      \
  X(kLogicalAndOp) \
  X(kLogicalNotOp) \
  X(kLogicalOrOp) \
  X(kLogisticOp)        \
  X(kMaximumOp) \
  X(kMaxPool2DOp)       \
  X(kMeanOp)            \
  X(kMinimumOp) \
  X(kMirrorPadOp)       \
  X(kMulOp) \
  X(kNegOp)             \
  X(kNotEqualOp) \
  X(kPackOp)            \
  X(kPadOp)             \
  X(kPadV2Op)           \
  X(kPreluOp)           \
  X(kQuantizeOp)        \
  X(kReduceMaxOp)       \
  X(kReadVariableOp)    \
  X(kReduceMinOp)       \
  X(kRelu6Op)           \
  X(kReluOp)            \
  X(kReshapeOp)         \
  X(kResizeBilinearOp)  \
  X(kResizeNearestNeighborOp) \
  X(kReverseV2Op)       \
  X(kRoundOp)           \
  X(kRsqrtOp)           \
  X(kSelectV2Op)        \
  X(kShapeOp)           \
  X(kSinOp)             \
  X(kSliceOp)           \
  X(kSoftmaxOp)         \
  X(kSpaceToBatchNDOp)  \
  X(kSpaceToDepthOp)    \
  X(kSplitOp)           \
  X(kSplitVOp)          \
  X(kSqrtOp)            \
  X(kSquareOp)          \
  X(kSquaredDifferenceOp) \
  X(kSqueezeOp)         \
  X(kStridedSliceOp)    \
  X(kSubOp) \
  X(kSumOp)             \
  X(kSvdfOp)            \
  X(kTanhOp)            \
  X(kTransposeConvOp)   \
  X(kTransposeOp)       \
  X(kUnidirectionalSequenceLstmOp) \
  X(kUnpackOp)          \
  X(kVarHandleOp)       \
  X(kZerosLikeOp)

// Custom operators (code 32), found by custom_code: TFLM's Signal library.
#define MF_CUSTOM_OPERATORS(X)                  \
  X(kSignalDelayOp)                             \
  X(kSignalEnergyOp)                            \
  X(kSignalFftAutoScaleOp)                      \
  X(kSignalFilterBankLogOp)                     \
  X(kSignalFilterBankOp)                        \
  X(kSignalFilterBankSpectralSubtractionOp)     \
  X(kSignalFilterBankSquareRootOp)              \
  X(kSignalFramerOp)                            \
  X(kSignalIrfftOp)                             \
  X(kSignalOverlapAddOp)                        \
  X(kSignalPcanOp)                              \
  X(kSignalRfftOp)                              \
  X(kSignalStackerOp)                           \
  X(kSignalWindowOp)

#define MF_DECLARE_OP(def) extern const OpDef def;
MF_OPERATORS(MF_DECLARE_OP)
MF_CUSTOM_OPERATORS(MF_DECLARE_OP)
#undef MF_DECLARE_OP

const std::vector<const OpDef*>& all_ops() {
#define MF_LIST_OP(def) &def,
  static const std::vector<const OpDef*> ops = {MF_OPERATORS(MF_LIST_OP) MF_CUSTOM_OPERATORS(MF_LIST_OP)};
#undef MF_LIST_OP
  return ops;
}

const OpDef* find_op(int code) {
  static const std::map<int, const OpDef*> by_code = [] {
    std::map<int, const OpDef*> m;
    for (const OpDef* d : all_ops())
      if (d->code != kCustomCode) m.emplace(d->code, d);
    return m;
  }();
  const auto it = by_code.find(code);
  return it == by_code.end() ? nullptr : it->second;
}

const OpDef* find_custom_op(const std::string& custom_code) {
  static const std::map<std::string, const OpDef*> by_name = [] {
    std::map<std::string, const OpDef*> m;
    for (const OpDef* d : all_ops())
      if (d->code == kCustomCode) m.emplace(d->name, d);
    return m;
  }();
  const auto it = by_name.find(custom_code);
  return it == by_name.end() ? nullptr : it->second;
}

std::string supported_ops_list() {
  std::vector<std::string> names;
  for (const OpDef* d : all_ops()) names.push_back(d->name);
  std::sort(names.begin(), names.end());
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  return list;
}

}  // namespace microflow
