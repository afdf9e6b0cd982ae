// Wiring of the pricing module: its database, the catalogue, price list,
// rule, freight and quote operations, the clients of customer records and
// credit control they read through, its settings and the gRPC adapter.
#include "services/pricing/pricing_module.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/config/settings.h"
#include "common/grpc/module.h"
#include "common/status/macros.h"
#include "services/credit_control/client/credit_control_client.h"
#include "services/customer_records/client/cached_dealer_directory.h"
#include "services/pricing/cached_volume_source.h"
#include "services/pricing/credit_volume_source.h"
#include "services/pricing/order_operations.h"
#include "services/pricing/order_service.h"
#include "services/pricing/price_list.h"
#include "services/pricing/price_list_operations.h"
#include "services/pricing/pricing_service.h"
#include "services/pricing/product_operations.h"
#include "services/pricing/product_store.h"
#include "services/pricing/waterfall.h"

ABSL_FLAG(int, pricing_vat_rate_bp, qudao::pricing::kDefaultVatRateBp,
          "VAT rate added to net prices, in basis points (1300 = 13%) "
          "[env QUDAO_PRICING_VAT_RATE_BP]");
ABSL_FLAG(bool, pricing_rule_book_cache, true,
          "reuse the active rules' book while the rule-set version and the "
          "day stay the same (false: read and build per quote) "
          "[env QUDAO_PRICING_RULE_BOOK_CACHE]");
ABSL_FLAG(bool, pricing_catalogue_cache, true,
          "reuse list prices, standard costs, product groups and freight "
          "terms while the catalogue version and the day stay the same "
          "(false: read them per quote) [env QUDAO_PRICING_CATALOGUE_CACHE]");
ABSL_FLAG(bool, pricing_volume_cache, true,
          "cache dealers' period volumes, dropped on credit control's invoice "
          "and credit-note events (false: ask credit control per quote) "
          "[env QUDAO_PRICING_VOLUME_CACHE]");
ABSL_FLAG(
    int, pricing_volume_cache_entries, 100000,
    "most cached period volumes [env QUDAO_PRICING_VOLUME_CACHE_ENTRIES]");
ABSL_FLAG(int, pricing_volume_cache_ttl_s, 600,
          "seconds a cached period volume is served at most "
          "[env QUDAO_PRICING_VOLUME_CACHE_TTL_S]");

ABSL_FLAG(int, order_reconcile_seconds, 60,
          "how long an order step may wait for credit control (a crash "
          "between the services) before the reconciler finishes or undoes "
          "it, and how often the reconciler runs (the process looks for due "
          "jobs every --job_interval_seconds) [env "
          "QUDAO_ORDER_RECONCILE_SECONDS]");

