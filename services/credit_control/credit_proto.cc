// Credit proto conversion; see credit_proto.h.
#include "services/credit_control/credit_proto.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"

namespace qudao::credit {

v1::CreditPosition CreditPositionToProto(const CreditPosition& p) {
  v1::CreditPosition out;
  out.set_dealer_id(p.dealer_id);
  *out.mutable_credit_limit() = MoneyToProto(p.credit_limit);
  *out.mutable_open_receivables() = MoneyToProto(p.open_receivables);
  *out.mutable_approved_uninvoiced() = MoneyToProto(p.approved_uninvoiced);
  *out.mutable_unapplied_credit() = MoneyToProto(p.unapplied_credit);
  *out.mutable_exposure() = MoneyToProto(p.exposure);
  *out.mutable_available_credit() = MoneyToProto(p.available_credit);
  *out.mutable_limit_update_time() = TimeToProto(p.limit_update_time);
  out.set_limit_revision(p.limit_revision);
  return out;
}

const storage::ResponseCodec<CreditPosition>& CreditPositionCodec() {
  static const auto* codec = new storage::ResponseCodec<CreditPosition>{
      [](const CreditPosition& p) {
        return CanonicalBytes(CreditPositionToProto(p));
      },
      [](absl::string_view bytes) -> absl::StatusOr<CreditPosition> {
        v1::CreditPosition proto;
        if (!proto.ParseFromArray(bytes.data(),
                                  static_cast<int>(bytes.size()))) {
          return absl::DataLossError("stored credit position does not parse");
        }
        CreditPosition p;
        p.dealer_id = proto.dealer_id();
        for (auto [field, in, out] :
             {std::tuple{"credit_limit", &proto.credit_limit(),
                         &p.credit_limit},
              std::tuple{"open_receivables", &proto.open_receivables(),
                         &p.open_receivables},
              std::tuple{"approved_uninvoiced", &proto.approved_uninvoiced(),
                         &p.approved_uninvoiced},
              std::tuple{"unapplied_credit", &proto.unapplied_credit(),
                         &p.unapplied_credit},
              std::tuple{"exposure", &proto.exposure(), &p.exposure},
              std::tuple{"available_credit", &proto.available_credit(),
                         &p.available_credit}}) {
          auto money = MoneyFromProto(field, *in);
          if (!money.ok()) {
            return absl::DataLossError(absl::StrCat("stored credit position: ",
                                                    money.status().message()));
          }
          *out = *money;
        }
        p.limit_revision = proto.limit_revision();
        p.limit_update_time = TimeFromProto(proto.limit_update_time());
        return p;
      }};
  return *codec;
}

namespace {

v1::CScore CScoreToProto(const CScore& c) {
  v1::CScore out;
  out.set_score(c.score);
  out.set_evidence(c.evidence);
  return out;
}

constexpr size_t kMaxEvidenceChars = 500;

absl::StatusOr<CScore> CScoreFromProto(absl::string_view name,
                                       const v1::CScore& c, bool required) {
  const std::string field = absl::StrCat("assessment.", name);
  if (!required && c.score() == 0 && c.evidence().empty()) return CScore{};
  if (c.score() < 1 || c.score() > 5) {
    return InvalidField(absl::StrCat(field, ".score"),
                        absl::StrCat("must be 1 to 5 (got ", c.score(), ")"));
  }
  RETURN_IF_ERROR(RequireText(absl::StrCat(field, ".evidence"), c.evidence(),
                              kMaxEvidenceChars));
  return CScore{c.score(),
                std::string(absl::StripAsciiWhitespace(c.evidence()))};
}

}  // namespace

v1::CreditAssessment AssessmentToProto(const Assessment& a) {
  v1::CreditAssessment out;
  out.set_assessment_id(a.assessment_id);
  out.set_dealer_id(a.dealer_id);
  *out.mutable_character() = CScoreToProto(a.character);
  *out.mutable_capacity() = CScoreToProto(a.capacity);
  *out.mutable_capital() = CScoreToProto(a.capital);
  *out.mutable_collateral() = CScoreToProto(a.collateral);
  *out.mutable_conditions() = CScoreToProto(a.conditions);
  *out.mutable_total_liabilities() = MoneyToProto(a.total_liabilities);
  *out.mutable_total_assets() = MoneyToProto(a.total_assets);
  out.set_capital_evidence(a.capital.evidence);
  *out.mutable_expected_monthly_purchases() =
      MoneyToProto(a.expected_monthly_purchases);
  out.set_payment_term_days(a.payment_term_days);
  out.set_capacity_from_record(a.capacity_from_record);
  v1::AssessmentWeights* w = out.mutable_weights();
  w->set_character(a.weights.character);
  w->set_capacity(a.weights.capacity);
  w->set_capital(a.weights.capital);
  w->set_collateral(a.weights.collateral);
  w->set_conditions(a.weights.conditions);
  out.set_score_hundredths(a.score_hundredths);
  out.set_rating(static_cast<v1::CreditRating>(a.rating));
  out.set_capped_by_character(a.capped_by_character);
  *out.mutable_recommended_limit() = MoneyToProto(a.recommended_limit);
  out.set_assessed_by(a.assessed_by);
  *out.mutable_assess_time() = TimeToProto(a.assess_time);
  return out;
}

absl::StatusOr<AssessmentInput> AssessmentInputFromProto(
    const v1::CreditAssessment& p) {
  AssessmentInput in;
  RETURN_IF_ERROR(RequireDealerId("assessment.dealer_id", p.dealer_id()));
  in.dealer_id = p.dealer_id();
  ASSIGN_OR_RETURN(in.character,
                   CScoreFromProto("character", p.character(), true));
  // Capacity may be left out once the payment record scores it.
  ASSIGN_OR_RETURN(in.capacity,
                   CScoreFromProto("capacity", p.capacity(), false));
  ASSIGN_OR_RETURN(in.collateral,
                   CScoreFromProto("collateral", p.collateral(), true));
  ASSIGN_OR_RETURN(in.conditions,
                   CScoreFromProto("conditions", p.conditions(), true));
  for (auto [field, has, proto, out] :
       {std::tuple{"assessment.total_liabilities", p.has_total_liabilities(),
                   &p.total_liabilities(), &in.total_liabilities},
        std::tuple{"assessment.total_assets", p.has_total_assets(),
                   &p.total_assets(), &in.total_assets},
        std::tuple{"assessment.expected_monthly_purchases",
                   p.has_expected_monthly_purchases(),
                   &p.expected_monthly_purchases(),
                   &in.expected_monthly_purchases}}) {
    if (!has) return InvalidField(field, "is required");
    ASSIGN_OR_RETURN(*out, MoneyFromProto(field, *proto));
  }
  if (in.expected_monthly_purchases.currency() != in.total_assets.currency()) {
    return InvalidField("assessment.expected_monthly_purchases",
                        absl::StrCat("must be in ", in.total_assets.currency(),
                                     " like the balance sheet"));
  }
  RETURN_IF_ERROR(RequireText("assessment.capital_evidence",
                              p.capital_evidence(), kMaxEvidenceChars));
  in.capital_evidence =
      std::string(absl::StripAsciiWhitespace(p.capital_evidence()));
  if (in.total_assets.is_zero() || in.total_assets.is_negative()) {
    return InvalidField("assessment.total_assets",
                        "must be positive (the debt ratio divides by it)");
  }
  if (in.total_liabilities.is_negative()) {
    return InvalidField("assessment.total_liabilities", "must not be negative");
  }
  if (in.expected_monthly_purchases.is_negative()) {
    return InvalidField("assessment.expected_monthly_purchases",
                        "must not be negative");
  }
  if (p.payment_term_days() < 0 || p.payment_term_days() > 365) {
    return InvalidField("assessment.payment_term_days",
                        absl::StrCat("must be 0 to 365 days (got ",
                                     p.payment_term_days(), ")"));
  }
  in.payment_term_days = p.payment_term_days();
  return in;
}

const storage::ResponseCodec<Assessment>& AssessmentCodec() {
  static const auto* codec = new storage::ResponseCodec<Assessment>{
      [](const Assessment& a) { return CanonicalBytes(AssessmentToProto(a)); },
      [](absl::string_view bytes) -> absl::StatusOr<Assessment> {
        v1::CreditAssessment p;
        if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
          return absl::DataLossError("stored assessment does not parse");
        }
        auto money = [](const type::v1::Money& m) -> absl::StatusOr<Money> {
          absl::StatusOr<Money> out = MoneyFromProto("stored", m);
          if (!out.ok()) {
            return absl::DataLossError(
                absl::StrCat("stored assessment: ", out.status().message()));
          }
          return out;
        };
        Assessment a;
        a.assessment_id = p.assessment_id();
        a.dealer_id = p.dealer_id();
        auto c = [](const v1::CScore& s) {
          return CScore{s.score(), s.evidence()};
        };
        a.character = c(p.character());
        a.capacity = c(p.capacity());
        a.capital = c(p.capital());
        a.collateral = c(p.collateral());
        a.conditions = c(p.conditions());
        a.capacity_from_record = p.capacity_from_record();
        a.weights = {p.weights().character(), p.weights().capacity(),
                     p.weights().capital(), p.weights().collateral(),
                     p.weights().conditions()};
        a.score_hundredths = p.score_hundredths();
        a.rating = static_cast<CreditRating>(p.rating());
        a.capped_by_character = p.capped_by_character();
        ASSIGN_OR_RETURN(a.total_liabilities, money(p.total_liabilities()));
        ASSIGN_OR_RETURN(a.total_assets, money(p.total_assets()));
        ASSIGN_OR_RETURN(a.expected_monthly_purchases,
                         money(p.expected_monthly_purchases()));
        ASSIGN_OR_RETURN(a.recommended_limit, money(p.recommended_limit()));
        a.payment_term_days = p.payment_term_days();
        a.assessed_by = p.assessed_by();
        a.assess_time = TimeFromProto(p.assess_time());
        return a;
      }};
  return *codec;
}

