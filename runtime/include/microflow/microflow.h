// microflow-cpp kernel runtime: header-only, freestanding C++14, bit-exact with the
// TFLM reference kernels.
#ifndef MICROFLOW_MICROFLOW_H_
#define MICROFLOW_MICROFLOW_H_

#include "microflow/kernels/add.h"
#include "microflow/exec/band_stream.h"
#include "microflow/kernels/conv_2d.h"
#include "microflow/variants/conv_2d_1x1_lanes.h"
#include "microflow/variants/conv_2d_1x1_wide.h"
#include "microflow/kernels/conv_2d_packed.h"
#include "microflow/kernels/depthwise_conv_2d.h"
#include "microflow/kernels/depthwise_conv_2d_fully_connected.h"
#include "microflow/variants/depthwise_conv_2d_fully_connected_wide.h"
#include "microflow/fixed_point.h"
#include "microflow/exec/flash.h"
#include "microflow/kernels/fully_connected.h"
#include "microflow/variants/fully_connected_lanes.h"
#include "microflow/variants/fully_connected_wide.h"
#include "microflow/exec/input_rows.h"
#include "microflow/kernel_util.h"
#include "microflow/kernels/pooling.h"
#include "microflow/kernels/quantize.h"
#include "microflow/kernels/softmax.h"

#endif  // MICROFLOW_MICROFLOW_H_
