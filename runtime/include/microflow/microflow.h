// microflow-cpp kernel runtime: header-only, freestanding C++14, bit-exact with the
// TFLM reference kernels.
#ifndef MICROFLOW_MICROFLOW_H_
#define MICROFLOW_MICROFLOW_H_

#include "add.h"
#include "band_stream.h"
#include "conv_2d.h"
#include "conv_2d_1x1_lanes.h"
#include "conv_2d_1x1_wide.h"
#include "conv_2d_packed.h"
#include "depthwise_conv_2d.h"
#include "depthwise_conv_2d_fully_connected.h"
#include "depthwise_conv_2d_fully_connected_wide.h"
#include "fixed_point.h"
#include "flash.h"
#include "fully_connected.h"
#include "fully_connected_lanes.h"
#include "fully_connected_wide.h"
#include "input_rows.h"
#include "kernel_util.h"
#include "pooling.h"
#include "quantize.h"
#include "softmax.h"

#endif  // MICROFLOW_MICROFLOW_H_
