// Collections rules; see collections.h.
#include "services/credit_control/collections.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "common/validation/validation.h"

namespace qudao::credit {

CollectionStrategy StrategyFor(OverdueCause cause) {
  return static_cast<CollectionStrategy>(static_cast<int>(cause));
}

std::string CauseName(OverdueCause cause) {
  switch (cause) {
    case OverdueCause::kNone:
      return "NONE";
    case OverdueCause::kCashFlow:
      return "CASH_FLOW";
    case OverdueCause::kPoorBusiness:
      return "POOR_BUSINESS";
    case OverdueCause::kOverstock:
      return "OVERSTOCK";
    case OverdueCause::kContractDispute:
      return "CONTRACT_DISPUTE";
    case OverdueCause::kWilfulDelay:
      return "WILFUL_DELAY";
    case OverdueCause::kWeakCollection:
      return "WEAK_COLLECTION";
  }
  return "UNKNOWN";
}

std::string StrategyName(CollectionStrategy s) {
  switch (s) {
    case CollectionStrategy::kNone:
      return "NONE";
    case CollectionStrategy::kExtension:
      return "EXTENSION";
    case CollectionStrategy::kInstalments:
      return "INSTALMENTS";
    case CollectionStrategy::kStockTransfer:
      return "STOCK_TRANSFER";
    case CollectionStrategy::kSettleByContract:
      return "SETTLE_BY_CONTRACT";
    case CollectionStrategy::kEscalate:
      return "ESCALATE";
    case CollectionStrategy::kCallWriteVisit:
      return "CALL_WRITE_VISIT";
  }
  return "UNKNOWN";
}

std::string RecordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kExtension:
      return "EXTENSION";
    case RecordKind::kInstalmentPlan:
      return "INSTALMENT_PLAN";
    case RecordKind::kStockTransfer:
      return "STOCK_TRANSFER";
    case RecordKind::kDispute:
      return "DISPUTE";
    case RecordKind::kEscalation:
      return "ESCALATION";
    case RecordKind::kAction:
      return "ACTION";
  }
  return "UNKNOWN";
}

absl::Status CheckCaseRecord(const CaseRecord& r, absl::CivilDay today) {
  auto text = [&r](size_t max) {
    return RequireText("record.text", r.text, max);
  };
  switch (r.kind) {
    case RecordKind::kExtension:
      if (!r.new_due_day.has_value() || *r.new_due_day <= today) {
        return InvalidField("record.new_due_date",
                            "an extension gives a new due date after today");
      }
      if (absl::Status s = RequireText("record.signed_by", r.signed_by, 100);
          !s.ok()) {
        return s;
      }
      return text(200);
    case RecordKind::kInstalmentPlan: {
      if (r.instalments.empty() || r.instalments.size() > 36) {
        return InvalidField("record.instalments",
                            "a plan has 1 to 36 instalments");
      }
      std::optional<absl::CivilDay> last;
      for (size_t i = 0; i < r.instalments.size(); ++i) {
        const Instalment& in = r.instalments[i];
        const std::string f = absl::StrCat("record.instalments[", i, "]");
        if (in.due < today || (last.has_value() && in.due <= *last)) {
          return InvalidField(f + ".due_date",
                              "dates start today or later and rise");
        }
        if (in.amount.is_zero() || in.amount.is_negative() ||
            in.amount.currency() != r.instalments[0].amount.currency()) {
          return InvalidField(f + ".amount",
                              "must be positive, in one currency");
        }
        last = in.due;
      }
      return text(500);
    }
    case RecordKind::kStockTransfer:
      if (absl::Status s =
              RequireDealerId("record.to_dealer_id", r.to_dealer_id);
          !s.ok()) {
        return s;
      }
      if (absl::Status s = RequireCode("record.sku", r.sku); !s.ok()) return s;
      if (r.quantity < 1) {
        return InvalidField("record.quantity", "must be at least 1");
      }
      if (!r.value.has_value() || r.value->is_negative()) {
        return InvalidField("record.value", "is required, zero or more");
      }
      return OptionalText("record.text", r.text, 500);
    case RecordKind::kDispute:
      if (absl::Status s = text(200); !s.ok()) return s;
      return OptionalText("record.outcome", r.outcome, 500);
    case RecordKind::kEscalation:
      return text(200);
    case RecordKind::kAction:
      if (r.action < ActionKind::kCall || r.action > ActionKind::kVisit) {
        return InvalidField("record.action", "must be CALL, LETTER or VISIT");
      }
      if (absl::Status s = RequireText("record.outcome", r.outcome, 500);
          !s.ok()) {
        return s;
      }
      return OptionalText("record.text", r.text, 500);
  }
  return InvalidField("record.kind",
                      "must be EXTENSION, INSTALMENT_PLAN, STOCK_TRANSFER, "
                      "DISPUTE, ESCALATION or ACTION");
}

absl::Status CheckPromise(const PaymentPromise& p, absl::CivilDay today) {
  if (p.amount.is_zero() || p.amount.is_negative()) {
    return InvalidField("promise.amount", "must be positive");
  }
  if (p.promised_day < today) {
    return InvalidField("promise.promised_date", "must be today or later");
  }
  return absl::OkStatus();
}

PromiseStatus JudgePromise(const PaymentPromise& p, const Money& paid,
                           absl::CivilDay today) {
  if (paid.minor_units() >= p.amount.minor_units()) return PromiseStatus::kKept;
  if (today > p.promised_day) return PromiseStatus::kBroken;
  return PromiseStatus::kOpen;
}

}  // namespace qudao::credit
