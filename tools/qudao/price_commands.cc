// `qudao price group|product|list|get|cost|settings`: the catalogue, price
// lists and standard costs for pricing staff (and price look-ups for
// everyone); rules, quote and simulate are in price_rule_commands.cc,
// freight in freight_commands.cc.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "tools/qudao/cli.h"
#include "tools/qudao/price_file.h"

namespace qudao::cli {
namespace {

namespace pb = ::qudao::pricing::v1;
using Stub = pb::PricingService::Stub;

void AddGroupCommands(CLI::App* price, int* exit_code) {
  auto* group = price->add_subcommand("group", "product groups (within lines)");
  group->require_subcommand(1);

  ClientCommand create =
      NewClientCommand(group, "create", "create a product group in a line");
  auto req = std::make_shared<pb::CreateProductGroupRequest>();
  pb::ProductGroup* g = req->mutable_product_group();
  create.cmd
      ->add_option("group_code", *g->mutable_group_code(),
                   "e.g. PUMPS-CENTRIFUGAL")
      ->required();
  create.cmd->add_option("--line", *g->mutable_product_line(), "e.g. PUMPS")
      ->required();
  create.cmd->add_option("--name", *g->mutable_name(), "display name")
      ->required();
  create.cmd->add_option("--request_id", *req->mutable_request_id(),
                         "idempotency key");
  create.cmd->callback([o = create.options, req, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::CreateProductGroup, *stub, *req,
                 [&o](const pb::ProductGroup& r) { PrintResource(*o, r); });
  });

  ClientCommand list = NewClientCommand(group, "list", "product groups");
  auto list_req = std::make_shared<pb::ListProductGroupsRequest>();
  list.cmd->add_option("--line", *list_req->mutable_product_line(),
                       "only this product line");
  list.cmd->add_option("--page_token", *list_req->mutable_page_token(),
                       "next_page_token of the previous page");
  list.cmd->callback([o = list.options, list_req, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListProductGroups, *stub, *list_req,
                 [&o](const pb::ListProductGroupsResponse& r) {
                   PrintList(*o, r, "product_groups",
                             {"group_code", "product_line", "name"});
                 });
  });
}

struct UpdateFlags {
  std::string sku, name, group, etag, request_id;
};

void AddProductCommands(CLI::App* price, int* exit_code) {
  auto* product = price->add_subcommand("product", "products (SKUs)");
  product->require_subcommand(1);

  ClientCommand create =
      NewClientCommand(product, "create", "add a product to a group");
  auto req = std::make_shared<pb::CreateProductRequest>();
  pb::Product* p = req->mutable_product();
  create.cmd->add_option("sku", *p->mutable_sku(), "e.g. PUMP-100 (any case)")
      ->required();
  create.cmd->add_option("--name", *p->mutable_name(), "display name")
      ->required();
  create.cmd
      ->add_option("--group", *p->mutable_product_group(), "its product group")
      ->required();
  create.cmd->add_option("--request_id", *req->mutable_request_id(),
                         "idempotency key");
  create.cmd->callback([o = create.options, req, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::CreateProduct, *stub, *req,
                 [&o](const pb::Product& r) { PrintResource(*o, r); });
  });

  ClientCommand show = NewClientCommand(product, "show", "one product");
  auto show_req = std::make_shared<pb::GetProductRequest>();
  show.cmd->add_option("sku", *show_req->mutable_sku(), "any case")->required();
  show.cmd->callback([o = show.options, show_req, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::GetProduct, *stub, *show_req,
                 [&o](const pb::Product& r) { PrintResource(*o, r); });
  });

  ClientCommand update = NewClientCommand(
      product, "update", "rename a product or move it to another group");
  auto f = std::make_shared<UpdateFlags>();
  update.cmd->add_option("sku", f->sku, "any case")->required();
  update.cmd->add_option("--name", f->name, "new display name");
  update.cmd->add_option("--group", f->group, "new product group");
  update.cmd->add_option("--etag", f->etag,
                         "the etag you read (refused if it changed since)");
  update.cmd->add_option("--request_id", f->request_id,
                         "idempotency key (a retry returns the first answer)");
  update.cmd->callback([o = update.options, f, exit_code] {
    pb::UpdateProductRequest r;
    r.set_request_id(f->request_id);
    r.mutable_product()->set_sku(f->sku);
    r.mutable_product()->set_etag(f->etag);
    if (!f->name.empty()) {
      r.mutable_product()->set_name(f->name);
      r.mutable_update_mask()->add_paths("name");
    }
    if (!f->group.empty()) {
      r.mutable_product()->set_product_group(f->group);
      r.mutable_update_mask()->add_paths("product_group");
    }
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::UpdateProduct, *stub, r,
                 [&o](const pb::Product& out) { PrintResource(*o, out); });
  });

  ClientCommand list = NewClientCommand(product, "list", "products by SKU");
  auto list_req = std::make_shared<pb::ListProductsRequest>();
  list.cmd->add_option("--line", *list_req->mutable_product_line(),
                       "only this product line");
  list.cmd->add_option("--group", *list_req->mutable_product_group(),
                       "only this product group");
  list.cmd->add_option("--page_token", *list_req->mutable_page_token(),
                       "next_page_token of the previous page");
  list.cmd->callback([o = list.options, list_req, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListProducts, *stub, *list_req,
                 [&o](const pb::ListProductsResponse& r) {
                   PrintList(*o, r, "products",
                             {"sku", "name", "product_group", "product_line"});
                 });
  });
}