namespace qudao::pricing {
namespace {

// The setting's default is the waterfall's: one 13%.
static_assert(kDefaultVatRateBp == kDefaultVatBasisPoints);

absl::StatusOr<int> VatRateFromSettings() {
  ASSIGN_OR_RETURN(const int rate, IntSetting("pricing_vat_rate_bp",
                                              "QUDAO_PRICING_VAT_RATE_BP",
                                              kDefaultVatRateBp, 0));
  if (absl::Status s = CheckVatRate(rate); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--pricing_vat_rate_bp: ", s.message()));
  }
  return rate;
}

struct CacheSettings {
  QuoteCaches quotes;
  bool volumes = true;
  VolumeCacheOptions volume_options;
};

absl::StatusOr<CacheSettings> CacheSettingsFromSettings() {
  CacheSettings out;
  ASSIGN_OR_RETURN(out.quotes.rule_books,
                   BoolSetting("pricing_rule_book_cache",
                               "QUDAO_PRICING_RULE_BOOK_CACHE", true));
  ASSIGN_OR_RETURN(out.quotes.catalogue,
                   BoolSetting("pricing_catalogue_cache",
                               "QUDAO_PRICING_CATALOGUE_CACHE", true));
  ASSIGN_OR_RETURN(
      out.volumes,
      BoolSetting("pricing_volume_cache", "QUDAO_PRICING_VOLUME_CACHE", true));
  ASSIGN_OR_RETURN(const int entries,
                   IntSetting("pricing_volume_cache_entries",
                              "QUDAO_PRICING_VOLUME_CACHE_ENTRIES", 100000, 1));
  ASSIGN_OR_RETURN(const int ttl_s,
                   IntSetting("pricing_volume_cache_ttl_s",
                              "QUDAO_PRICING_VOLUME_CACHE_TTL_S", 600, 1));
  out.volume_options.max_entries = static_cast<size_t>(entries);
  out.volume_options.ttl = absl::Seconds(ttl_s);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServiceModule>> NewPricingModule(
    const ModuleEnvironment& env) {
  ASSIGN_OR_RETURN(const int vat_rate_bp, VatRateFromSettings());
  ASSIGN_OR_RETURN(const int reconcile_seconds,
                   IntSetting("order_reconcile_seconds",
                              "QUDAO_ORDER_RECONCILE_SECONDS", 60, 1));
  ASSIGN_OR_RETURN(const CacheSettings caches, CacheSettingsFromSettings());
  ASSIGN_OR_RETURN(
      auto db, OpenServiceDatabase(env, "pricing", ProductStore::Migrations()));
  auto module = std::make_unique<Module>("pricing", std::move(db), env);
  auto* products = module->Own(
      std::make_unique<ProductOperations>(module->database(), env.clock));
  auto* prices = module->Own(std::make_unique<PriceListOperations>(
      module->database(), env.clock, env.calendar, vat_rate_bp));
  // Quotes read dealer facts from customer records and cumulative volumes
  // from credit control, and orders reserve and invoice there, as pricing's
  // own account.
  if (env.service_token == nullptr) {
    return absl::FailedPreconditionError(
        "pricing calls customer records and credit control as its own "
        "service account: give it that account's token (--service_token_file "
        "or QUDAO_SERVICE_TOKEN_FILE)");
  }
  ASSIGN_OR_RETURN(auto* dealers, customer::DealerDirectoryFor(*module, env));
  auto target_of = env.target_of;
  auto* credit = module->Own(std::make_unique<credit::CreditControlClient>(
      [target_of] {
        return target_of ? target_of("credit_control") : std::string();
      },
      ClientOptionsFor(env), env.metrics, env.clock));
  VolumeSource* volumes =
      module->Own(std::make_unique<CreditVolumeSource>(credit));
  // Volumes are cached per dealer and dropped when credit control's feed
  // says the dealer was invoiced or credited (cached_volume_source.h).
  if (caches.volumes) {
    auto* cached = module->Own(std::make_unique<CachedVolumeSource>(
        volumes, env.clock, caches.volume_options));
    cached->Follow(module->FollowingBus(env),
                   [credit](const type::v1::ListChangesRequest& req) {
                     CallContext call;
                     call.deadline = absl::Now() + absl::Seconds(10);
                     call.correlation_id = "volume-cache-follower";
                     return credit->ListChanges(call, req);
                   });
    volumes = cached;
  }
  PricingOperations ops;
  ops.products = products;
  ops.prices = prices;
  ops.rules = module->Own(
      std::make_unique<PriceRuleOperations>(module->database(), env.clock));
  ops.freight = module->Own(
      std::make_unique<FreightOperations>(module->database(), env.clock));
  ops.quotes = module->Own(std::make_unique<QuoteOperations>(
      module->database(), dealers, volumes, env.clock, env.calendar,
      vat_rate_bp, caches.quotes));
  module->Serve(std::make_unique<PricingService>(
                    ops, module->ServingFor(PricingPermissions())),
                pb::PricingService::service_full_name());
  // Orders reserve, invoice and credit through credit control (the client
  // above, as pricing's own account), and follow its reservation feed
  // (never a call-back from it).
  auto* orders = module->Own(std::make_unique<OrderOperations>(
      module->database(), credit, env.clock, env.calendar));
  orders->set_reconcile_after(absl::Seconds(reconcile_seconds));
  module->Own(orders->FollowReservations(module->FollowingBus(env)));
  module->AddJob(orders->ReconcilerJob());
  module->AddJob(orders->RebateJob());
  module->Serve(std::make_unique<OrderService>(
                    orders, module->ServingFor(OrderPermissions())),
                pb::OrderService::service_full_name());
  return module;
}

}  // namespace qudao::pricing
