// micro_speech: "yes" / "no" keyword spotting from a WAV file, every computation in code that
// microflow generated from TFLM's two models:
//   audio_preprocessor  int16[480] -> int8[40]: one row of features per 20 ms (front_end.h)
//   micro_speech        49 rows of 40 -> scores of silence / unknown / yes / no, fed row by
//                       row (--streaming-input on: it never holds more than 10 rows)
// The same source runs on the host and, under QEMU, on Cortex-M (files and arguments through
// semihosting; targets/common/platform.h).
//
//   micro_speech_example [--expect LABEL] [--check-features FILE] [--bench front-end|classifier] AUDIO.wav
//   micro_speech_example [--expect LABEL] [--bench classifier] --features FILE
//
// AUDIO.wav: 16 kHz mono 16-bit PCM, at least 990 ms (49 steps). Every further 980 ms is
// classified too. --features classifies rows of 40 int8 features from FILE instead (the
// preprocessor's output: TFLM's micro_speech vectors). --check-features compares each row
// the front end makes with FILE (49x40 int8 per second). --expect makes the exit status 1
// unless every classified second is LABEL. --bench brackets only that part with the
// counting markers (mf_bench_begin/end) and prints the peak stack.
// Exit status: 0 as expected, 1 a label or feature differs, 2 bad arguments or input.
#include <stdint.h>
#include <string.h>

#include "front_end.h"
#include "micro_speech.h"
#include "platform.h"
#include "print.h"
#include "wav.h"

namespace {

constexpr uint32_t kFeatures = front_end::kFeatures;
constexpr uint32_t kRows = micro_speech::kInputRows;  // 49 steps: 990 ms of audio
constexpr uint32_t kLabelCount = micro_speech::kOutput0Elements;
static_assert(micro_speech::kInputRowElements == kFeatures, "classifier rows are the front end's features");
static_assert(kLabelCount == 4, "micro_speech scores four labels");
const char* const kLabels[kLabelCount] = {"silence", "unknown", "yes", "no"};  // TFLM's order
constexpr uint32_t kStepMs = front_end::kHopSamples * 1000 / front_end::kSampleRate;
constexpr uint32_t kSpanMs = ((kRows - 1) * front_end::kHopSamples + front_end::kWindowSamples) * 1000 /
                             front_end::kSampleRate;

enum class Bench : uint8_t { kNone, kFrontEnd, kClassifier };

struct Options {
  const char* audio = nullptr;
  const char* features = nullptr;
  const char* check_features = nullptr;
  const char* expect = nullptr;
  Bench bench = Bench::kNone;
};

// Static, so a firmware's `size` shows the models' RAM (arenas, preprocessor state).
front_end::FrontEnd g_front_end;
micro_speech::Model g_classifier;

constexpr int kExitMismatch = 1;
constexpr int kExitBadInput = 2;

[[noreturn]] void usage() {
  mf_print(
      "usage: micro_speech_example [--expect LABEL] [--check-features FILE] [--bench front-end|classifier] AUDIO.wav\n"
      "       micro_speech_example [--expect LABEL] [--bench classifier] --features FILE\n");
  mf_platform_exit(kExitBadInput);
}

[[noreturn]] void fail(const char* file, const char* what) {
  mf_print("error: ");
  mf_print(file);
  mf_print(": ");
  mf_print(what);
  mf_print("\n");
  mf_platform_exit(kExitBadInput);
}

// A file read through the platform (stdio on the host, semihosting under QEMU).
struct File {
  int handle;
  bool operator()(uint32_t offset, void* dst, uint32_t n) const {
    return mf_platform_read_at(handle, offset, dst, n) == 0;
  }
};

File open_file(const char* path) {
  const int handle = mf_platform_open(path);
  if (handle < 0) fail(path, "cannot open");
  return File{handle};
}

Options parse_arguments(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const bool has_value = i + 1 < argc;
    if (strcmp(a, "--expect") == 0 && has_value) {
      o.expect = argv[++i];
      bool known = false;
      for (const char* label : kLabels) known = known || strcmp(label, o.expect) == 0;
      if (!known) fail(o.expect, "--expect takes silence, unknown, yes or no");
    } else if (strcmp(a, "--features") == 0 && has_value) {
      o.features = argv[++i];
    } else if (strcmp(a, "--check-features") == 0 && has_value) {
      o.check_features = argv[++i];
    } else if (strcmp(a, "--bench") == 0 && has_value) {
      const char* part = argv[++i];
      if (strcmp(part, "front-end") == 0) {
        o.bench = Bench::kFrontEnd;
      } else if (strcmp(part, "classifier") == 0) {
        o.bench = Bench::kClassifier;
      } else {
        fail(part, "--bench takes front-end or classifier");
      }
    } else if (a[0] != '-' && o.audio == nullptr) {
      o.audio = a;
    } else {
      usage();
    }
  }
  const bool one_input = (o.audio != nullptr) != (o.features != nullptr);
  if (!one_input || (o.features != nullptr && (o.check_features != nullptr || o.bench == Bench::kFrontEnd))) usage();
  return o;
}

