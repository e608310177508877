// The Signal-library operators TFLM's audio front-end models do not use (SignalRfft int32 /
// float, SignalIrfft, SignalFramer, SignalStacker, SignalDelay, SignalOverlapAdd) end to
// end: one writer-made model holding them all, its vectors (each on a fresh model) and a
// sequence (state carried, then again after reset()) from independent evaluations
// (tests/runtime/signal_reference.h: a float round trip, kissfft's tables computed here, the
// buffering operators as functions of the signal since reset()), bit-exact through
// `microflow verify` on the host and cortex-m4.
#include <cstring>
#include <random>

#include "../runtime/signal_reference.h"
#include "microflow/kernels/signal_fft.h"
#include "plan_checks.h"
#include "seed_models.h"
#include "test_util.h"

namespace mftest {
namespace {

namespace sr = signal_reference;

constexpr int kFft = mfseed::kSignalZooFft, kHalf = kFft / 2;

// Inputs, in model order, and the outputs the model must give for them.
struct Step {
  std::vector<float> x;        // [2, 24] float: SignalRfft → SignalIrfft
  std::vector<int32_t> x32;    // [3, 20] int32: SignalRfft (zero-padded to 24)
  std::vector<int16_t> s16;    // [2, 26] int16 half spectra: SignalIrfft
  std::vector<int32_t> s32;    // [2, 28] int32 (rows wider than the 13 bins read): SignalIrfft
  std::vector<int16_t> a;      // [2, 8] int16: SignalFramer (6 / 4) → SignalOverlapAdd (4), SignalDelay (5)
  std::vector<int16_t> c;      // [3] int16: SignalStacker (1 + 1 + 1 frames, step 1)
  std::vector<float> f;        // [1, 2, 5] float: SignalOverlapAdd (2)
};

Step random_step(std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  auto fill = [&](auto& v, size_t n, double scale) {
    v.resize(n);
    for (auto& e : v) e = static_cast<std::remove_reference_t<decltype(e)>>(u(rng) * scale);
  };
  Step s;
  fill(s.x, 2 * kFft, 1.0);
  for (float& v : s.x) v = std::copysign(0.5f + 0.5f * std::abs(v), v);  // |x| >= 0.5: relative error is meaningful
  fill(s.x32, 60, 1 << 30);
  fill(s.s16, 2 * 2 * (kHalf + 1), 16000);
  fill(s.s32, 2 * 2 * (kHalf + 2), 1 << 30);
  fill(s.a, 16, 30000);
  fill(s.c, 3, 30000);
  fill(s.f, 10, 2.0);
  return s;
}

template <typename T>
void append(std::vector<uint8_t>& out, const std::vector<T>& v) {
  const auto bytes = w::to_bytes(v);
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// The model's operators since reset(), from the references.
struct Reference {
  std::vector<sr::Framer> framer{2, sr::Framer(6, 4, false)};
  std::vector<sr::OverlapAdd<int16_t>> ola{2, sr::OverlapAdd<int16_t>{6, 4, {}}};
  std::vector<sr::Delay> delay{2, sr::Delay(5)};
  sr::Stacker stacker{3, 1, 3, 1, {}, 0};
  sr::OverlapAdd<float> olf{5, 2, {}};

  std::vector<uint8_t> invoke(const Step& s) {
    std::vector<uint8_t> out;
    append(out, s.x);  // the round trip gives x back
    const sr::FftTables<int32_t> f32(kHalf, false), i32(kHalf, true);
    const sr::FftTables<int16_t> i16(kHalf, true);
    std::vector<int32_t> X32(3 * 2 * (kHalf + 1)), y32(2 * kFft);
    std::vector<int16_t> y16(2 * kFft);
    mf::signal_rfft_s32({3, 20, kHalf, f32.factors.data(), f32.twiddles.data(), f32.super_twiddles.data()}, s.x32.data(),
                        X32.data());
    mf::signal_irfft_s16({2, kHalf + 1, kHalf, i16.factors.data(), i16.twiddles.data(), i16.super_twiddles.data()},
                         s.s16.data(), y16.data());
    mf::signal_irfft_s32({2, kHalf + 2, kHalf, i32.factors.data(), i32.twiddles.data(), i32.super_twiddles.data()},
                         s.s32.data(), y32.data());
    append(out, X32);
    append(out, y16);
    append(out, y32);
    std::vector<int16_t> frames(24), ola_out(16), delayed(16), stacked(9);
    bool frames_valid = true;
    for (int r = 0; r < 2; ++r)
      for (int k = 0; k < 2; ++k) {
        const int at = r * 2 + k;
        frames_valid &= framer[r].push(&s.a[static_cast<size_t>(at * 4)], &frames[static_cast<size_t>(at * 6)]);
        ola[r].push(&frames[static_cast<size_t>(at * 6)], &ola_out[static_cast<size_t>(at * 4)]);
      }
    for (int r = 0; r < 2; ++r) delay[r].push(&s.a[static_cast<size_t>(r * 8)], 8, &delayed[static_cast<size_t>(r * 8)]);
    const bool stacked_valid = stacker.push(s.c.data(), stacked.data());
    std::vector<float> olf_out(4);
    for (int k = 0; k < 2; ++k) olf.push(&s.f[static_cast<size_t>(k * 5)], &olf_out[static_cast<size_t>(k * 2)]);
    append(out, frames);
    out.push_back(frames_valid);
    append(out, ola_out);
    append(out, delayed);
    append(out, stacked);
    out.push_back(stacked_valid);
    append(out, olf_out);
    return out;
  }
};

std::vector<uint8_t> inputs_of(const Step& s) {
  std::vector<uint8_t> in;
  append(in, s.x);
  append(in, s.x32);
  append(in, s.s16);
  append(in, s.s32);
  append(in, s.a);
  append(in, s.c);
  append(in, s.f);
  return in;
}

// DIR/model.tflite, DIR/vectors (3, each from reset()) and DIR/sequence (6 steps).
void write_signal_ops(const fs::path& dir) {
  fs::create_directories(dir / "vectors");
  fs::create_directories(dir / "sequence");
  write_file(dir / "model.tflite", mfseed::signal_zoo());
  std::mt19937 rng(16);
  for (int v = 0; v < 3; ++v) {
    const Step s = random_step(rng);
    write_file(dir / "vectors" / numbered("v", v).append(".in.bin"), inputs_of(s));
    write_file(dir / "vectors" / numbered("v", v).append(".out.bin"), Reference().invoke(s));
  }
  Reference carried;
  for (int t = 0; t < 6; ++t) {
    const Step s = random_step(rng);
    write_file(dir / "sequence" / numbered("t", t).append(".in.bin"), inputs_of(s));
    write_file(dir / "sequence" / numbered("t", t).append(".out.bin"), carried.invoke(s));
  }
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(SignalOps, NewOperatorsMatchTheirReferencesOnTheHost) {
  if (!fs::exists(MICROFLOW_EXE)) GTEST_SKIP() << "microflow executable not built: " << MICROFLOW_EXE;
  TempDir dir("signal_ops");
  write_signal_ops(dir.path() / "signal_ops");
  std::ofstream(dir.path() / "list.txt") << "signal_ops\n";
  const RunResult r = run("verify --batch " + quoted(dir.path() / "list.txt") + " --models-dir " + quoted(dir.path()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "PASS signal_ops 3/3 within tolerance")) << r.output;

  EXPECT_TRUE(contains(r.output, "sequence 12/12")) << r.output;
  // External weights keep the FFT tables (int16 / float twiddles: params point at them) in
  // internal flash and page the rest.
  const RunResult ext = run("compile " + quoted(dir.path() / "signal_ops" / "model.tflite") + " -o " +
                            quoted(dir.path() / "ext") + " --weights external --target cortex-m4");
  EXPECT_EQ(ext.exit_code, 0) << ext.output;
  EXPECT_TRUE(contains(ext.output, "stay in internal flash")) << ext.output;
  // The state region holds each stateful operator's buffers (int16 and float).
  const auto c = compile_bytes(mfseed::signal_zoo(), "signal_ops.tflite");
  check_plan(*c);
  // Bytes: framer 1 + 2 rows · 8 int16, OverlapAdd 2 rows · 6 int16, delay 2 rows · 5 int16,
  // stacker 1 + 3 frames · 3 int16, float OverlapAdd 5 floats.
  const int64_t framer = 34, ola = 24, delay = 20, stacker = 20, olf = 20;
  EXPECT_GE(c->plan.state_bytes, framer + ola + delay + stacker + olf);
  EXPECT_LE(c->plan.state_bytes, framer + ola + delay + stacker + olf + 5 * 3);  // 4-byte slots
}

// The one simulator run of these operators: the sequence (with reset()) on cortex-m4.
TEST(SignalOps, NewOperatorsMatchTheirReferencesOnCortexM4) {
  if (!fs::exists(MICROFLOW_EXE)) GTEST_SKIP() << "microflow executable not built: " << MICROFLOW_EXE;
  if (std::system("command -v arm-none-eabi-gcc >/dev/null && command -v qemu-system-arm >/dev/null") != 0)
    GTEST_SKIP() << "arm-none-eabi-gcc or qemu-system-arm missing (bash scripts/setup.sh --targets)";
  TempDir dir("signal_ops_m4");
  write_signal_ops(dir.path());
  const RunResult r = run("verify " + quoted(dir.path() / "model.tflite") + " --sequence " + quoted(dir.path() / "sequence") +
                          " --target cortex-m4");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "verify: 12/12 within tolerance")) << r.output;
}

}  // namespace
}  // namespace mftest