v1::CreditReservation ReservationToProto(const Reservation& r) {
  v1::CreditReservation out;
  out.set_reservation_id(r.reservation_id);
  out.set_order_id(r.order_id);
  out.set_dealer_id(r.dealer_id);
  out.set_payer_dealer_id(r.payer_dealer_id);
  *out.mutable_amount() = MoneyToProto(r.amount);
  out.set_payment_term_days(r.payment_term_days);
  out.set_status(static_cast<v1::ReservationStatus>(r.status));
  for (const ReservationReason& reason : r.reasons) {
    v1::ReservationReason* p = out.add_reasons();
    p->set_issue(static_cast<v1::ReservationIssue>(reason.issue));
    p->set_detail(reason.detail);
    if (reason.shortfall.has_value()) {
      *p->mutable_shortfall() = MoneyToProto(*reason.shortfall);
    }
  }
  out.set_requested_by(r.requested_by);
  *out.mutable_create_time() = TimeToProto(r.create_time);
  *out.mutable_update_time() = TimeToProto(r.update_time);
  out.set_decided_by(r.decided_by);
  out.set_decision_reason(r.decision_reason);
  for (ReservationIssue issue : r.overridden) {
    out.add_overridden(static_cast<v1::ReservationIssue>(issue));
  }
  *out.mutable_invoiced() = MoneyToProto(r.invoiced.currency().empty()
                                             ? Money::Zero(r.amount.currency())
                                             : r.invoiced);
  return out;
}