// A probability with three decimals, from the int8 score (no printf: it costs kilobytes).
void print_probability(int8_t score) {
  const float p = static_cast<float>(score - micro_speech::kOutput0ZeroPoint) * micro_speech::kOutput0Scale;
  const uint32_t milli = static_cast<uint32_t>(p * 1000.0f + 0.5f);
  mf_print_u32(milli / 1000);
  const char digits[4] = {'.', static_cast<char>('0' + milli / 100 % 10), static_cast<char>('0' + milli / 10 % 10),
                          static_cast<char>('0' + milli % 10)};
  mf_platform_write(digits, sizeof digits);
}

// Feeds rows to the classifier; after every kRows-th prints the label of those 990 ms.
class Classification {
 public:
  explicit Classification(const Options& o) : options_(o), segments_(0), unexpected_(0) {}

  // The row is at g_classifier.row_buffer(); returns after printing a result if it was the last.
  void push_row() {
    if (options_.bench == Bench::kClassifier) mf_bench_begin();
    const bool done = g_classifier.push_row();
    if (options_.bench == Bench::kClassifier) mf_bench_end();
    if (done) report();
  }

  uint32_t segments() const { return segments_; }
  uint32_t unexpected() const { return unexpected_; }

 private:
  void report() {
    const int8_t* scores = g_classifier.output();
    uint32_t top = 0;  // the first of equal maxima, as TFLM's test (std::max_element)
    for (uint32_t i = 1; i < kLabelCount; ++i) top = scores[i] > scores[top] ? i : top;
    const uint32_t start_ms = segments_ * kRows * kStepMs;
    mf_print_u32(start_ms);
    mf_print("-");
    mf_print_u32(start_ms + kSpanMs);
    mf_print(" ms: ");
    mf_print(kLabels[top]);
    mf_print(" (");
    for (uint32_t i = 0; i < kLabelCount; ++i) {
      mf_print(i ? ", " : "");
      mf_print(kLabels[i]);
      mf_print(" ");
      print_probability(scores[i]);
    }
    mf_print(")\n");
    if (options_.expect != nullptr && strcmp(options_.expect, kLabels[top]) != 0) ++unexpected_;
    ++segments_;
  }

  const Options& options_;
  uint32_t segments_;
  uint32_t unexpected_;
};

// --features: rows of precomputed features, until the file ends.
uint32_t classify_features(const Options& o, Classification& c) {
  const File file = open_file(o.features);
  uint32_t rows = 0;
  while (file(rows * kFeatures, g_classifier.row_buffer(), kFeatures)) {
    c.push_row();
    ++rows;
  }
  if (rows < kRows) fail(o.features, "holds fewer than 49 rows of 40 int8 features");
  return rows;
}