struct PublishFlags {
  std::string currency = "CNY", from, until, note, file, request_id;
  std::vector<std::string> prices;
  std::vector<std::string> withdrawals;
};

// "SKU=1299.00" or "SKU,1299.00" (a CSV line) as an entry; false (and a
// message naming `where`) when it is neither.
bool ParseEntry(const std::string& currency, absl::string_view text,
                const std::string& where, pb::PriceListEntry* out) {
  const char sep = text.find('=') != absl::string_view::npos ? '=' : ',';
  std::vector<std::string> parts = absl::StrSplit(text, sep);
  if (parts.size() != 2) {
    std::cerr << where << ": '" << text
              << "' is not SKU=AMOUNT (or SKU,AMOUNT in a file)\n";
    return false;
  }
  out->set_sku(std::string(absl::StripAsciiWhitespace(parts[0])));
  return ToMoney(currency, std::string(absl::StripAsciiWhitespace(parts[1])),
                 where, out->mutable_list_price());
}

void AddListCommands(CLI::App* price, int* exit_code) {
  auto* list = price->add_subcommand("list", "price lists (one per currency)");
  list->require_subcommand(1);

  ClientCommand publish = NewClientCommand(
      list, "publish",
      "publish a new version of a currency's price list (prices before VAT)");
  auto f = std::make_shared<PublishFlags>();
  publish.cmd->add_option("--currency", f->currency, "ISO 4217")
      ->capture_default_str();
  publish.cmd->add_option("--from", f->from, "first day, YYYY-MM-DD")
      ->required();
  publish.cmd->add_option("--until", f->until,
                          "first day no longer valid, YYYY-MM-DD (default: "
                          "open-ended)");
  publish.cmd->add_option("--note", f->note, "why, e.g. \"2027 list\"");
  publish.cmd->add_option("--price", f->prices,
                          "SKU=AMOUNT, e.g. PUMP-100=1299.00 (repeat)");
  publish.cmd->add_option("--file", f->file,
                          "a file of SKU,AMOUNT lines (# comments allowed)");
  publish.cmd->add_option("--withdraw", f->withdrawals,
                          "SKU to withdraw: no list price over this "
                          "version's days (repeat)");
  publish.cmd->add_option("--request_id", f->request_id, "idempotency key");
  publish.cmd->callback([o = publish.options, f, exit_code] {
    pb::PublishPriceListRequest req;
    pb::PriceListVersion* v = req.mutable_price_list();
    v->set_currency_code(f->currency);
    v->set_valid_from(f->from);
    v->set_valid_until(f->until);
    v->set_note(f->note);
    req.set_request_id(f->request_id);
    for (const std::string& text : f->prices) {
      if (!ParseEntry(f->currency, text, "--price", v->add_entries())) {
        *exit_code = 2;
        return;
      }
    }
    if (!f->file.empty()) {
      std::ifstream in(f->file);
      if (!in) {
        std::cerr << "--file: cannot read " << f->file << "\n";
        *exit_code = 2;
        return;
      }
      for (const auto& [n, text] : PriceFileLines(in)) {
        if (!ParseEntry(f->currency, text, absl::StrCat(f->file, ":", n),
                        v->add_entries())) {
          *exit_code = 2;
          return;
        }
      }
    }
    for (const std::string& sku : f->withdrawals) {
      pb::PriceListEntry* e = v->add_entries();
      e->set_sku(std::string(absl::StripAsciiWhitespace(sku)));
      e->set_withdrawn(true);
    }
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::PublishPriceList, *stub, req,
                 [&o](const pb::PriceListVersion& r) { PrintResource(*o, r); });
  });

  ClientCommand show = NewClientCommand(
      list, "show", "one version of a price list with its prices");
  auto show_req = std::make_shared<pb::GetPriceListVersionRequest>();
  show_req->set_currency_code("CNY");
  show.cmd
      ->add_option("currency", *show_req->mutable_currency_code(), "ISO 4217")
      ->capture_default_str();
  auto version = std::make_shared<int64_t>(0);
  show.cmd->add_option("--version", *version, "version (default: the latest)");
  show.cmd->callback([o = show.options, show_req, version, exit_code] {
    show_req->set_version(*version);
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(
        *o, exit_code, &Stub::GetPriceListVersion, *stub, *show_req,
        [&o](const pb::PriceListVersion& r) {
          if (o->output == "json") {
            PrintResource(*o, r);
            return;
          }
          pb::PriceListVersion header = r;
          header.clear_entries();
          PrintResource(*o, header);
          std::cout << "\n";
          PrintList(*o, r, "entries", {"sku", "list_price", "withdrawn"});
        });
  });

  ClientCommand versions = NewClientCommand(
      list, "versions", "a price list's versions, newest first");
  auto versions_req = std::make_shared<pb::ListPriceListVersionsRequest>();
  versions_req->set_currency_code("CNY");
  versions.cmd
      ->add_option("currency", *versions_req->mutable_currency_code(),
                   "ISO 4217")
      ->capture_default_str();
  versions.cmd->add_option("--page_token", *versions_req->mutable_page_token(),
                           "next_page_token of the previous page");
  versions.cmd->callback([o = versions.options, versions_req, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(
        *o, exit_code, &Stub::ListPriceListVersions, *stub, *versions_req,
        [&o](const pb::ListPriceListVersionsResponse& r) {
          PrintList(*o, r, "price_list_versions",
                    {"version", "valid_from", "valid_until", "entry_count",
                     "published_by", "publish_time", "note"});
        });
  });
}

