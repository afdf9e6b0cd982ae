// The 5C assessment; see credit_assessment.h.
#include "services/credit_control/credit_assessment.h"

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "services/credit_control/credit_position.h"

namespace qudao::credit {
namespace {

absl::Status CheckScore(absl::string_view field, const CScore& c) {
  if (c.score < 1 || c.score > 5) {
    return InvalidField(absl::StrCat(field, ".score"),
                        absl::StrCat("must be 1 to 5 (got ", c.score, ")"));
  }
  if (c.evidence.empty()) {
    return InvalidField(absl::StrCat(field, ".evidence"),
                        "is required: say what the score rests on");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckWeights(const AssessmentWeights& w) {
  for (int weight :
       {w.character, w.capacity, w.capital, w.collateral, w.conditions}) {
    if (weight < 1 || weight > 100) {
      return InvalidField("weights", "each weight must be 1 to 100 percent");
    }
  }
  const int sum =
      w.character + w.capacity + w.capital + w.collateral + w.conditions;
  if (sum != 100) {
    return InvalidField(
        "weights", absl::StrCat("must sum to 100 percent (got ", sum, ")"));
  }
  return absl::OkStatus();
}

std::string RatingName(CreditRating rating) {
  switch (rating) {
    case CreditRating::kAAA:
      return "AAA";
    case CreditRating::kAA:
      return "AA";
    case CreditRating::kA:
      return "A";
    case CreditRating::kBBB:
      return "BBB";
    case CreditRating::kBB:
      return "BB";
    case CreditRating::kB:
      return "B";
    case CreditRating::kC:
      return "C";
  }
  return "C";
}

CreditRating RatingOfScore(int64_t score_hundredths) {
  if (score_hundredths >= 9000) return CreditRating::kAAA;
  if (score_hundredths >= 8000) return CreditRating::kAA;
  if (score_hundredths >= 7000) return CreditRating::kA;
  if (score_hundredths >= 6000) return CreditRating::kBBB;
  if (score_hundredths >= 5000) return CreditRating::kBB;
  if (score_hundredths >= 4000) return CreditRating::kB;
  return CreditRating::kC;
}

int64_t RatingFactorPerMille(CreditRating rating) {
  switch (rating) {
    case CreditRating::kAAA:
      return 1500;
    case CreditRating::kAA:
      return 1250;
    case CreditRating::kA:
      return 1000;
    case CreditRating::kBBB:
      return 750;
    case CreditRating::kBB:
      return 500;
    case CreditRating::kB:
      return 250;
    case CreditRating::kC:
      return 0;
  }
  return 0;
}

absl::StatusOr<int> CapitalScore(const Money& total_liabilities,
                                 const Money& total_assets) {
  if (total_assets.is_zero() || total_assets.is_negative()) {
    return InvalidField("total_assets",
                        "must be positive (the debt ratio divides by it)");
  }
  if (total_liabilities.is_negative()) {
    return InvalidField("total_liabilities", "must not be negative");
  }
  if (total_liabilities.currency() != total_assets.currency()) {
    return InvalidField("total_liabilities",
                        absl::StrCat("must be in ", total_assets.currency(),
                                     " like total_assets"));
  }
  // ratio ≤ p% ⇔ liabilities × 100 ≤ assets × p, in 128-bit arithmetic.
  const __int128 liabilities = total_liabilities.minor_units();
  const __int128 assets = total_assets.minor_units();
  const std::pair<int, int> steps[] = {{40, 5}, {55, 4}, {70, 3}, {85, 2}};
  for (const auto& [percent, score] : steps) {
    if (liabilities * 100 <= assets * percent) return score;
  }
  return 1;
}

std::optional<int> CapacityFromPaymentRecord(
    const std::vector<int64_t>& days_beyond_terms) {
  if (days_beyond_terms.size() < kPaidInvoicesForCapacity) return std::nullopt;
  int64_t sum = 0;
  for (int i = 0; i < kPaidInvoicesForCapacity; ++i) {
    sum += days_beyond_terms[i];
  }
  // average ≤ d ⇔ sum ≤ d × 6: exact, no rounding of the average.
  const std::pair<int64_t, int> steps[] = {{0, 5}, {7, 4}, {15, 3}, {30, 2}};
  for (const auto& [days, score] : steps) {
    if (sum <= days * kPaidInvoicesForCapacity) return score;
  }
  return 1;
}

absl::StatusOr<Assessment> Assess(
    const AssessmentInput& input, const AssessmentWeights& weights,
    const std::vector<int64_t>& days_beyond_terms) {
  RETURN_IF_ERROR(CheckWeights(weights));
  RETURN_IF_ERROR(CheckScore("character", input.character));
  RETURN_IF_ERROR(CheckScore("collateral", input.collateral));
  RETURN_IF_ERROR(CheckScore("conditions", input.conditions));
  Assessment a;
  a.dealer_id = input.dealer_id;
  a.character = input.character;
  a.collateral = input.collateral;
  a.conditions = input.conditions;
  if (std::optional<int> from_record =
          CapacityFromPaymentRecord(days_beyond_terms)) {
    a.capacity_from_record = true;
    a.capacity = CScore{
        *from_record, absl::StrCat("payment record: last ",
                                   kPaidInvoicesForCapacity, " paid invoices")};
  } else {
    RETURN_IF_ERROR(CheckScore("capacity", input.capacity));
    a.capacity = input.capacity;
  }
  ASSIGN_OR_RETURN(const int capital,
                   CapitalScore(input.total_liabilities, input.total_assets));
  if (input.capital_evidence.empty()) {
    return InvalidField("capital_evidence",
                        "is required: name the balance sheet (date, audited?)");
  }
  a.capital = CScore{capital, input.capital_evidence};
  if (input.payment_term_days < 0 || input.payment_term_days > 365) {
    return InvalidField(
        "payment_term_days",
        absl::StrCat("must be 0 to 365 (got ", input.payment_term_days, ")"));
  }
  if (input.expected_monthly_purchases.is_negative()) {
    return InvalidField("expected_monthly_purchases", "must not be negative");
  }
  a.weights = weights;
  const int64_t weighted = int64_t{a.character.score} * weights.character +
                           int64_t{a.capacity.score} * weights.capacity +
                           int64_t{a.capital.score} * weights.capital +
                           int64_t{a.collateral.score} * weights.collateral +
                           int64_t{a.conditions.score} * weights.conditions;
  // score ÷ 5 × 100 per point of weight (percent): Σ × 100 ÷ 5 hundredths.
  a.score_hundredths = weighted * 20;
  a.rating = RatingOfScore(a.score_hundredths);
  if (a.character.score <= 2 && a.rating < CreditRating::kB) {
    a.rating = CreditRating::kB;
    a.capped_by_character = true;
  }
  a.expected_monthly_purchases = input.expected_monthly_purchases;
  a.payment_term_days = input.payment_term_days;
  a.total_liabilities = input.total_liabilities;
  a.total_assets = input.total_assets;
  ASSIGN_OR_RETURN(
      a.recommended_limit,
      input.expected_monthly_purchases.MultiplyRatio(
          int64_t{input.payment_term_days} * RatingFactorPerMille(a.rating),
          30 * 1000));
  return a;
}

absl::Status CheckLimitAgainstAssessment(
    const auth::Principal& approver, const std::string& dealer_id,
    const Money& limit, const std::optional<Assessment>& latest) {
  if (limit.is_zero()) return absl::OkStatus();
  if (latest.has_value()) {
    if (latest->recommended_limit.currency() != limit.currency()) {
      return Refusal(
          absl::StatusCode::kFailedPrecondition, kCurrencyMismatch,
          absl::StrCat("dealer ", dealer_id, " was assessed in ",
                       latest->recommended_limit.currency(), "; a limit in ",
                       limit.currency(), " cannot be judged against it"));
    }
    if (limit.minor_units() <= latest->recommended_limit.minor_units()) {
      return absl::OkStatus();
    }
  }
  const std::string why =
      latest.has_value()
          ? absl::StrCat("the 5C assessment of dealer ", dealer_id, " (",
                         RatingName(latest->rating), ") recommends at most ",
                         latest->recommended_limit.ToString(), "; ",
                         limit.ToString(), " is above it")
          : absl::StrCat("dealer ", dealer_id,
                         " has no 5C assessment on file (AssessCredit)");
  if (!approver.Has(auth::Role::kCreditManager)) {
    return Refusal(absl::StatusCode::kPermissionDenied,
                   kReasonAboveRecommendation,
                   absl::StrCat(why, ": a credit_manager must approve it"));
  }
  if (latest.has_value() && latest->assessed_by == approver.subject) {
    return Refusal(
        absl::StatusCode::kPermissionDenied, auth::kReasonFourEyes,
        absl::StrCat(why, ": another credit_manager than the assessor (",
                     approver.subject, ") must approve it"));
  }
  return absl::OkStatus();
}

absl::Status CheckIsPayer(const std::string& dealer_id,
                          const std::string& payer_dealer_id) {
  if (payer_dealer_id.empty() || payer_dealer_id == dealer_id) {
    return absl::OkStatus();
  }
  return Refusal(
      absl::StatusCode::kFailedPrecondition, kReasonNotAPayer,
      absl::StrCat("dealer ", dealer_id, " is billed through ", payer_dealer_id,
                   ": credit is assessed and limited for the payer"));
}

}  // namespace qudao::credit
