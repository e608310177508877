// RIFF/WAVE reader for the keyword spotter: finds the PCM samples of a 16 kHz mono 16-bit
// file and says precisely what else a file is. Freestanding C++14 (no heap, no stdio): the
// firmware reads the file through semihosting, the host through stdio, both via a
// read_at(offset, dst, n) -> bool callable.
#ifndef MICROFLOW_EXAMPLES_MICRO_SPEECH_WAV_H_
#define MICROFLOW_EXAMPLES_MICRO_SPEECH_WAV_H_

#include <stdint.h>
#include <string.h>

namespace wav {

constexpr uint32_t kSampleRate = 16000;

enum class Error : uint8_t {
  kNone,
  kTruncated,      // a header or chunk header ends early
  kNotRiff,        // no "RIFF" at offset 0 (RIFX: big-endian)
  kNotWave,        // RIFF but not "WAVE"
  kFmtTooShort,    // "fmt " chunk under 16 bytes
  kNotPcm,         // format tag (value) is not PCM
  kChannels,       // value channels
  kRate,           // value Hz
  kBits,           // value bits per sample
  kBlockAlign,     // value bytes per frame
  kDataBeforeFmt,  // "data" chunk before any "fmt " chunk
  kNoData,         // no "data" chunk
  kOddData,        // data chunk of value bytes: not whole samples
};

// What went wrong, as a phrase; `value` (format tag, channels, ...) is printed after it.
inline const char* message(Error e) {
  switch (e) {
    case Error::kNone: return "ok";
    case Error::kTruncated: return "file ends inside a header";
    case Error::kNotRiff: return "not a RIFF file (a WAV file starts with \"RIFF\"; RIFX, big-endian, is not supported)";
    case Error::kNotWave: return "a RIFF file but not WAVE";
    case Error::kFmtTooShort: return "\"fmt \" chunk shorter than 16 bytes";
    case Error::kNotPcm: return "not integer PCM (need format 1, or extensible with PCM subformat); format tag";
    case Error::kChannels: return "need mono audio; channels:";
    case Error::kRate: return "need 16000 Hz audio; sample rate:";
    case Error::kBits: return "need 16-bit samples; bits per sample:";
    case Error::kBlockAlign: return "need 2 bytes per frame (16-bit mono); block align:";
    case Error::kDataBeforeFmt: return "\"data\" chunk before the \"fmt \" chunk";
    case Error::kNoData: return "no \"data\" chunk";
    case Error::kOddData: return "\"data\" chunk is not whole 16-bit samples; bytes:";
  }
  return "unknown error";
}

// True when message(e) expects the value printed after it.
inline bool has_value(Error e) {
  return e == Error::kNotPcm || e == Error::kChannels || e == Error::kRate || e == Error::kBits ||
         e == Error::kBlockAlign || e == Error::kOddData;
}

struct Info {
  uint32_t data_offset;  // file offset of the first sample
  uint32_t samples;      // int16 samples in the data chunk
};

struct Result {
  Error error;
  uint32_t value;  // the offending field (see has_value)
  Info info;
};

inline uint32_t le32(const uint8_t* b) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
inline uint16_t le16(const uint8_t* b) { return (uint16_t)(b[0] | b[1] << 8); }

// Walks the chunk list: "fmt " must come before "data"; other chunks (LIST, fact, ...) are
// skipped, with the pad byte of odd-sized chunks.
template <class ReadAt>
Result parse(ReadAt read_at) {
  uint8_t head[12];
  if (!read_at(0, head, 12)) return {Error::kTruncated, 0, {0, 0}};
  if (memcmp(head, "RIFF", 4) != 0) return {Error::kNotRiff, 0, {0, 0}};
  if (memcmp(head + 8, "WAVE", 4) != 0) return {Error::kNotWave, 0, {0, 0}};
  bool have_fmt = false;
  uint32_t offset = 12;
  for (;;) {
    uint8_t chunk[8];
    if (!read_at(offset, chunk, 8)) return {have_fmt ? Error::kNoData : Error::kTruncated, 0, {0, 0}};
    const uint32_t size = le32(chunk + 4);
    offset += 8;
    if (memcmp(chunk, "fmt ", 4) == 0) {
      if (size < 16) return {Error::kFmtTooShort, size, {0, 0}};
      uint8_t fmt[26];  // through the extensible subformat's first two bytes
      const uint32_t n = size < sizeof fmt ? size : (uint32_t)sizeof fmt;
      if (!read_at(offset, fmt, n)) return {Error::kTruncated, 0, {0, 0}};
      uint16_t tag = le16(fmt);
      const uint16_t kExtensible = 0xFFFE;
      if (tag == kExtensible && n >= 26) tag = le16(fmt + 24);  // the subformat GUID's first field
      if (tag != 1) return {Error::kNotPcm, tag, {0, 0}};
      if (le16(fmt + 2) != 1) return {Error::kChannels, le16(fmt + 2), {0, 0}};
      if (le32(fmt + 4) != kSampleRate) return {Error::kRate, le32(fmt + 4), {0, 0}};
      if (le16(fmt + 14) != 16) return {Error::kBits, le16(fmt + 14), {0, 0}};
      if (le16(fmt + 12) != 2) return {Error::kBlockAlign, le16(fmt + 12), {0, 0}};
      have_fmt = true;
    } else if (memcmp(chunk, "data", 4) == 0) {
      if (!have_fmt) return {Error::kDataBeforeFmt, 0, {0, 0}};
      if (size % 2 != 0) return {Error::kOddData, size, {0, 0}};
      return {Error::kNone, 0, {offset, size / 2}};
    }
    offset += size + (size & 1u);
  }
}

// Reads `count` samples starting at sample `first` into dst (little-endian in the file,
// converted in place, so any host byte order works). False when the file is shorter.
template <class ReadAt>
bool read_samples(ReadAt read_at, const Info& info, uint32_t first, int16_t* dst, uint32_t count) {
  if (!read_at(info.data_offset + 2 * first, dst, 2 * count)) return false;
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(dst);
  for (uint32_t i = 0; i < count; ++i) dst[i] = (int16_t)le16(bytes + 2 * i);
  return true;
}

}  // namespace wav

#endif  // MICROFLOW_EXAMPLES_MICRO_SPEECH_WAV_H_
