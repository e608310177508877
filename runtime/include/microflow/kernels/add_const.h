// ADD of an activation and a constant operand kept in flash (a bias-like tensor, broadcast
// as ADD does): the same arithmetic as add.h, the constant read through flash_read. ADD is
// symmetric in its inputs (each is rescaled by its own multiplier, then the two are added),
// so the compiler always passes the constant second.
#ifndef MICROFLOW_ADD_CONST_H_
#define MICROFLOW_ADD_CONST_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/kernels/add.h"

namespace mf {

namespace detail {

struct LoadFlash {
  template <typename T>
  T operator()(const T* p) const {
    return flash_read(p);
  }
};

}  // namespace detail

inline void add_const_s8(const AddS8Params& params, const int8_t* in, const int8_t* constant, int8_t* out) {
  const auto p = flash_load(params);
  detail::broadcast_binary(
      p, in, constant, out, [&p](int8_t x, int8_t c) { return detail::add_s8_element(p, x, c); },
      detail::LoadFlash());
}

inline void add_const_f32(const AddF32Params& params, const float* in, const float* constant, float* out) {
  const auto p = flash_load(params);
  detail::broadcast_binary(
      p, in, constant, out, [&p](float x, float c) { return clamp_f32(x + c, p.act_min, p.act_max); },
      detail::LoadFlash());
}

}  // namespace mf

#endif  // MICROFLOW_ADD_CONST_H_
