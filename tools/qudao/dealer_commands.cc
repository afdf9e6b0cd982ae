// `qudao dealer create|get|list|update`: dealer records in customer records.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "tools/qudao/cli.h"

namespace qudao::cli {
namespace {

namespace pb = ::qudao::customer::v1;

// Inputs of `dealer create` and `dealer update`.
struct DealerFlags {
  std::string name, province, city, territory, level, parent, owner, status;
  std::string etag, request_id;
};

template <typename Enum>
bool ParseEnum(const std::string& prefix, const std::string& value,
               bool (*parse)(const std::string&, Enum*), Enum* out) {
  return parse(absl::StrCat(prefix, value), out);
}

void AddCreate(CLI::App* dealer, int* exit_code) {
  auto* cmd = dealer->add_subcommand("create", "create a dealer record");
  auto options = std::make_shared<ClientOptions>();
  auto flags = std::make_shared<DealerFlags>();
  flags->level = "RETAILER";
  cmd->add_option("--name", flags->name, "registered legal name")->required();
  cmd->add_option("--province", flags->province, "province")->required();
  cmd->add_option("--city", flags->city, "city")->required();
  cmd->add_option("--territory", flags->territory, "sales territory code");
  cmd->add_option("--level", flags->level,
                  "DISTRIBUTOR, WHOLESALER, RETAILER or KEY_ACCOUNT")
      ->check(CLI::IsMember(
          {"DISTRIBUTOR", "WHOLESALER", "RETAILER", "KEY_ACCOUNT"}))
      ->capture_default_str();
  cmd->add_option("--parent", flags->parent, "id of the dealer it buys from");
  cmd->add_option("--owner", flags->owner, "owning sales rep")->required();
  cmd->add_option("--status", flags->status, "PROSPECT (default) or ACTIVE")
      ->check(CLI::IsMember({"PROSPECT", "ACTIVE"}));
  cmd->add_option("--request_id", flags->request_id,
                  "idempotency key: a retry with it creates nothing new");
  AddClientOptions(cmd, options.get());
  cmd->callback([options, flags, exit_code] {
    pb::CreateDealerRequest req;
    pb::Dealer* d = req.mutable_dealer();
    d->set_legal_name(flags->name);
    d->mutable_region()->set_province(flags->province);
    d->mutable_region()->set_city(flags->city);
    d->mutable_region()->set_sales_territory(flags->territory);
    pb::ChannelLevel level = pb::CHANNEL_LEVEL_UNSPECIFIED;
    ParseEnum("CHANNEL_LEVEL_", flags->level, &pb::ChannelLevel_Parse, &level);
    d->set_channel_level(level);
    d->set_parent_dealer_id(flags->parent);
    d->set_owner(flags->owner);
    if (!flags->status.empty()) {
      pb::DealerStatus status = pb::DEALER_STATUS_UNSPECIFIED;
      ParseEnum("DEALER_STATUS_", flags->status, &pb::DealerStatus_Parse,
                &status);
      d->set_status(status);
    }
    req.set_request_id(flags->request_id);
    auto stub = pb::CustomerRecordsService::NewStub(options->Channel());
    auto ctx = options->Context();
    pb::Dealer out;
    grpc::Status s = stub->CreateDealer(ctx.get(), req, &out);
    if (!s.ok()) {
      *exit_code = Fail(s, *ctx);
      return;
    }
    PrintResource(*options, out);
  });
}

void AddGet(CLI::App* dealer, int* exit_code) {
  auto* cmd = dealer->add_subcommand("get", "show one dealer");
  auto options = std::make_shared<ClientOptions>();
  auto id = std::make_shared<std::string>();
  cmd->add_option("dealer_id", *id, "the dealer's id (dlr_...)")->required();
  AddClientOptions(cmd, options.get());
  cmd->callback([options, id, exit_code] {
    auto stub = pb::CustomerRecordsService::NewStub(options->Channel());
    pb::GetDealerRequest req;
    req.set_dealer_id(*id);
    auto ctx = options->Context();
    pb::Dealer out;
    grpc::Status s = stub->GetDealer(ctx.get(), req, &out);
    if (!s.ok()) {
      *exit_code = Fail(s, *ctx);
      return;
    }
    PrintResource(*options, out);
  });
}

void AddList(CLI::App* dealer, int* exit_code) {
  auto* cmd = dealer->add_subcommand("list", "list dealers, a page at a time");
  auto options = std::make_shared<ClientOptions>();
  auto req = std::make_shared<pb::ListDealersRequest>();
  auto status = std::make_shared<std::string>();
  auto province = std::make_shared<std::string>();
  auto page_token = std::make_shared<std::string>();
  auto page_size = std::make_shared<int>(50);
  cmd->add_option("--status", *status,
                  "PROSPECT, ACTIVE, SUSPENDED or TERMINATED")
      ->check(CLI::IsMember({"PROSPECT", "ACTIVE", "SUSPENDED", "TERMINATED"}));
  cmd->add_option("--province", *province, "only dealers in this province");
  cmd->add_option("--page_size", *page_size, "dealers per page (max 1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--page_token", *page_token, "continue a previous listing");
  AddClientOptions(cmd, options.get());
  cmd->callback([=] {
    req->set_page_size(*page_size);
    req->set_page_token(*page_token);
    req->set_province(*province);
    if (!status->empty()) {
      pb::DealerStatus s = pb::DEALER_STATUS_UNSPECIFIED;
      ParseEnum("DEALER_STATUS_", *status, &pb::DealerStatus_Parse, &s);
      req->set_status(s);
    }
    auto stub = pb::CustomerRecordsService::NewStub(options->Channel());
    auto ctx = options->Context();
    pb::ListDealersResponse out;
    grpc::Status s = stub->ListDealers(ctx.get(), *req, &out);
    if (!s.ok()) {
      *exit_code = Fail(s, *ctx);
      return;
    }
    PrintList(*options, out, "dealers",
              {"dealer_id", "legal_name", "channel_level", "status",
               "region.province", "region.city", "owner"});
  });
}

void AddUpdate(CLI::App* dealer, int* exit_code) {
  auto* cmd = dealer->add_subcommand(
      "update", "change the given fields of a dealer (others stay)");
  auto options = std::make_shared<ClientOptions>();
  auto flags = std::make_shared<DealerFlags>();
  auto id = std::make_shared<std::string>();
  cmd->add_option("dealer_id", *id, "the dealer's id (dlr_...)")->required();
  auto* name = cmd->add_option("--name", flags->name, "registered legal name");
  auto* owner = cmd->add_option("--owner", flags->owner, "owning sales rep");
  auto* status = cmd->add_option("--status", flags->status,
                                 "PROSPECT, ACTIVE, SUSPENDED or TERMINATED")
                     ->check(CLI::IsMember(
                         {"PROSPECT", "ACTIVE", "SUSPENDED", "TERMINATED"}));
  auto* parent =
      cmd->add_option("--parent", flags->parent,
                      "id of the dealer it buys from (\"\" for none)");
  cmd->add_option("--etag", flags->etag,
                  "the etag you read: refuse the change if it moved since");
  AddClientOptions(cmd, options.get());
  cmd->callback([=] {
    pb::UpdateDealerRequest req;
    pb::Dealer* d = req.mutable_dealer();
    d->set_dealer_id(*id);
    d->set_etag(flags->etag);
    if (name->count() > 0) {
      d->set_legal_name(flags->name);
      req.mutable_update_mask()->add_paths("legal_name");
    }
    if (owner->count() > 0) {
      d->set_owner(flags->owner);
      req.mutable_update_mask()->add_paths("owner");
    }
    if (status->count() > 0) {
      pb::DealerStatus s = pb::DEALER_STATUS_UNSPECIFIED;
      ParseEnum("DEALER_STATUS_", flags->status, &pb::DealerStatus_Parse, &s);
      d->set_status(s);
      req.mutable_update_mask()->add_paths("status");
    }
    if (parent->count() > 0) {
      d->set_parent_dealer_id(flags->parent);
      req.mutable_update_mask()->add_paths("parent_dealer_id");
    }
    auto stub = pb::CustomerRecordsService::NewStub(options->Channel());
    auto ctx = options->Context();
    pb::Dealer out;
    grpc::Status s = stub->UpdateDealer(ctx.get(), req, &out);
    if (!s.ok()) {
      *exit_code = Fail(s, *ctx);
      return;
    }
    PrintResource(*options, out);
  });
}

}  // namespace

void AddDealerCommands(CLI::App& app, int* exit_code) {
  auto* dealer = app.add_subcommand("dealer", "dealer records (客户档案)");
  dealer->require_subcommand(1);
  AddCreate(dealer, exit_code);
  AddGet(dealer, exit_code);
  AddList(dealer, exit_code);
  AddUpdate(dealer, exit_code);
}

}  // namespace qudao::cli
