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
  std::string payer, zone, uscc;
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
  cmd->add_option("--status", flags->status,
                  "PROSPECT (default) or ACTIVE (needs --uscc)")
      ->check(CLI::IsMember({"PROSPECT", "ACTIVE"}));
  cmd->add_option("--payer", flags->payer,
                  "id of the upstream dealer that is billed (default: the "
                  "dealer itself)");
  cmd->add_option("--zone", flags->zone, "pricing zone code");
  cmd->add_option("--uscc", flags->uscc,
                  "unified social credit code (统一社会信用代码), 18 "
                  "characters from the business licence");
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
    d->set_payer_dealer_id(flags->payer);
    d->set_pricing_zone(flags->zone);
    d->set_unified_social_credit_code(flags->uscc);
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
  auto level = std::make_shared<std::string>();
  auto abc_class = std::make_shared<std::string>();
  cmd->add_option("--status", *status,
                  "PROSPECT, ACTIVE, SUSPENDED or TERMINATED")
      ->check(CLI::IsMember({"PROSPECT", "ACTIVE", "SUSPENDED", "TERMINATED"}));
  cmd->add_option("--province", *province, "only dealers in this province");
  cmd->add_option("--territory", *req->mutable_sales_territory(),
                  "only dealers in this sales territory");
  cmd->add_option("--level", *level,
                  "only DISTRIBUTOR, WHOLESALER, RETAILER or KEY_ACCOUNT")
      ->check(CLI::IsMember(
          {"DISTRIBUTOR", "WHOLESALER", "RETAILER", "KEY_ACCOUNT"}));
  cmd->add_option("--abc_class", *abc_class, "only dealers of class A, B or C")
      ->check(CLI::IsMember({"A", "B", "C"}));
  cmd->add_option("--owner", *req->mutable_owner(),
                  "only dealers owned by this sales rep");
  cmd->add_option("--payer", *req->mutable_payer_dealer_id(),
                  "only dealers billed to this dealer (itself included)");
  cmd->add_option("--zone", *req->mutable_pricing_zone(),
                  "only dealers in this pricing zone");
  cmd->add_option("--name", *req->mutable_name_query(),
                  "only dealers whose legal name contains this text (any "
                  "case)");
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
    if (!level->empty()) {
      pb::ChannelLevel l = pb::CHANNEL_LEVEL_UNSPECIFIED;
      ParseEnum("CHANNEL_LEVEL_", *level, &pb::ChannelLevel_Parse, &l);
      req->set_channel_level(l);
    }
    if (!abc_class->empty()) {
      pb::AbcClass c = pb::ABC_CLASS_UNSPECIFIED;
      ParseEnum("ABC_CLASS_", *abc_class, &pb::AbcClass_Parse, &c);
      req->set_abc_class(c);
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
               "region.province", "region.city", "owner", "payer_dealer_id",
               "pricing_zone"});
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
  auto* payer = cmd->add_option(
      "--payer", flags->payer,
      "id of the upstream dealer that is billed (\"\" for the dealer itself)");
  auto* zone = cmd->add_option("--zone", flags->zone,
                               "pricing zone code (\"\" for none)");
  auto* uscc = cmd->add_option(
      "--uscc", flags->uscc,
      "unified social credit code (统一社会信用代码) from the business "
      "licence");
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
    if (payer->count() > 0) {
      d->set_payer_dealer_id(flags->payer);
      req.mutable_update_mask()->add_paths("payer_dealer_id");
    }
    if (zone->count() > 0) {
      d->set_pricing_zone(flags->zone);
      req.mutable_update_mask()->add_paths("pricing_zone");
    }
    if (uscc->count() > 0) {
      d->set_unified_social_credit_code(flags->uscc);
      req.mutable_update_mask()->add_paths("unified_social_credit_code");
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
