// The 5C credit assessment (信用5C评估, DOMAIN.md §3): a credit controller
// scores a payer on Character, Capacity, Capital, Collateral and Conditions;
// the weighted score gives a rating and the rating a recommended limit. A
// limit above the recommendation needs a credit_manager who did not make the
// assessment (four eyes). Plain C++, no gRPC or SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/principal.h"
#include "common/money/money.h"

namespace qudao::credit {

inline constexpr char kReasonAboveRecommendation[] = "ABOVE_RECOMMENDATION";
inline constexpr char kReasonNotAPayer[] = "NOT_A_PAYER";

// Each C's weight in percent: each at least 1, summing to 100. The defaults
// put character first (DOMAIN.md §3).
struct AssessmentWeights {
  int character = 30;
  int capacity = 25;
  int capital = 20;
  int collateral = 15;
  int conditions = 10;
};
absl::Status CheckWeights(const AssessmentWeights& weights);

// Ratings from best to worst.
enum class CreditRating { kAAA = 1, kAA, kA, kBBB, kBB, kB, kC };
std::string RatingName(CreditRating rating);
// The rating of a weighted score in hundredths of a point (0..10000):
// AAA ≥ 90, AA ≥ 80, A ≥ 70, BBB ≥ 60, BB ≥ 50, B ≥ 40, C below.
CreditRating RatingOfScore(int64_t score_hundredths);
// Per mille of (monthly purchases × payment-term months) recommended as
// the limit: AAA 1500, AA 1250, A 1000, BBB 750, BB 500, B 250, C 0.
int64_t RatingFactorPerMille(CreditRating rating);

// Capital from the debt ratio, total liabilities ÷ total assets: ≤ 40% → 5,
// ≤ 55% → 4, ≤ 70% → 3, ≤ 85% → 2, otherwise 1. Assets must be positive
// and liabilities not negative, in one currency (INVALID_ARGUMENT naming
// the field).
absl::StatusOr<int> CapitalScore(const Money& total_liabilities,
                                 const Money& total_assets);

// Paid invoices a payment record needs before it scores Capacity.
inline constexpr int kPaidInvoicesForCapacity = 6;
// Capacity from the dealer's own payment record: the average days paid
// beyond terms over its last 6 paid invoices (newest first in
// `days_beyond_terms`; negative = paid early): ≤ 0 → 5, ≤ 7 → 4, ≤ 15 → 3,
// ≤ 30 → 2, otherwise 1. nullopt with fewer than 6 (the controller scores
// it).
std::optional<int> CapacityFromPaymentRecord(
    const std::vector<int64_t>& days_beyond_terms);

// One C as scored: 1..5, and the evidence it rests on.
struct CScore {
  int score = 0;
  std::string evidence;
};

// What the controller brings to an assessment.
struct AssessmentInput {
  std::string dealer_id;
  CScore character;
  // Used only while the payment record is too short to score Capacity.
  CScore capacity;
  CScore collateral;
  CScore conditions;
  // Capital is scored from the balance sheet.
  Money total_liabilities;
  Money total_assets;
  std::string capital_evidence;
  // What the dealer is expected to buy per month, and its payment term
  // (0 days: cash in advance, no credit).
  Money expected_monthly_purchases;
  int payment_term_days = 0;
};

struct Assessment {
  std::string assessment_id;
  std::string dealer_id;
  CScore character, capacity, capital, collateral, conditions;
  // Whether Capacity came from the payment record (else the controller).
  bool capacity_from_record = false;
  AssessmentWeights weights;
  // Σ score × weight ÷ 5, in hundredths of a point (20.00..100.00).
  int64_t score_hundredths = 0;
  CreditRating rating = CreditRating::kC;
  // Character ≤ 2 capped a better rating at B.
  bool capped_by_character = false;
  Money expected_monthly_purchases;
  int payment_term_days = 0;
  Money total_liabilities;
  Money total_assets;
  // expected monthly purchases × (term days ÷ 30) × the rating's factor,
  // rounded half-up to the minor unit.
  Money recommended_limit;
  std::string assessed_by;
  absl::Time assess_time;
};

// Scores `input` (every C 1..5 with evidence, amounts in one currency, term
// 0..365 days; INVALID_ARGUMENT naming the field otherwise). Capacity comes
// from `days_beyond_terms` when it holds 6+ paid invoices.
absl::StatusOr<Assessment> Assess(
    const AssessmentInput& input, const AssessmentWeights& weights,
    const std::vector<int64_t>& days_beyond_terms);

// Whether `approver` may set `limit` given the dealer's latest assessment:
// a zero limit always; up to the recommendation, any credit authority; above
// it (or with no assessment on file) only a credit_manager other than the
// assessor (PERMISSION_DENIED, ABOVE_RECOMMENDATION or FOUR_EYES).
absl::Status CheckLimitAgainstAssessment(
    const auth::Principal& approver, const std::string& dealer_id,
    const Money& limit, const std::optional<Assessment>& latest);

// Only a payer has a credit limit or an assessment: a dealer billed through
// another is FAILED_PRECONDITION (NOT_A_PAYER) naming its payer.
absl::Status CheckIsPayer(const std::string& dealer_id,
                          const std::string& payer_dealer_id);

}  // namespace qudao::credit
