// The audio front end of the keyword spotter: TFLM's int8 audio preprocessor (compiled by
// microflow to audio_preprocessor.h/.cpp) run every 20 ms on the last 30 ms of audio, as
// TFLM's micro_speech does: step k reads samples [320k, 320k + 480) and yields one row of
// 40 int8 features for the classifier. The preprocessor keeps state between steps (noise
// estimates), so one FrontEnd follows one stream from its first sample.
//
// RAM: the window lives in the preprocessor's own input tensor; only the 160 samples two
// windows share are kept aside (invoke() may overwrite its input), not a 480-sample copy.
// Freestanding C++14.
#ifndef MICROFLOW_EXAMPLES_MICRO_SPEECH_FRONT_END_H_
#define MICROFLOW_EXAMPLES_MICRO_SPEECH_FRONT_END_H_

#include <stdint.h>
#include <string.h>

#include "audio_preprocessor.h"

namespace front_end {

constexpr uint32_t kSampleRate = 16000;
constexpr uint32_t kWindowSamples = 480;  // 30 ms
constexpr uint32_t kHopSamples = 320;     // 20 ms
constexpr uint32_t kOverlapSamples = kWindowSamples - kHopSamples;
constexpr uint32_t kFeatures = 40;
static_assert(audio_preprocessor::kInput0Elements == kWindowSamples, "the preprocessor reads 30 ms windows");
static_assert(audio_preprocessor::kOutput0Elements == kFeatures, "the preprocessor writes 40 features");

// Steps (rows of features) a stream of `samples` samples yields.
constexpr uint32_t steps_for(uint32_t samples) {
  return samples < kWindowSamples ? 0 : 1 + (samples - kWindowSamples) / kHopSamples;
}

class FrontEnd {
 public:
  FrontEnd() : started_(false) {}

  // A new stream: fresh preprocessor state, no samples yet.
  void reset() {
    model_.reset();
    started_ = false;
  }

  // Samples the next step needs: the whole first window, then one hop.
  uint32_t samples_needed() const { return started_ ? kHopSamples : kWindowSamples; }

  // Where to write them (samples_needed() int16 values); call once per step, after the
  // previous step's features have been used (they may share the bytes).
  int16_t* begin_step() {
    int16_t* window = model_.input();
    if (!started_) return window;
    memcpy(window, overlap_, sizeof overlap_);
    return window + kOverlapSamples;
  }

  // Runs the preprocessor on the window; returns its 40 features.
  const int8_t* finish_step() {
    memcpy(overlap_, model_.input() + kHopSamples, sizeof overlap_);
    started_ = true;
    model_.invoke();
    return model_.output();
  }

 private:
  audio_preprocessor::Model model_;
  int16_t overlap_[kOverlapSamples];
  bool started_;
};

}  // namespace front_end

#endif  // MICROFLOW_EXAMPLES_MICRO_SPEECH_FRONT_END_H_
