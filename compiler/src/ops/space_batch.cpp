// SPACE_TO_DEPTH, DEPTH_TO_SPACE (one 6-d transposing box), BATCH_TO_SPACE_ND and
// SPACE_TO_BATCH_ND (one box per position in the block, cropped or padded).
#include "ops/copy_boxes.h"
#include "ops/options.h"

namespace microflow {
namespace {

struct BlockSizeOptions : OpOptions {
  int block_size = 0;
};

template <typename T>
std::shared_ptr<const OpOptions> read_block_size_options(const tfl::Operator& op, const std::string& where) {
  auto b = std::make_shared<BlockSizeOptions>();
  b->block_size = options_as<T>(op, where)->block_size();
  return b;
}

KernelCall boxes_call(const Graph& g, const Operator& op, const Tensor& in, const Tensor& out, DType type,
                      std::vector<CopyBox> boxes) {
  CopyBoxesParams params;
  params.element_bytes = dtype_size(type);  // fill 0: SPACE_TO_BATCH_ND pads with a raw 0 as TFLM does
  return copy_call(g, op, {&in}, {&out}, params, std::move(boxes));
}

// SPACE_TO_DEPTH / DEPTH_TO_SPACE: a 4-D input, float32 or int8, and a positive block size.
struct DepthBlocks {
  DType type;
  int32_t bs, batches, height, width, depth;
};

DepthBlocks depth_blocks(const Graph& g, const Operator& op, const Tensor& in, const Tensor& out) {
  const DType type = expect_data_type(g, op, {&in, &out}, {DType::Float32, DType::Int8});
  expect_rank(g, op, in, "input", 4);
  const int bs = op.opts<BlockSizeOptions>().block_size;
  // block_size² must stay an int32 (a block holds that many pixels).
  if (bs < 1 || bs > 46340) fail(g, op, "block_size " + std::to_string(bs) + " is not in [1, 46340]");
  return {type, bs, in.shape[0], in.shape[1], in.shape[2], in.shape[3]};
}

KernelCall lower_space_to_depth(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const auto [type, bs, batches, height, width, depth] = depth_blocks(g, op, in, out);
  if (height % bs != 0 || width % bs != 0)
    fail(g, op, describe(g, in.id, "input") + ": height and width must be multiples of block_size " +
                    std::to_string(bs));
  const int64_t out_depth = int64_t{depth} * bs * bs;
  if (out_depth > INT32_MAX) fail(g, op, "output depth " + std::to_string(out_depth) + " does not fit int32");
  expect_shape(g, op, out, "output", {batches, height / bs, width / bs, static_cast<int32_t>(out_depth)},
               "the input's blocks as depth");
  // Output [b][oy][ox][by][bx][c] = input [b][oy * bs + by][ox * bs + bx][c].
  const std::vector<int64_t> is = row_major_strides(in.shape);
  const CopyBox b = whole_box(0, 1, {batches, height / bs, width / bs, bs, bs, depth},
                              {is[0], bs * is[1], bs * is[2], is[1], is[2], 1});
  return boxes_call(g, op, in, out, type, {b});
}

KernelCall lower_depth_to_space(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const auto [type, bs, batches, height, width, depth] = depth_blocks(g, op, in, out);
  if (depth % (bs * bs) != 0)
    fail(g, op, describe(g, in.id, "input") + ": depth " + std::to_string(depth) + " is not a multiple of block_size² " +
                    std::to_string(bs * bs));
  const int32_t out_depth = depth / (bs * bs);
  expect_shape(g, op, out, "output", {batches, height * bs, width * bs, out_depth}, "the input's depth as blocks");
  // Output [b][y][by][x][bx][c] = input [b][y][x][(by * bs + bx) * out_depth + c].
  const std::vector<int64_t> is = row_major_strides(in.shape);
  const CopyBox b = whole_box(0, 1, {batches, height, bs, width, bs, out_depth},
                              {is[0], is[1], int64_t{bs} * out_depth, is[2], out_depth, 1});
  return boxes_call(g, op, in, out, type, {b});
}

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

// The 3-D (NHC) or 4-D (NHWC) geometry of a BATCH_TO_SPACE_ND / SPACE_TO_BATCH_ND, 3-D as
// NH1C as TFLM does: block and crops / paddings of height and width.
struct BlockGeometry {
  DType type = DType::Float32;               // float32 or int8, as TFLM takes
  std::vector<int32_t> in_shape, out_shape;  // 4-D
  int64_t block_h = 1, block_w = 1, top = 0, bottom = 0, left = 0, right = 0;
};

BlockGeometry block_geometry(const Graph& g, const Operator& op, const Tensor& in, const Tensor& out,
                             const char* edges_role) {
  BlockGeometry geo;
  geo.type = expect_data_type(g, op, {&in, &out}, {DType::Float32, DType::Int8});
  const size_t rank = in.shape.size();
  if (rank < 3 || rank > 4)
    fail(g, op, describe(g, in.id, "input") + ": " + std::to_string(rank) + " dimensions, TFLM takes 3 (NHC) or 4 (NHWC)");
  if (out.shape.size() != rank)
    fail(g, op, describe(g, out.id, "output") + ": " + std::to_string(out.shape.size()) + " dimensions, the input has " +
                    std::to_string(rank));
  const size_t spatial = rank - 2;
  const Tensor& block_tensor = op_input(g, op, 1, "block_shape");
  const Tensor& edges_tensor = op_input(g, op, 2, edges_role);
  const std::vector<int64_t> block = constant_ints(g, op, block_tensor, "block_shape");
  const std::vector<int64_t> edges = constant_ints(g, op, edges_tensor, edges_role);
  if (block.size() != spatial)
    fail(g, op, describe(g, block_tensor.id, "block_shape") + ": " + std::to_string(block.size()) + " values, expected " +
                    std::to_string(spatial));
  if (edges.size() != 2 * spatial)
    fail(g, op, describe(g, edges_tensor.id, edges_role) + ": " + std::to_string(edges.size()) + " values, expected [" +
                    std::to_string(spatial) + ", 2]");
  for (int64_t b : block)
    if (b < 1) fail(g, op, describe(g, block_tensor.id, "block_shape") + ": " + std::to_string(b) + " is not positive");
  for (int64_t e : edges)
    if (e < 0) fail(g, op, describe(g, edges_tensor.id, edges_role) + ": " + std::to_string(e) + " is negative");
  auto nhwc = [](const std::vector<int32_t>& s) {
    return s.size() == 4 ? s : std::vector<int32_t>{s[0], s[1], 1, s[2]};
  };
  geo.in_shape = nhwc(in.shape);
  geo.out_shape = nhwc(out.shape);
  geo.block_h = block[0];
  geo.top = edges[0];
  geo.bottom = edges[1];
  if (spatial == 2) {
    geo.block_w = block[1];
    geo.left = edges[2];
    geo.right = edges[3];
  }
  return geo;
}

KernelCall lower_batch_to_space(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const BlockGeometry geo = block_geometry(g, op, in, out, "crops");
  const std::vector<int32_t>& is = geo.in_shape;
  const int64_t blocks = geo.block_h * geo.block_w;
  if (is[0] % blocks != 0)
    fail(g, op, describe(g, in.id, "input") + ": batch " + std::to_string(is[0]) + " is not a multiple of the block's " +
                    std::to_string(blocks) + " positions");
  std::vector<int32_t> expected = out.shape;
  expected[0] = static_cast<int32_t>(is[0] / blocks);
  expected[1] = static_cast<int32_t>(is[1] * geo.block_h - geo.top - geo.bottom);
  if (in.shape.size() == 4) expected[2] = static_cast<int32_t>(is[2] * geo.block_w - geo.left - geo.right);
  expected.back() = in.shape.back();
  expect_shape(g, op, out, "output", expected, "the input's batches as blocks, cropped");

  // Input batch (by * block_w + bx) * batches + b holds the block position (by, bx) of
  // output batch b: its pixel (y, x) goes to (y * block_h + by - top, x * block_w + bx - left)
  // when that is inside the output.
  const std::vector<int32_t>& os = geo.out_shape;
  const std::vector<int64_t> in_strides = row_major_strides(is), out_strides = row_major_strides(os);
  std::vector<CopyBox> boxes;
  for (int64_t by = 0; by < geo.block_h; ++by)
    for (int64_t bx = 0; bx < geo.block_w; ++bx) {
      const int64_t y0 = std::max<int64_t>(0, ceil_div(geo.top - by, geo.block_h));
      const int64_t y1 = std::min<int64_t>(is[1], floor_div(os[1] - 1 + geo.top - by, geo.block_h) + 1);
      const int64_t x0 = std::max<int64_t>(0, ceil_div(geo.left - bx, geo.block_w));
      const int64_t x1 = std::min<int64_t>(is[2], floor_div(os[2] - 1 + geo.left - bx, geo.block_w) + 1);
      if (y1 <= y0 || x1 <= x0) continue;
      boxes.push_back({.source = 0,
                       .target = 1,
                       .source_offset = (by * geo.block_w + bx) * os[0] * in_strides[0] + y0 * in_strides[1] +
                                        x0 * in_strides[2],
                       .target_offset = (y0 * geo.block_h + by - geo.top) * out_strides[1] +
                                        (x0 * geo.block_w + bx - geo.left) * out_strides[2],
                       .dims = {{os[0], in_strides[0], out_strides[0]},
                                {y1 - y0, in_strides[1], geo.block_h * out_strides[1]},
                                {x1 - x0, in_strides[2], geo.block_w * out_strides[2]},
                                {os[3], 1, 1}}});
    }
  return boxes_call(g, op, in, out, geo.type, std::move(boxes));
}

KernelCall lower_space_to_batch(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const BlockGeometry geo = block_geometry(g, op, in, out, "paddings");
  const std::vector<int32_t>& is = geo.in_shape;
  const int64_t padded_h = is[1] + geo.top + geo.bottom, padded_w = is[2] + geo.left + geo.right;
  if (padded_h % geo.block_h != 0 || padded_w % geo.block_w != 0)
    fail(g, op, describe(g, in.id, "input") + ": the padded height and width (" + std::to_string(padded_h) + ", " +
                    std::to_string(padded_w) + ") are not multiples of the block");
  std::vector<int32_t> expected = out.shape;
  expected[0] = static_cast<int32_t>(is[0] * geo.block_h * geo.block_w);
  expected[1] = static_cast<int32_t>(padded_h / geo.block_h);
  if (in.shape.size() == 4) expected[2] = static_cast<int32_t>(padded_w / geo.block_w);
  expected.back() = in.shape.back();
  expect_shape(g, op, out, "output", expected, "the padded input's blocks as batches");

  // Output batch (by * block_w + bx) * batches + b, pixel (y, x) = input batch b, pixel
  // (y * block_h + by - top, x * block_w + bx - left), or a raw 0 in the padding.
  const std::vector<int32_t>& os = geo.out_shape;
  const std::vector<int64_t> in_strides = row_major_strides(is), out_strides = row_major_strides(os);
  std::vector<CopyBox> boxes;
  if (geo.top || geo.bottom || geo.left || geo.right)
    boxes.push_back({.target = 1, .dims = {{out.elements(), 0, 1}}});
  for (int64_t by = 0; by < geo.block_h; ++by)
    for (int64_t bx = 0; bx < geo.block_w; ++bx) {
      const int64_t y0 = std::max<int64_t>(0, ceil_div(geo.top - by, geo.block_h));
      const int64_t y1 = std::min<int64_t>(os[1], floor_div(geo.top + is[1] - 1 - by, geo.block_h) + 1);
      const int64_t x0 = std::max<int64_t>(0, ceil_div(geo.left - bx, geo.block_w));
      const int64_t x1 = std::min<int64_t>(os[2], floor_div(geo.left + is[2] - 1 - bx, geo.block_w) + 1);
      if (y1 <= y0 || x1 <= x0) continue;
      boxes.push_back({.source = 0,
                       .target = 1,
                       .source_offset = (y0 * geo.block_h + by - geo.top) * in_strides[1] +
                                        (x0 * geo.block_w + bx - geo.left) * in_strides[2],
                       .target_offset = (by * geo.block_w + bx) * is[0] * out_strides[0] + y0 * out_strides[1] +
                                        x0 * out_strides[2],
                       .dims = {{is[0], in_strides[0], out_strides[0]},
                                {y1 - y0, geo.block_h * in_strides[1], out_strides[1]},
                                {x1 - x0, geo.block_w * in_strides[2], out_strides[2]},
                                {is[3], 1, 1}}});
    }
  return boxes_call(g, op, in, out, geo.type, std::move(boxes));
}

}  // namespace

extern const OpDef kSpaceToDepthOp{.code = 26,
                                   .name = "SPACE_TO_DEPTH",
                                   .read_options = read_block_size_options<tfl::SpaceToDepthOptions>,
                                   .lower = lower_space_to_depth,
                                   .kernels = {&kCopyBoxes}};
extern const OpDef kDepthToSpaceOp{.code = 5,
                                   .name = "DEPTH_TO_SPACE",
                                   .read_options = read_block_size_options<tfl::DepthToSpaceOptions>,
                                   .lower = lower_depth_to_space,
                                   .kernels = {&kCopyBoxes}};
extern const OpDef kBatchToSpaceNDOp{
    .code = 37, .name = "BATCH_TO_SPACE_ND", .lower = lower_batch_to_space, .kernels = {&kCopyBoxes}};
extern const OpDef kSpaceToBatchNDOp{
    .code = 38, .name = "SPACE_TO_BATCH_ND", .lower = lower_space_to_batch, .kernels = {&kCopyBoxes}};

}  // namespace microflow
