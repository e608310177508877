// TFLM's Signal-library operators that carry samples across invokes: SignalFramer,
// SignalStacker, SignalDelay and SignalOverlapAdd (signal/micro/kernels/*.cc). TFLM keeps
// their samples in circular buffers allocated by the kernel; here each call gets a state
// array in the state region (zero at reset(), which is each one's TFLM Reset) and keeps the
// pending samples at its start in order, so a frame is one contiguous copy.
#ifndef MICROFLOW_SIGNAL_FRAMING_H_
#define MICROFLOW_SIGNAL_FRAMING_H_

#include <stdint.h>
#include <string.h>

#include "microflow/exec/flash.h"

namespace mf {

struct SignalFramerParams {
  int32_t rows;        // input elements / innermost dimension: one buffer each
  int32_t frames;      // frames per row per invoke: innermost dimension / frame_step
  int32_t frame_size;
  int32_t frame_step;
  int32_t capacity;    // samples per buffer: frame_size rounded up to whole steps (TFLM's)
  int32_t prefilled;   // samples pending after reset(): frame_size - frame_step with prefill, else 0
};

// Per row, each frame_step input samples join the row's pending samples; once frame_size are
// pending, the oldest frame_size are a frame and frame_step of them leave. `state` is
// [1 + rows · capacity] int16: element 0 the pending count minus `prefilled` (so zero is
// the reset state; the prefilled samples are the zeros of a reset buffer), then each row's
// pending samples. `output_valid` is false when a frame of this invoke was not complete;
// TFLM leaves such a frame's output unwritten (whatever the arena held), here it is zeros.
inline void signal_framer_s16(const SignalFramerParams& params, const int16_t* input, int16_t* state,
                              bool* output_valid, int16_t* output) {
  const SignalFramerParams p = flash_load(params);
  const int32_t start = p.prefilled + state[0];
  int32_t pending = start;
  bool valid = true;
  for (int32_t row = 0; row < p.rows; ++row) {
    int16_t* buffer = state + 1 + row * p.capacity;
    pending = start;
    for (int32_t frame = 0; frame < p.frames; ++frame) {
      const int32_t at = row * p.frames + frame;
      memcpy(buffer + pending, input + at * p.frame_step, static_cast<size_t>(p.frame_step) * sizeof(int16_t));
      pending += p.frame_step;
      int16_t* out = output + at * p.frame_size;
      if (pending >= p.frame_size) {
        memcpy(out, buffer, static_cast<size_t>(p.frame_size) * sizeof(int16_t));
        pending -= p.frame_step;
        memmove(buffer, buffer + p.frame_step, static_cast<size_t>(pending) * sizeof(int16_t));
      } else {
        valid = false;
        memset(out, 0, static_cast<size_t>(p.frame_size) * sizeof(int16_t));
      }
    }
  }
  state[0] = static_cast<int16_t>(pending - p.prefilled);
  *output_valid = valid;
}

struct SignalStackerParams {
  int32_t channels;
  int32_t frames;       // left context + 1 + right context: frames per output
  int32_t left_context;
  int32_t step;         // frames dropped after each output
};

// Each invoke appends one frame of `channels`; the first after reset() is also repeated
// left_context times in front (TFLM's padding). Once `frames` frames are held they are the
// output and the oldest `step` leave. `state` is [1 + frames · channels] int16: element 0
// is 0 before the first frame, else the frames held + 1; then the frames. `output_valid`
// false: not enough frames yet (output zeros; TFLM leaves it unwritten).
inline void signal_stacker_s16(const SignalStackerParams& params, const int16_t* input, int16_t* state,
                               bool* output_valid, int16_t* output) {
  const SignalStackerParams p = flash_load(params);
  int16_t* buffer = state + 1;
  const size_t frame_bytes = static_cast<size_t>(p.channels) * sizeof(int16_t);
  int32_t held = state[0] - 1;
  if (state[0] == 0) {
    for (int32_t f = 0; f <= p.left_context; ++f) memcpy(buffer + f * p.channels, input, frame_bytes);
    held = p.left_context + 1;
  } else {
    memcpy(buffer + held * p.channels, input, frame_bytes);
    ++held;
  }
  if (held >= p.frames) {
    memcpy(output, buffer, static_cast<size_t>(p.frames) * frame_bytes);
    held -= p.step;
    memmove(buffer, buffer + p.step * p.channels, static_cast<size_t>(held) * frame_bytes);
    *output_valid = true;
  } else {
    memset(output, 0, static_cast<size_t>(p.frames) * frame_bytes);
    *output_valid = false;
  }
  state[0] = static_cast<int16_t>(held + 1);
}

struct SignalDelayParams {
  int32_t rows;
  int32_t frame_size;  // innermost dimension
  int32_t delay;       // delay_length samples
};

// Each row is its input delayed by `delay` samples across invokes (zeros after reset()).
// `state` holds each row's last `delay` samples ([rows · delay] int16).
inline void signal_delay_s16(const SignalDelayParams& params, const int16_t* input, int16_t* state,
                             int16_t* output) {
  const SignalDelayParams p = flash_load(params);
  const size_t sample = sizeof(int16_t);
  for (int32_t row = 0; row < p.rows; ++row) {
    const int16_t* in = input + row * p.frame_size;
    int16_t* out = output + row * p.frame_size;
    int16_t* held = state + row * p.delay;
    if (p.delay >= p.frame_size) {
      memcpy(out, held, static_cast<size_t>(p.frame_size) * sample);
      memmove(held, held + p.frame_size, static_cast<size_t>(p.delay - p.frame_size) * sample);
      memcpy(held + p.delay - p.frame_size, in, static_cast<size_t>(p.frame_size) * sample);
    } else {
      memcpy(out, held, static_cast<size_t>(p.delay) * sample);
      memcpy(out + p.delay, in, static_cast<size_t>(p.frame_size - p.delay) * sample);
      memcpy(held, in + p.frame_size - p.delay, static_cast<size_t>(p.delay) * sample);
    }
  }
}

struct SignalOverlapAddParams {
  int32_t rows;
  int32_t frames;  // frames per row per invoke
  int32_t frame_size;
  int32_t frame_step;
};

namespace detail {
inline int16_t overlap_sum(int16_t a, int16_t b) {
  const int32_t s = static_cast<int32_t>(a) + b;
  return static_cast<int16_t>(s < -32768 ? -32768 : s > 32767 ? 32767 : s);
}
inline float overlap_sum(float a, float b) { return a + b; }

// TFLM's OverlapAdd per row: each frame is added into the row's frame_size accumulator
// (`state`, zero at reset()), whose first frame_step samples are the output; the rest
// move to the front and zeros follow.
template <typename T>
inline void signal_overlap_add(const SignalOverlapAddParams& params, const T* input, T* state, T* output) {
  const SignalOverlapAddParams p = flash_load(params);
  const int32_t kept = p.frame_size - p.frame_step;
  for (int32_t row = 0; row < p.rows; ++row) {
    T* buffer = state + row * p.frame_size;
    for (int32_t frame = 0; frame < p.frames; ++frame) {
      const int32_t at = row * p.frames + frame;
      const T* in = input + at * p.frame_size;
      for (int32_t i = 0; i < p.frame_size; ++i) buffer[i] = overlap_sum(buffer[i], in[i]);
      memcpy(output + at * p.frame_step, buffer, static_cast<size_t>(p.frame_step) * sizeof(T));
      memmove(buffer, buffer + p.frame_step, static_cast<size_t>(kept) * sizeof(T));
      for (int32_t i = kept; i < p.frame_size; ++i) buffer[i] = T(0);
    }
  }
}
}  // namespace detail

inline void signal_overlap_add_s16(const SignalOverlapAddParams& params, const int16_t* input, int16_t* state,
                                   int16_t* output) {
  detail::signal_overlap_add(params, input, state, output);
}
inline void signal_overlap_add_f32(const SignalOverlapAddParams& params, const float* input, float* state,
                                   float* output) {
  detail::signal_overlap_add(params, input, state, output);
}

}  // namespace mf

#endif  // MICROFLOW_SIGNAL_FRAMING_H_
