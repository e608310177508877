// Weights from external memory: which kernel calls read their constants from a separate
// weight image (SPI flash, an SD card: anything behind a user-supplied read()) instead of
// internal flash, and how each is split into output-channel groups that fit one RAM page.
//
// A paged call keeps all its constant arrays in the image. For every group of output
// channels the image holds one record, read with a single read() into the page buffer:
//   [the group's weights (filter rows / packed 4-channel blocks), padded to 4 bytes]
//   [each per-channel array's slice (folded bias, multipliers, shifts), int32]
// The kernel then runs on the page with output_depth = the group's channels and
// output_stride = the layer's channels, writing its channels of every output pixel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "passes/kernel_call.h"

namespace microflow {

struct PageGroup {
  int64_t channels = 0;      // output channels of this group size; 0: the whole call (not split)
  int64_t record_bytes = 0;  // bytes read per group (weights + per-channel slices)
  // Byte offset inside the page of each of the call's arrays, by suffix (weights at 0).
  std::vector<std::pair<std::string, int64_t>> offsets;
  int64_t offset_of(const std::string& suffix) const;
};

struct PagedCall {
  bool paged = false;
  int64_t image_offset = 0;  // first record
  int64_t layer_channels = 0;
  int64_t full_groups = 0;   // records of `full.channels` channels, back to back
  PageGroup full;
  PageGroup last;            // the remaining channels (last.channels == 0: none)
};

struct WeightPages {
  int64_t page_bytes = 0;
  std::vector<PagedCall> calls;  // one per KernelCall, same order
  std::vector<uint8_t> image;    // the external weight image
  int64_t internal_constant_bytes = 0;  // constants still in internal flash
};

// Every other call with constants is paged whole, one record of all its arrays, when that
// fits the page (depthwise, fused depthwise + FC, float layers), else stays in internal flash.

// Kernels that can run on one output-channel group at a time (output_stride).
bool is_pageable(const KernelCall& k);

// Splits every pageable call into groups that fit `page_bytes` (a multiple of 4) and lays
// out the image. Fails naming the op when not even one group (4 channels for packed
// convolutions, one otherwise) fits the page.
WeightPages plan_weight_pages(const std::vector<KernelCall>& calls, int64_t page_bytes, const std::string& source);

}  // namespace microflow