void AddGet(CLI::App* price, int* exit_code) {
  ClientCommand get = NewClientCommand(
      price, "get", "a SKU's list price on a day, and the version it is from");
  auto req = std::make_shared<pb::GetPriceRequest>();
  req->set_currency_code("CNY");
  get.cmd->add_option("sku", *req->mutable_sku(), "any case")->required();
  get.cmd->add_option("--currency", *req->mutable_currency_code(), "ISO 4217")
      ->capture_default_str();
  get.cmd->add_option("--day", *req->mutable_day(),
                      "YYYY-MM-DD (default: today)");
  get.cmd->callback([o = get.options, req, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::GetPrice, *stub, *req,
                 [&o](const pb::Price& r) { PrintResource(*o, r); });
  });
}

struct CostFlags {
  std::string sku, amount, currency = "CNY", from, note, request_id;
};

void AddCostCommands(CLI::App* price, int* exit_code) {
  auto* cost = price->add_subcommand(
      "cost", "standard costs (confidential: pricing and finance)");
  cost->require_subcommand(1);

  ClientCommand set = NewClientCommand(
      cost, "set", "set a SKU's standard cost from a day on (a new version)");
  auto f = std::make_shared<CostFlags>();
  set.cmd->add_option("sku", f->sku, "any case")->required();
  set.cmd->add_option("--cost", f->amount, "per unit, e.g. 812.40")->required();
  set.cmd->add_option("--currency", f->currency, "ISO 4217")
      ->capture_default_str();
  set.cmd->add_option("--from", f->from, "first day, YYYY-MM-DD")->required();
  set.cmd->add_option("--note", f->note, "why, e.g. \"2027 budget\"");
  set.cmd->add_option("--request_id", f->request_id, "idempotency key");
  set.cmd->callback([o = set.options, f, exit_code] {
    pb::SetStandardCostRequest req;
    pb::StandardCost* c = req.mutable_standard_cost();
    c->set_sku(f->sku);
    if (!ToMoney(f->currency, f->amount, "--cost", c->mutable_cost())) {
      *exit_code = 2;
      return;
    }
    c->set_effective_from(f->from);
    c->set_note(f->note);
    req.set_request_id(f->request_id);
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::SetStandardCost, *stub, req,
                 [&o](const pb::StandardCost& r) { PrintResource(*o, r); });
  });

  ClientCommand show = NewClientCommand(
      cost, "show", "a SKU's standard cost on a day, with its history");
  auto req = std::make_shared<pb::GetStandardCostRequest>();
  show.cmd->add_option("sku", *req->mutable_sku(), "any case")->required();
  show.cmd->add_option("--day", *req->mutable_day(),
                       "YYYY-MM-DD (default: today)");
  show.cmd->callback([o = show.options, req, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::GetStandardCost, *stub, *req,
                 [&o](const pb::GetStandardCostResponse& r) {
                   if (o->output == "json") {
                     PrintResource(*o, r);
                     return;
                   }
                   if (r.has_standard_cost()) {
                     PrintResource(*o, r.standard_cost());
                   } else {
                     std::cout << "no standard cost in force on that day\n";
                   }
                   std::cout << "\nhistory:\n";
                   PrintList(*o, r, "history",
                             {"version", "cost", "effective_from", "set_by",
                              "set_time", "note"});
                 });
  });
}

void AddSettings(CLI::App* price, int* exit_code) {
  ClientCommand settings = NewClientCommand(
      price, "settings", "pricing settings (the VAT rate, in basis points)");
  settings.cmd->callback([o = settings.options, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::GetPricingSettings, *stub,
                 pb::GetPricingSettingsRequest(),
                 [&o](const pb::PricingSettings& r) { PrintResource(*o, r); });
  });
}

}  // namespace

void AddPriceCommands(CLI::App& app, int* exit_code) {
  auto* price = app.add_subcommand(
      "price", "the catalogue, price lists and standard costs (渠道价格)");
  price->require_subcommand(1);
  AddGroupCommands(price, exit_code);
  AddProductCommands(price, exit_code);
  AddListCommands(price, exit_code);
  AddGet(price, exit_code);
  AddCostCommands(price, exit_code);
  AddSettings(price, exit_code);
  AddPriceRuleCommands(price, exit_code);
  AddFreightCommands(price, exit_code);
}

}  // namespace qudao::cli
