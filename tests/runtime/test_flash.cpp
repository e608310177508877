#include <gtest/gtest.h>

#include <cmath>

#include "microflow/exec/flash.h"

namespace {

struct Params {
  int32_t a;
  float b;
  const int32_t* table;
};

const int32_t kTable[] MF_FLASH = {7, -8, 9};
const Params kParams MF_FLASH = {-42, 1.5f, kTable};
const int8_t kBytes[] MF_FLASH = {-128, -1, 0, 127};
const int16_t kWords[] MF_FLASH = {-32768, 12345};
const float kFloats[] MF_FLASH = {-0.f, 3.25f};
const double kDoubles[] MF_FLASH = {1e300};

TEST(Flash, ReadsElementsOfEverySize) {
  EXPECT_EQ(mf::flash_read(kBytes + 0), -128);
  EXPECT_EQ(mf::flash_read(kBytes + 3), 127);
  EXPECT_EQ(mf::flash_read(kWords + 0), -32768);
  EXPECT_EQ(mf::flash_read(kWords + 1), 12345);
  EXPECT_EQ(mf::flash_read(kTable + 1), -8);
  EXPECT_TRUE(std::signbit(mf::flash_read(kFloats + 0)));
  EXPECT_EQ(mf::flash_read(kFloats + 1), 3.25f);
  EXPECT_EQ(mf::flash_read(kDoubles), 1e300);
}

TEST(Flash, LoadsParamsStruct) {
  const Params p = mf::flash_load(kParams);
  EXPECT_EQ(p.a, -42);
  EXPECT_EQ(p.b, 1.5f);
  EXPECT_EQ(mf::flash_read(p.table + 2), 9);
}

TEST(Flash, CopiesBytes) {
  int8_t dst[4] = {};
  mf::flash_copy(dst, kBytes, sizeof dst);
  EXPECT_EQ(dst[0], -128);
  EXPECT_EQ(dst[1], -1);
  EXPECT_EQ(dst[2], 0);
  EXPECT_EQ(dst[3], 127);
}

}  // namespace
