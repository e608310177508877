// GATHER, GATHER_ND and EMBEDDING_LOOKUP: copies of slices chosen by int32 indices
// (TFLM reference kernels gather.cc, gather_nd.cc, embedding_lookup.cc). Slices are
// moved as bytes, so one kernel serves every element type.
//
// Indices that are model inputs are only known at run time. TFLM stops the invoke with
// an error status at an index outside the data (after writing the slices before it);
// an MCU build has no error channel, so here the slice of such an index is written as
// zero bytes, the others as TFLM writes them, and nothing outside the data is read.
// Constant indices are checked by the compiler.
#ifndef MICROFLOW_GATHER_H_
#define MICROFLOW_GATHER_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "microflow/exec/flash.h"
#include "microflow/exec/operand.h"

namespace mf {

// data viewed as [batches][outer][axis_size][inner], indices as [batches][positions];
// the output is [batches][outer][positions][inner].
struct GatherParams {
  int32_t batches;      // product of the data dims before batch_dims
  int32_t outer;        // product of the data dims from batch_dims to the axis
  int32_t axis_size;
  int32_t positions;    // indices per batch
  int32_t inner_bytes;  // one slice: the data dims after the axis, in bytes
  int32_t data_in_flash, indices_in_flash;
};

inline void gather(const GatherParams& params, const void* data, const int32_t* indices, void* out) {
  const GatherParams p = flash_load(params);
  const size_t inner = static_cast<size_t>(p.inner_bytes);
  const size_t block = inner * static_cast<size_t>(p.axis_size);
  const uint8_t* src = static_cast<const uint8_t*>(data);
  uint8_t* dst = static_cast<uint8_t*>(out);
  for (int32_t b = 0; b < p.batches; ++b, indices += p.positions) {
    for (int32_t o = 0; o < p.outer; ++o, src += block) {
      for (int32_t c = 0; c < p.positions; ++c, dst += inner) {
        const int32_t i = load_operand(indices + c, p.indices_in_flash);
        if (i >= 0 && i < p.axis_size) {
          copy_operand(dst, src + static_cast<size_t>(i) * inner, inner, p.data_in_flash);
        } else {
          memset(dst, 0, inner);
        }
      }
    }
  }
}

const int32_t kGatherNdMaxDepth = 5;  // TFLM's limit on the index tuple length

// Each of `slices` tuples of `depth` indices picks the slice starting at element
// sum(index[j] * strides[j]) of the data. Like TFLM, only that flat position is checked
// (the slice must lie inside the data), not each index against its dim.
struct GatherNdParams {
  int32_t slices;
  int32_t depth;
  int32_t strides[kGatherNdMaxDepth];  // elements per step of the indexed dims
  int32_t slice_elements, data_elements, element_bytes;
  int32_t data_in_flash, indices_in_flash;
};

inline void gather_nd(const GatherNdParams& params, const void* data, const int32_t* indices, void* out) {
  const GatherNdParams p = flash_load(params);
  const size_t slice = static_cast<size_t>(p.slice_elements) * static_cast<size_t>(p.element_bytes);
  const uint8_t* src = static_cast<const uint8_t*>(data);
  uint8_t* dst = static_cast<uint8_t*>(out);
  for (int32_t s = 0; s < p.slices; ++s, dst += slice, indices += p.depth) {
    int64_t from = 0;  // TFLM sums in int; int64 cannot overflow for int32 indices and strides
    for (int32_t j = 0; j < p.depth; ++j) {
      from += static_cast<int64_t>(load_operand(indices + j, p.indices_in_flash)) * p.strides[j];
    }
    if (from >= 0 && from + p.slice_elements <= p.data_elements) {
      copy_operand(dst, src + static_cast<size_t>(from) * static_cast<size_t>(p.element_bytes), slice,
                   p.data_in_flash);
    } else {
      memset(dst, 0, slice);
    }
  }
}

// EMBEDDING_LOOKUP of an int8 table into a float32 output: each looked-up row is
// dequantized as TFLM's Dequantize with zero point 0 does, float(q) * scale.
struct EmbeddingLookupDequantizeParams {
  int32_t ids;
  int32_t rows;
  int32_t columns;  // values per row
  float scale;
  int32_t data_in_flash, indices_in_flash;  // table, ids
};

inline void embedding_lookup_dequantize(const EmbeddingLookupDequantizeParams& params, const int8_t* table,
                                        const int32_t* ids, float* out) {
  const EmbeddingLookupDequantizeParams p = flash_load(params);
  for (int32_t i = 0; i < p.ids; ++i, out += p.columns) {
    const int32_t id = load_operand(ids + i, p.indices_in_flash);
    if (id < 0 || id >= p.rows) {
      for (int32_t c = 0; c < p.columns; ++c) out[c] = 0.f;
      continue;
    }
    const int8_t* row = table + static_cast<size_t>(id) * static_cast<size_t>(p.columns);
    for (int32_t c = 0; c < p.columns; ++c) {
      out[c] = static_cast<float>(load_operand(row + c, p.data_in_flash)) * p.scale;
    }
  }
}

}  // namespace mf

#endif  // MICROFLOW_GATHER_H_
