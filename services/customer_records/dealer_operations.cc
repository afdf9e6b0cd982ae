// Dealer use cases; see dealer_operations.h.
#include "services/customer_records/dealer_operations.h"

#include <google/protobuf/any.pb.h>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/storage/audit.h"
#include "common/storage/outbox.h"
#include "common/validation/validation.h"
#include "services/customer_records/dealer_proto.h"

namespace qudao::customer {

using storage::Transaction;
using storage::TransactionMode;

namespace {

// The event of a change: the dealer as the change left it.
absl::Status AppendDealerEvent(Transaction& tx, const char* topic,
                               const Dealer& dealer, absl::Time now) {
  google::protobuf::Any payload;
  payload.PackFrom(DealerToProto(dealer));
  return storage::AppendEvent(
      tx, {topic, dealer.id, payload.SerializeAsString()}, now);
}

// The dealer rules' view of the chain, read in the caller's transaction.
class StoreLookup : public DealerLookup {
 public:
  StoreLookup(const DealerStore& store, Transaction& tx)
      : store_(store), tx_(tx) {}
  absl::StatusOr<Dealer> Get(const std::string& dealer_id) override {
    return store_.Get(tx_, dealer_id);
  }
  absl::StatusOr<std::vector<Dealer>> ChildrenOf(
      const std::string& dealer_id) override {
    return store_.ActiveChildren(tx_, dealer_id);
  }

 private:
  const DealerStore& store_;
  Transaction& tx_;
};

}  // namespace

absl::Status DealerOperations::CheckUsccUnique(Transaction& tx,
                                               const Dealer& dealer) const {
  if (dealer.unified_social_credit_code.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(
      const std::string existing,
      store_.FindByUscc(tx, dealer.unified_social_credit_code, dealer.id));
  if (existing.empty()) return absl::OkStatus();
  return DuplicateDealer(existing, dealer.unified_social_credit_code);
}

absl::Status DealerOperations::CheckParentOf(Transaction& tx,
                                             const Dealer& dealer) const {
  if (dealer.parent_dealer_id.empty()) return absl::OkStatus();
  absl::StatusOr<Dealer> parent = store_.Get(tx, dealer.parent_dealer_id);
  if (absl::IsNotFound(parent.status())) {
    return InvalidField(
        "dealer.parent_dealer_id",
        absl::StrCat("dealer ", dealer.parent_dealer_id, " does not exist"));
  }
  RETURN_IF_ERROR(parent);
  return CheckParent(dealer, *parent);
}

absl::StatusOr<Dealer> DealerOperations::Create(
    const auth::Principal& who, Dealer draft,
    const storage::IdempotentRequest& request) {
  ASSIGN_OR_RETURN(draft.owner, OwnerOfNewDealer(who, draft));
  const absl::Time now = clock_->Now();
  draft.id = NewResourceId(kDealerIdPrefix, now);
  draft.create_time = now;
  draft.update_time = now;
  draft.version = 1;
  RETURN_IF_ERROR(CheckDealerInvariants(draft));
  RETURN_IF_ERROR(CheckUsccForStatus(nullptr, draft));
  return storage::RunIdempotent<Dealer>(
      *db_, request, now, DealerCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Dealer> {
        RETURN_IF_ERROR(CheckParentOf(tx, draft));
        StoreLookup lookup(store_, tx);
        RETURN_IF_ERROR(CheckPayer(nullptr, draft, lookup));
        RETURN_IF_ERROR(CheckUsccUnique(tx, draft));
        RETURN_IF_ERROR(store_.Insert(tx, draft));
        RETURN_IF_ERROR(AppendDealerEvent(tx, kDealerCreated, draft, now));
        return draft;
      });
}

absl::StatusOr<Dealer> DealerOperations::Get(const std::string& dealer_id) {
  auto load = [&]() -> absl::StatusOr<Dealer> {
    absl::StatusOr<Dealer> dealer;
    RETURN_IF_ERROR(db_->RunInTransaction(TransactionMode::kReadOnly,
                                          [&](Transaction& tx) -> absl::Status {
                                            dealer = store_.Get(tx, dealer_id);
                                            return dealer.status();
                                          }));
    return dealer;
  };
  if (cache_ == nullptr) return load();
  return cache_->Get(dealer_id, load);
}

absl::StatusOr<DealerPage> DealerOperations::List(const DealerFilter& filter,
                                                  const PageRequest& page) {
  absl::StatusOr<DealerPage> result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        result = store_.List(tx, filter, page);
        return result.status();
      }));
  return result;
}

absl::StatusOr<Dealer> DealerOperations::Update(const auth::Principal& who,
                                                const DealerUpdate& update) {
  Dealer updated;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(const Dealer current,
                         store_.Get(tx, update.dealer_id));
        RETURN_IF_ERROR(CheckMayChangeDealer(who, current, update));
        RETURN_IF_ERROR(CheckExpectedVersion(current, update.expected_version));
        updated = ApplyUpdate(current, update);
        RETURN_IF_ERROR(CheckStatusTransition(current.status, updated.status));
        RETURN_IF_ERROR(CheckDealerInvariants(updated));
        RETURN_IF_ERROR(CheckUsccForStatus(&current, updated));
        // The dealer's own place in the chain is re-checked only when it
        // changes, so an owner change never trips over its parent.
        if (update.Changes(DealerField::kParent) ||
            update.Changes(DealerField::kChannelLevel)) {
          RETURN_IF_ERROR(CheckParentOf(tx, updated));
        }
        StoreLookup lookup(store_, tx);
        RETURN_IF_ERROR(CheckPayer(&current, updated, lookup));
        RETURN_IF_ERROR(CheckPayersBelow(current, updated, lookup));
        if (updated.unified_social_credit_code !=
            current.unified_social_credit_code) {
          RETURN_IF_ERROR(CheckUsccUnique(tx, updated));
        }
        if (ChangeAffectsChildren(current, updated)) {
          ASSIGN_OR_RETURN(int64_t children,
                           store_.CountActiveChildren(tx, current.id));
          RETURN_IF_ERROR(CheckNoActiveChildren(current, updated, children));
        }
        updated.update_time = clock_->Now();
        updated.version = current.version + 1;
        RETURN_IF_ERROR(store_.Update(tx, updated, current.version));
        RETURN_IF_ERROR(storage::RecordAuditInTransaction(tx));
        return AppendDealerEvent(tx, kDealerUpdated, updated,
                                 updated.update_time);
      }));
  // This replica and Redis hold the new version at once; other replicas'
  // near-caches (and every tier, should this step be lost) take it from
  // the dealer.updated event.
  if (cache_ != nullptr) cache_->Offer(updated);
  return updated;
}

}  // namespace qudao::customer
