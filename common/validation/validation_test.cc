// Boundary validation and the error vocabulary, without gRPC.
#include "common/validation/validation.h"

#include <set>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/testing/status_matchers.h"
#include "common/testing/uscc.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(TextTest, AcceptsOrdinaryTextInAnyScript) {
  EXPECT_THAT(RequireText("name", "杭州明达机电有限公司", 200), IsOk());
  EXPECT_THAT(RequireText("name", "Müller & Söhne GmbH", 200), IsOk());
  EXPECT_THAT(OptionalMultilineText("scope", "Pumps\nValves\tand more", 200),
              IsOk());
}

TEST(TextTest, RefusesWhatCanBreakOrDisguiseALine) {
  for (const std::string& bad :
       {std::string("a\nb"), std::string("tab\there"), std::string("nul\0x", 5),
        std::string("next\xC2\x85line"),   // U+0085 NEL (C1)
        std::string("a\xE2\x80\xA8line"),  // U+2028 line separator
        std::string("a\xE2\x80\xA9para"),  // U+2029 paragraph separator
        std::string(
            "evil\xE2\x80\xAEgpj.exe"),      // U+202E right-to-left override
        std::string("iso\xE2\x81\xA6late"),  // U+2066 isolate
        std::string("bad\xFFutf8"), std::string("\xC0\xAF"),  // overlong '/'
        std::string("\xED\xA0\x80")}) {  // a UTF-16 surrogate
    const absl::Status s = RequireText("dealer.legal_name", bad, 200);
    EXPECT_THAT(
        s, StatusIs(absl::StatusCode::kInvalidArgument, kReasonInvalidField))
        << absl::CEscape(bad);
    EXPECT_EQ(FieldOf(s), "dealer.legal_name");
  }
  // Multi-line text allows line breaks, never bidi overrides.
  EXPECT_THAT(OptionalMultilineText("note",
                                    "a\xE2\x80\xAE"
                                    "b",
                                    200),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TextTest, CountsCharactersNotBytes) {
  EXPECT_THAT(RequireText("f", std::string(10, 'x'), 10), IsOk());
  EXPECT_THAT(RequireText("f", "一二三四五六七八九十", 10), IsOk());
  EXPECT_THAT(RequireText("f", "一二三四五六七八九十一", 10),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RequireText("f", "   ", 10),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Codes in the format of real business licences, check characters
// computed by hand from GB 32100-2015 (weights 1, 3, 9, ... mod 31).
TEST(UnifiedSocialCreditCodeTest, AcceptsValidCodesInNormalForm) {
  for (const char* code :
       {"91330106MA2GL0K1PP",   // enterprise, Hangzhou Xihu district
        "92330102MA2H00AB1M",   // individual business, Hangzhou
        "12100000400000624D",   // public institution, national
        "31110000E00000123L",   // law firm, Beijing
        "91440300MA5FY7QX08",   // enterprise, Shenzhen
        "93320583MA1N0000HH",   // farmers' cooperative, Kunshan
        "91330100MA2K000020",   // check character 0 (value 0)
        "91330100MA2K00021Y"})  // check character Y (value 30)
  {
    auto parsed = ParseUnifiedSocialCreditCode("dealer.uscc", code);
    ASSERT_THAT(parsed, IsOk()) << code;
    EXPECT_EQ(*parsed, code);
    EXPECT_EQ(UsccCheckCharacter(absl::string_view(code).substr(0, 17)),
              code[17]);
  }
  // Trimmed and upper-cased.
  auto typed = ParseUnifiedSocialCreditCode("f", "  91330106ma2gl0k1pp\t");
  ASSERT_THAT(typed, IsOk());
  EXPECT_EQ(*typed, "91330106MA2GL0K1PP");
}

TEST(UnifiedSocialCreditCodeTest, RefusesMistypedCodesWithoutGivingTheAnswer) {
  struct Case {
    std::string input;
    std::string says;
  };
  const Case cases[] = {
      {"", "is required"},
      {"   ", "is required"},
      {"91330106MA2GL0K1P", "18 characters"},           // one short
      {"91330106MA2GL0K1PPX", "18 characters"},         // one too many
      {"91330106MA2GLOK1PP", "never I, O, S, V or Z"},  // O for 0
      {"91330106MA2GL0K1P-", "never I, O, S, V or Z"},
      {"９1330106MA2GL0K1PP", "full-width"},  // full-width 9
      {"91A30106MA2GL0K1PP", "characters 3 to 8"},
      {"91330106MA2GL0K1PQ", "check character does not match"},
      {"91330160MA2GL0K1PP", "check character does not match"},  // swap
      {std::string(8000, 'x'), "(got 8000)"},
  };
  for (const Case& c : cases) {
    const absl::Status s = ParseUnifiedSocialCreditCode(
                               "dealer.unified_social_credit_code", c.input)
                               .status();
    EXPECT_THAT(
        s, StatusIs(absl::StatusCode::kInvalidArgument, kReasonInvalidField))
        << c.input;
    EXPECT_EQ(FieldOf(s), "dealer.unified_social_credit_code");
    EXPECT_THAT(s.message(), HasSubstr(c.says)) << c.input;
    EXPECT_THAT(s.message(), Not(HasSubstr("expected")));
    EXPECT_LT(s.message().size(), 300u);
  }
  // The message of a wrong check character does not contain the right one.
  const absl::Status wrong =
      ParseUnifiedSocialCreditCode("f", "91330106MA2GL0K1PQ").status();
  EXPECT_THAT(wrong.message(), HasSubstr("re-type the code"));
  EXPECT_THAT(wrong.message(), Not(HasSubstr("PP")));
  EXPECT_EQ(UsccCheckCharacter("91330106MA2GL0K1"), '\0');   // 16 characters
  EXPECT_EQ(UsccCheckCharacter("91330106MA2GLOK1P"), '\0');  // O
}

TEST(UnifiedSocialCreditCodeTest, TestCodesAreValidAndDistinct) {
  std::set<std::string> seen;
  for (uint64_t n : {0ull, 1ull, 30ull, 31ull, 961ull, 123456789ull}) {
    const std::string code = testing::UsccNumber(n);
    EXPECT_THAT(ParseUnifiedSocialCreditCode("f", code), IsOk()) << code;
    EXPECT_TRUE(seen.insert(code).second) << code;
  }
  EXPECT_NE(testing::NextUscc(), testing::NextUscc());
}

TEST(IdTest, ErrorsQuoteAtMostABoundedPieceOfTheInput) {
  const std::string huge(8000, 'x');
  const absl::Status s = RequireDealerId("dealer_id", huge);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_LT(s.message().size(), 200u);
  EXPECT_THAT(s.message(), HasSubstr("8000 bytes"));
  EXPECT_THAT(RequireDealerId("dealer_id", "dlr_0190f3c2a1b24e8f0a1b"), IsOk());
  EXPECT_THAT(RequireDealerId("dealer_id", "dlr_0190F3C2A1B24E8F0A1B"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(QuoteInputTest, CutsOnACharacterBoundary) {
  EXPECT_EQ(QuoteInput("short"), "'short'");
  const std::string chinese = absl::StrCat(std::string(63, 'a'), "经销商");
  const std::string quoted = QuoteInput(chinese);
  EXPECT_THAT(quoted, HasSubstr("a经…"));
}

TEST(QuoteInputTest, ShowsMalformedAndDisguisingCharactersAsReplacement) {
  EXPECT_EQ(QuoteInput("a\xF7\xF7"
                       "b"),
            "'a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b'");
  EXPECT_EQ(QuoteInput("x\ny"), "'x\xEF\xBF\xBDy'");
  // U+202E RIGHT-TO-LEFT OVERRIDE.
  EXPECT_EQ(QuoteInput("a\xE2\x80\xAE"
                       "b"),
            "'a\xEF\xBF\xBD"
            "b'");
  // An overlong '/' and a surrogate.
  EXPECT_EQ(QuoteInput("\xC0\xAF"), "'\xEF\xBF\xBD\xEF\xBF\xBD'");
  EXPECT_EQ(QuoteInput("\xED\xA0\x80"),
            "'\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD'");
  EXPECT_EQ(QuoteInput("经销商"), "'经销商'");
}

TEST(RetryAfterTest, RoundsUpToWholeSecondsAndSurvivesReasons) {
  EXPECT_EQ(RetryAfterOf(absl::UnavailableError("x")), absl::ZeroDuration());
  const absl::Status s = WithRetryAfter(
      Refusal(absl::StatusCode::kResourceExhausted, "BUSY", "busy"),
      absl::Milliseconds(2100));
  EXPECT_EQ(RetryAfterOf(s), absl::Seconds(3));
  EXPECT_EQ(ReasonOf(s), "BUSY");
  EXPECT_EQ(RetryAfterOf(WithRetryAfter(absl::UnavailableError("x"),
                                        absl::ZeroDuration())),
            absl::Seconds(1));
}

TEST(RequestIdTest, AllowsCodesOnly) {
  EXPECT_THAT(ValidRequestId("request_id", ""), IsOk());
  EXPECT_THAT(ValidRequestId("request_id", "order/1"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidRequestId("request_id", "2026-11-26:abc_1.x"), IsOk());
  EXPECT_THAT(ValidRequestId("request_id", std::string(129, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("odd");
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  ASSIGN_OR_RETURN(int half, Half(n));
  ASSIGN_OR_RETURN(half, Half(half));
  return half;
}

absl::Status CheckEven(int n) {
  RETURN_IF_ERROR(Half(n));
  RETURN_IF_ERROR(absl::OkStatus());
  return absl::OkStatus();
}

TEST(MacrosTest, PropagateTheFirstError) {
  EXPECT_THAT(Quarter(8), IsOk());
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_THAT(Quarter(6), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckEven(4), IsOk());
  EXPECT_THAT(CheckEven(3), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace qudao
