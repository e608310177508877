// `microflow verify` reads the firmware's "V<index> <hex>" lines: long lines
// (large outputs) must not exhaust the stack (std::regex did, recursing once
// per character), and malformed lines are a CompileError, never a crash or a
// foreign exception.
#include <gtest/gtest.h>

#include <string>

#include "diagnostics.h"
#include "targets/firmware.h"

namespace {

TEST(VerifyOutput, LongHexLinesParse) {
  const size_t bytes = size_t{1} << 20;  // 2 MiB of hex digits on one line
  const std::string out = "boot banner\nV1 " + std::string(2 * bytes, 'a') + "\nVery long text\nV0 " +
                          std::string(2 * bytes - 2, '0') + "7f \r\nstack=0\n";
  const auto r = microflow::parse_vector_outputs(out, 2, bytes);
  ASSERT_EQ(r.size(), 2u);
  ASSERT_EQ(r[0].size(), bytes);
  ASSERT_EQ(r[1].size(), bytes);
  EXPECT_EQ(r[1][0], 0xaa);
  EXPECT_EQ(r[0][0], 0x00);
  EXPECT_EQ(r[0][bytes - 1], 0x7f);
}

TEST(VerifyOutput, MalformedLinesAreCompileErrors) {
  // Not output lines at all: ignored, so vector 0 is missing.
  EXPECT_THROW(microflow::parse_vector_outputs("V 00\nV0x 00\nV0 0g\nV99999999999999999999999 00\n", 1, 1),
               microflow::CompileError);
  // An output line of the wrong length or for a vector that does not exist.
  EXPECT_THROW(microflow::parse_vector_outputs("V0 000\n", 1, 1), microflow::CompileError);
  EXPECT_THROW(microflow::parse_vector_outputs("V0 00\nV1 00\n", 1, 1), microflow::CompileError);
  EXPECT_EQ(microflow::parse_vector_outputs("V0 ff\n", 1, 1)[0][0], 0xff);
}

// `verify --batch` splits its program's output at the "M<index>" headers; what a crashed
// model printed (a sanitizer report) stays with it, lines before any header are dropped.
TEST(VerifyOutput, BatchSectionsByModel) {
  const auto s = microflow::split_batch_output("banner\nM2\nV0 01\nM3\nV0 02\nMX\nM4x\n==1==ERROR: AddressSanitizer\n");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.at(2), "V0 01\n");
  EXPECT_EQ(s.at(3), "V0 02\nMX\nM4x\n==1==ERROR: AddressSanitizer\n");
  EXPECT_EQ(microflow::parse_vector_outputs(s.at(2), 1, 1)[0][0], 0x01);
}

}  // namespace