// Audio: the front end makes one row per 20 ms step.
uint32_t classify_audio(const Options& o, Classification& c, uint32_t* feature_mismatches) {
  const File file = open_file(o.audio);
  const wav::Result header = wav::parse(file);
  if (header.error != wav::Error::kNone) {
    mf_print("error: ");
    mf_print(o.audio);
    mf_print(": ");
    mf_print(wav::message(header.error));
    if (wav::has_value(header.error)) {
      mf_print(" ");
      mf_print_u32(header.value);
    }
    mf_print("\n");
    mf_platform_exit(kExitBadInput);
  }
  const uint32_t samples = header.info.samples;
  const uint32_t steps = front_end::steps_for(samples);
  mf_print(o.audio);
  mf_print(": ");
  mf_print_u32(samples);
  mf_print(" samples (");
  mf_print_u32(samples / (front_end::kSampleRate / 1000));
  mf_print(" ms at 16 kHz), ");
  mf_print_u32(steps);
  mf_print(" steps of 20 ms\n");
  if (steps < kRows) fail(o.audio, "too short: the classifier needs 49 steps, 15840 samples (990 ms)");

  File expected = {-1};
  if (o.check_features != nullptr) expected = open_file(o.check_features);
  uint32_t next_sample = 0;
  for (uint32_t step = 0; step < steps; ++step) {
    const uint32_t n = g_front_end.samples_needed();
    if (!wav::read_samples(file, header.info, next_sample, g_front_end.begin_step(), n)) {
      fail(o.audio, "file ends inside its \"data\" chunk");
    }
    next_sample += n;
    if (o.bench == Bench::kFrontEnd) mf_bench_begin();
    const int8_t* features = g_front_end.finish_step();
    if (o.bench == Bench::kFrontEnd) mf_bench_end();
    if (expected.handle >= 0) {
      int8_t want[kFeatures];
      if (!expected(step * kFeatures, want, kFeatures)) fail(o.check_features, "has fewer rows than the audio has steps");
      for (uint32_t i = 0; i < kFeatures; ++i) {
        if (features[i] == want[i]) continue;
        if (*feature_mismatches == 0) {
          mf_print("features differ from ");
          mf_print(o.check_features);
          mf_print(": step ");
          mf_print_u32(step);
          mf_print(" feature ");
          mf_print_u32(i);
          mf_print(": ");
          mf_print_i32(features[i]);
          mf_print(", expected ");
          mf_print_i32(want[i]);
          mf_print("\n");
        }
        ++*feature_mismatches;
      }
    }
    memcpy(g_classifier.row_buffer(), features, kFeatures);
    c.push_row();
  }
  if (expected.handle >= 0 && *feature_mismatches == 0) {
    mf_print("features: all ");
    mf_print_u32(steps);
    mf_print(" rows equal ");
    mf_print(o.check_features);
    mf_print("\n");
  }
  return steps;
}

}  // namespace

int main(int argc, char** argv) {
  mf_platform_init();
  mf_stack_paint();
  argc = mf_platform_args(argc, argv, &argv);
  const Options options = parse_arguments(argc, argv);
  Classification classification(options);
  uint32_t feature_mismatches = 0;
  const uint32_t rows = options.features != nullptr ? classify_features(options, classification)
                                                   : classify_audio(options, classification, &feature_mismatches);
  if (rows % kRows != 0) {
    mf_print("rows after the last result, too few to classify: ");
    mf_print_u32(rows % kRows);
    mf_print("\n");
  }
  if (options.bench != Bench::kNone) {
    const size_t stack = mf_stack_used();
    mf_print("bench: ");
    mf_print(options.bench == Bench::kFrontEnd ? "front end" : "classifier");
    mf_print(" bracketed for ");
    mf_print_u32(rows);
    mf_print(" rows; peak stack ");
    mf_print_u32(static_cast<uint32_t>(stack));
    mf_print(" B\n");
  }
  if (options.expect != nullptr && classification.unexpected() != 0) {
    mf_print_u32(classification.unexpected());
    mf_print(" of ");
    mf_print_u32(classification.segments());
    mf_print(" results are not ");
    mf_print(options.expect);
    mf_print("\n");
  }
  mf_platform_exit(classification.unexpected() != 0 || feature_mismatches != 0 ? kExitMismatch : 0);
}
