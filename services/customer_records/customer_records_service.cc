// CustomerRecordsService; see customer_records_service.h.
#include "services/customer_records/customer_records_service.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/grpc/status.h"
#include "common/grpc/unary.h"
#include "common/grpc/validation.h"

namespace qudao::customer {
namespace {

constexpr size_t kMaxBrands = 100;

// Field paths UpdateDealer accepts in update_mask.
const std::set<std::string>& UpdatablePaths() {
  static const auto* paths = new std::set<std::string>{
      "legal_name",         "region", "channel_level",
      "parent_dealer_id",   "status", "owner",
      "registered_capital", "brands", "business_scope"};
  return *paths;
}

absl::Status ValidateRegion(const pb::Region& region) {
  if (absl::Status s =
          RequireText("dealer.region.province", region.province(), 64);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = RequireText("dealer.region.city", region.city(), 64);
      !s.ok()) {
    return s;
  }
  if (!region.sales_territory().empty()) {
    return RequireCode("dealer.region.sales_territory",
                       region.sales_territory(), 32);
  }
  return absl::OkStatus();
}

// Validates the syntax of one dealer field and copies it into `dealer`.
absl::Status ApplyField(const std::string& path, const pb::Dealer& in,
                        Dealer& dealer) {
  if (path == "legal_name") {
    if (absl::Status s = RequireText("dealer.legal_name", in.legal_name(), 200);
        !s.ok()) {
      return s;
    }
    dealer.legal_name =
        std::string(absl::StripAsciiWhitespace(in.legal_name()));
  } else if (path == "region") {
    if (absl::Status s = ValidateRegion(in.region()); !s.ok()) return s;
    dealer.region = {in.region().province(), in.region().city(),
                     in.region().sales_territory()};
  } else if (path == "channel_level") {
    if (in.channel_level() == pb::CHANNEL_LEVEL_UNSPECIFIED ||
        !pb::ChannelLevel_IsValid(in.channel_level())) {
      return InvalidField("dealer.channel_level",
                          "must be DISTRIBUTOR, WHOLESALER, RETAILER or "
                          "KEY_ACCOUNT");
    }
    dealer.channel_level = static_cast<ChannelLevel>(in.channel_level());
  } else if (path == "parent_dealer_id") {
    if (!in.parent_dealer_id().empty()) {
      if (absl::Status s =
              RequireDealerId("dealer.parent_dealer_id", in.parent_dealer_id());
          !s.ok()) {
        return s;
      }
    }
    dealer.parent_dealer_id = in.parent_dealer_id();
  } else if (path == "status") {
    if (in.status() == pb::DEALER_STATUS_UNSPECIFIED ||
        !pb::DealerStatus_IsValid(in.status())) {
      return InvalidField("dealer.status",
                          "must be PROSPECT, ACTIVE, SUSPENDED or TERMINATED");
    }
    dealer.status = static_cast<DealerStatus>(in.status());
  } else if (path == "owner") {
    if (absl::Status s = RequireText("dealer.owner", in.owner(), 64); !s.ok()) {
      return s;
    }
    dealer.owner = in.owner();
  } else if (path == "registered_capital") {
    if (!in.has_registered_capital()) {
      dealer.registered_capital.reset();
    } else {
      auto capital =
          MoneyFromProto("dealer.registered_capital", in.registered_capital());
      if (!capital.ok()) return capital.status();
      dealer.registered_capital = *capital;
    }
  } else if (path == "brands") {
    if (static_cast<size_t>(in.brands_size()) > kMaxBrands) {
      return InvalidField("dealer.brands",
                          absl::StrCat("at most ", kMaxBrands, " brands"));
    }
    dealer.brands.clear();
    for (int i = 0; i < in.brands_size(); ++i) {
      if (absl::Status s = RequireText(absl::StrCat("dealer.brands[", i, "]"),
                                       in.brands(i), 64);
          !s.ok()) {
        return s;
      }
      dealer.brands.push_back(in.brands(i));
    }
  } else if (path == "business_scope") {
    if (absl::Status s = OptionalMultilineText("dealer.business_scope",
                                               in.business_scope(), 2000);
        !s.ok()) {
      return s;
    }
    dealer.business_scope = in.business_scope();
  } else {
    return InvalidField(
        "update_mask",
        absl::StrCat("'", path, "' is not an updatable dealer field"));
  }
  return absl::OkStatus();
}

// The parent rule of `dealer` (if it has a parent), reading the parent in
// the caller's transaction.
absl::Status CheckParentOf(const Dealer& dealer, const DealerLookup& lookup) {
  if (dealer.parent_dealer_id.empty()) return absl::OkStatus();
  auto parent = lookup.get(dealer.parent_dealer_id);
  if (absl::IsNotFound(parent.status())) {
    return InvalidField(
        "dealer.parent_dealer_id",
        absl::StrCat("dealer ", dealer.parent_dealer_id, " does not exist"));
  }
  if (!parent.ok()) return parent.status();
  return CheckParent(dealer, *parent);
}

absl::StatusOr<int64_t> VersionFromEtag(const std::string& etag) {
  absl::string_view v = etag;
  int64_t version = 0;
  if (!absl::ConsumePrefix(&v, "\"v") || !absl::ConsumeSuffix(&v, "\"") ||
      !absl::SimpleAtoi(v, &version) || version <= 0) {
    return InvalidField("dealer.etag",
                        "is not an etag returned by this service");
  }
  return version;
}

}  // namespace

pb::Dealer DealerToProto(const Dealer& d) {
  pb::Dealer out;
  out.set_dealer_id(d.id);
  out.set_legal_name(d.legal_name);
  out.mutable_region()->set_province(d.region.province);
  out.mutable_region()->set_city(d.region.city);
  out.mutable_region()->set_sales_territory(d.region.sales_territory);
  out.set_channel_level(static_cast<pb::ChannelLevel>(d.channel_level));
  out.set_parent_dealer_id(d.parent_dealer_id);
  out.set_status(static_cast<pb::DealerStatus>(d.status));
  out.set_owner(d.owner);
  if (d.registered_capital.has_value()) {
    *out.mutable_registered_capital() = MoneyToProto(*d.registered_capital);
  }
  for (const auto& b : d.brands) out.add_brands(b);
  out.set_business_scope(d.business_scope);
  *out.mutable_create_time() = TimeToProto(d.create_time);
  *out.mutable_update_time() = TimeToProto(d.update_time);
  out.set_etag(EtagOf(d));
  return out;
}

grpc::ServerUnaryReactor* CustomerRecordsService::CreateDealer(
    grpc::CallbackServerContext* context,
    const pb::CreateDealerRequest* request, pb::Dealer* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    if (absl::Status s = ValidRequestId("request_id", request->request_id());
        !s.ok()) {
      return s;
    }
    if (!request->has_dealer()) return InvalidField("dealer", "is required");
    const pb::Dealer& in = request->dealer();
    Dealer dealer;
    for (const char* path :
         {"legal_name", "region", "channel_level", "parent_dealer_id", "owner",
          "registered_capital", "brands", "business_scope"}) {
      if (absl::Status s = ApplyField(path, in, dealer); !s.ok()) return s;
    }
    if (in.status() == pb::DEALER_STATUS_UNSPECIFIED ||
        in.status() == pb::DEALER_STATUS_PROSPECT) {
      dealer.status = DealerStatus::kProspect;
    } else if (in.status() == pb::DEALER_STATUS_ACTIVE) {
      dealer.status = DealerStatus::kActive;
    } else {
      return InvalidField("dealer.status",
                          "a new dealer starts as PROSPECT or ACTIVE");
    }
    const absl::Time now = clock_->Now();
    dealer.id = NewResourceId(kDealerIdPrefix, now);
    dealer.create_time = now;
    dealer.update_time = now;
    dealer.version = 1;
    if (absl::Status s = CheckDealerInvariants(dealer); !s.ok()) return s;

    pb::CreateDealerRequest fingerprint = *request;
    fingerprint.clear_request_id();
    auto created = store_->Create(dealer, request->request_id(),
                                  CanonicalBytes(fingerprint),
                                  [&](const DealerLookup& lookup) {
                                    return CheckParentOf(dealer, lookup);
                                  });
    if (!created.ok()) return created.status();
    *response = DealerToProto(*created);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CustomerRecordsService::GetDealer(
    grpc::CallbackServerContext* context, const pb::GetDealerRequest* request,
    pb::Dealer* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    if (absl::Status s = RequireDealerId("dealer_id", request->dealer_id());
        !s.ok()) {
      return s;
    }
    if (std::optional<pb::Dealer> cached = cache_->Get(request->dealer_id())) {
      *response = *std::move(cached);
      return absl::OkStatus();
    }
    auto dealer = store_->Get(request->dealer_id());
    if (!dealer.ok()) return dealer.status();
    *response = DealerToProto(*dealer);
    cache_->Put(*response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CustomerRecordsService::ListDealers(
    grpc::CallbackServerContext* context, const pb::ListDealersRequest* request,
    pb::ListDealersResponse* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    DealerFilter filter;
    if (request->status() != pb::DEALER_STATUS_UNSPECIFIED) {
      if (!pb::DealerStatus_IsValid(request->status())) {
        return InvalidField("status", "is not a dealer status");
      }
      filter.status = static_cast<DealerStatus>(request->status());
    }
    if (absl::Status s = OptionalText("province", request->province(), 64);
        !s.ok()) {
      return s;
    }
    filter.province = request->province();
    auto page = ParsePage(request->page_size(), request->page_token(),
                          filter.Canonical());
    if (!page.ok()) return page.status();
    auto result = store_->List(filter, *page);
    if (!result.ok()) return result.status();
    for (const Dealer& d : result->dealers) {
      *response->add_dealers() = DealerToProto(d);
    }
    response->set_next_page_token(result->next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CustomerRecordsService::UpdateDealer(
    grpc::CallbackServerContext* context,
    const pb::UpdateDealerRequest* request, pb::Dealer* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    if (!request->has_dealer()) return InvalidField("dealer", "is required");
    const pb::Dealer& in = request->dealer();
    if (absl::Status s = RequireDealerId("dealer.dealer_id", in.dealer_id());
        !s.ok()) {
      return s;
    }
    if (request->update_mask().paths_size() == 0) {
      return InvalidField("update_mask",
                          "must name the fields to change, e.g. \"owner\"");
    }
    for (const std::string& path : request->update_mask().paths()) {
      if (UpdatablePaths().count(path) == 0) {
        return InvalidField(
            "update_mask",
            absl::StrCat("'", path, "' is not an updatable dealer field"));
      }
    }
    int64_t expected_version = 0;
    if (!in.etag().empty()) {
      auto v = VersionFromEtag(in.etag());
      if (!v.ok()) return v.status();
      expected_version = *v;
    }
    // Validate every field before touching the store.
    Dealer scratch;
    for (const std::string& path : request->update_mask().paths()) {
      if (absl::Status s = ApplyField(path, in, scratch); !s.ok()) return s;
    }
    auto updated = store_->Update(
        in.dealer_id(), expected_version, clock_->Now(),
        [&](Dealer& dealer, const DealerLookup& lookup) -> absl::Status {
          const Dealer before = dealer;
          std::set<std::string> paths;
          for (const std::string& path : request->update_mask().paths()) {
            if (absl::Status s = ApplyField(path, in, dealer); !s.ok()) {
              return s;
            }
            paths.insert(path);
          }
          if (absl::Status s =
                  CheckStatusTransition(before.status, dealer.status);
              !s.ok()) {
            return s;
          }
          if (absl::Status s = CheckDealerInvariants(dealer); !s.ok()) return s;
          // The dealer's own place in the chain is re-checked only when it
          // changes, so an owner change never trips over its parent.
          if (paths.count("parent_dealer_id") > 0 ||
              paths.count("channel_level") > 0) {
            if (absl::Status s = CheckParentOf(dealer, lookup); !s.ok()) {
              return s;
            }
          }
          // Dealers that buy from this one must keep a valid parent.
          const bool terminating = dealer.status == DealerStatus::kTerminated &&
                                   before.status != DealerStatus::kTerminated;
          if (terminating || dealer.channel_level != before.channel_level) {
            auto children = lookup.active_children(dealer.id);
            if (!children.ok()) return children.status();
            if (*children > 0) {
              return WithReason(
                  absl::FailedPreconditionError(absl::StrCat(
                      "dealer ", dealer.id, " supplies ", *children,
                      " active dealer(s); move them to another parent "
                      "before ",
                      terminating ? "terminating it"
                                  : "changing its channel level")),
                  "HAS_ACTIVE_CHILDREN");
            }
          }
          return absl::OkStatus();
        });
    if (!updated.ok()) return updated.status();
    cache_->Invalidate(in.dealer_id());
    *response = DealerToProto(*updated);
    return absl::OkStatus();
  });
}

}  // namespace qudao::customer
