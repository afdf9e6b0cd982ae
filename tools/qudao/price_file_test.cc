// Reading a price file for `qudao price list publish --file`.
#include "tools/qudao/price_file.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::cli {
namespace {

using Lines = std::vector<std::pair<int, std::string>>;

TEST(PriceFileTest, SkipsBlanksAndCommentsAndKeepsLineNumbers) {
  std::istringstream in(
      "# 2027 list\nPUMP-100,1299.00\n\n  PUMP-200,1599.00 \r\n");
  EXPECT_EQ(PriceFileLines(in),
            (Lines{{2, "PUMP-100,1299.00"}, {4, "PUMP-200,1599.00"}}));
}

TEST(PriceFileTest, AUtf8ByteOrderMarkIsNotPartOfTheFirstSku) {
  // As Excel saves "CSV UTF-8".
  std::istringstream in("\xEF\xBB\xBFPUMP-100,1299.00\r\nPUMP-200,1599.00\r\n");
  EXPECT_EQ(PriceFileLines(in),
            (Lines{{1, "PUMP-100,1299.00"}, {2, "PUMP-200,1599.00"}}));
  // Also before a comment.
  std::istringstream commented("\xEF\xBB\xBF# prices\nPUMP-100,1\n");
  EXPECT_EQ(PriceFileLines(commented), (Lines{{2, "PUMP-100,1"}}));
}

}  // namespace
}  // namespace qudao::cli