const storage::ResponseCodec<Reservation>& ReservationCodec() {
  static const auto* codec = new storage::ResponseCodec<Reservation>{
      [](const Reservation& r) {
        return CanonicalBytes(ReservationToProto(r));
      },
      [](absl::string_view bytes) -> absl::StatusOr<Reservation> {
        v1::CreditReservation p;
        if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
          return absl::DataLossError("stored reservation does not parse");
        }
        Reservation r;
        r.reservation_id = p.reservation_id();
        r.order_id = p.order_id();
        r.dealer_id = p.dealer_id();
        r.payer_dealer_id = p.payer_dealer_id();
        absl::StatusOr<Money> amount = MoneyFromProto("amount", p.amount());
        if (!amount.ok())
          return absl::DataLossError("stored reservation amount");
        r.amount = *amount;
        r.payment_term_days = p.payment_term_days();
        r.cash_in_advance = p.payment_term_days() == 0;
        r.status = static_cast<ReservationStatus>(p.status());
        for (const v1::ReservationReason& reason : p.reasons()) {
          ReservationReason out;
          out.issue = static_cast<ReservationIssue>(reason.issue());
          out.detail = reason.detail();
          if (reason.has_shortfall()) {
            absl::StatusOr<Money> shortfall =
                MoneyFromProto("shortfall", reason.shortfall());
            if (!shortfall.ok()) {
              return absl::DataLossError("stored reservation shortfall");
            }
            out.shortfall = *shortfall;
          }
          r.reasons.push_back(std::move(out));
        }
        r.requested_by = p.requested_by();
        r.create_time = TimeFromProto(p.create_time());
        r.update_time = TimeFromProto(p.update_time());
        r.decided_by = p.decided_by();
        r.decision_reason = p.decision_reason();
        for (int issue : p.overridden()) {
          r.overridden.push_back(static_cast<ReservationIssue>(issue));
        }
        absl::StatusOr<Money> invoiced =
            MoneyFromProto("invoiced", p.invoiced());
        if (!invoiced.ok()) {
          return absl::DataLossError("stored reservation invoiced amount");
        }
        r.invoiced = *invoiced;
        return r;
      }};
  return *codec;
}

v1::CreditPolicy PolicyToProto(const CreditPolicy& p) {
  v1::CreditPolicy out;
  out.set_abc_class(p.abc_class);
  out.set_overdue_hold_days(p.overdue_hold_days);
  out.set_watch_ratio_percent(p.watch_ratio_percent);
  out.set_slow_payment_days(p.slow_payment_days);
  out.set_updated_by(p.updated_by);
  *out.mutable_update_time() = TimeToProto(p.update_time);
  return out;
}

const storage::ResponseCodec<CreditPolicy>& PolicyCodec() {
  static const auto* codec = new storage::ResponseCodec<CreditPolicy>{
      [](const CreditPolicy& p) { return CanonicalBytes(PolicyToProto(p)); },
      [](absl::string_view bytes) -> absl::StatusOr<CreditPolicy> {
        v1::CreditPolicy p;
        if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
          return absl::DataLossError("stored credit policy does not parse");
        }
        CreditPolicy out;
        out.abc_class = p.abc_class();
        out.overdue_hold_days = p.overdue_hold_days();
        out.watch_ratio_percent = p.watch_ratio_percent();
        out.slow_payment_days = p.slow_payment_days();
        out.updated_by = p.updated_by();
        out.update_time = TimeFromProto(p.update_time());
        return out;
      }};
  return *codec;
}

}  // namespace qudao::credit
