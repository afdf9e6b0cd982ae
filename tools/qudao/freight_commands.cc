// `qudao price freight assign|assignments|rate|rates|zone|zones`: how each
// dealer (or pricing zone) is charged for delivery (地区定价), the freight
// tables from plants and base cities, and the zones' surcharges. Writes
// are for pricing managers; everyone who quotes may read them.
#include <map>
#include <memory>
#include <string>

#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "tools/qudao/cli.h"

namespace qudao::cli {
namespace {

namespace pb = ::qudao::pricing::v1;
using Stub = pb::PricingService::Stub;

const std::map<std::string, pb::FreightMethod>& Methods() {
  static const auto* methods = new std::map<std::string, pb::FreightMethod>{
      {"fob", pb::FREIGHT_METHOD_FOB_ORIGIN},
      {"uniform", pb::FREIGHT_METHOD_UNIFORM_DELIVERED},
      {"zone", pb::FREIGHT_METHOD_ZONE},
      {"basing", pb::FREIGHT_METHOD_BASING_POINT},
  };
  return *methods;
}

struct AssignFlags {
  std::string dealer;
  std::string zone;
  std::string method;
  std::string plant;
  std::string base_city;
};

void AddAssign(CLI::App* freight, int* exit_code) {
  ClientCommand assign = NewClientCommand(
      freight, "assign",
      "how a dealer, or every dealer of a pricing zone, pays for delivery");
  auto f = std::make_shared<AssignFlags>();
  auto* who = assign.cmd->add_option_group("whom", "one dealer or one zone");
  who->add_option("--dealer", f->dealer, "dealer id");
  who->add_option("--zone", f->zone, "pricing zone (the zone's default)");
  who->require_option(1);
  assign.cmd
      ->add_option("--method", f->method,
                   "fob (freight from the plant, charged apart), uniform "
                   "(delivered price, freight absorbed), zone (the zone's "
                   "surcharge), basing (freight from the base city)")
      ->required()
      ->check(CLI::IsMember({"fob", "uniform", "zone", "basing"}));
  assign.cmd->add_option("--plant", f->plant, "fob: the shipping plant");
  assign.cmd->add_option("--base_city", f->base_city, "basing: the base city");
  assign.cmd->callback([o = assign.options, f, exit_code] {
    pb::SetFreightAssignmentRequest req;
    pb::FreightAssignment* a = req.mutable_assignment();
    a->set_dealer_id(f->dealer);
    a->set_pricing_zone(f->zone);
    a->set_method(Methods().at(f->method));
    a->set_origin_plant(f->plant);
    a->set_base_city(f->base_city);
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(
        *o, exit_code, &Stub::SetFreightAssignment, *stub, req,
        [&o](const pb::FreightAssignment& r) { PrintResource(*o, r); });
  });

  ClientCommand list = NewClientCommand(
      freight, "assignments", "every zone default and dealer assignment");
  list.cmd->callback([o = list.options, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListFreightAssignments, *stub,
                 pb::ListFreightAssignmentsRequest(),
                 [&o](const pb::ListFreightAssignmentsResponse& r) {
                   PrintList(*o, r, "assignments",
                             {"pricing_zone", "dealer_id", "method",
                              "origin_plant", "base_city", "updated_by"});
                 });
  });
}

struct RateFlags {
  std::string origin;
  std::string province;
  std::string city;
  std::string currency = "CNY";
  std::string per_order = "0";
  std::string per_unit = "0";
  std::string per_kg = "0";
};

void AddRates(CLI::App* freight, int* exit_code) {
  ClientCommand rate = NewClientCommand(
      freight, "rate",
      "set freight from a plant or base city to a province or one city in "
      "it: per order + per unit + per kg");
  auto f = std::make_shared<RateFlags>();
  rate.cmd->add_option("--origin", f->origin, "plant or base city")->required();
  rate.cmd->add_option("--province", f->province, "destination province")
      ->required();
  rate.cmd->add_option("--city", f->city,
                       "one city of the province (beats the province row)");
  rate.cmd->add_option("--currency", f->currency, "ISO 4217")
      ->capture_default_str();
  rate.cmd->add_option("--per_order", f->per_order, "e.g. 150.00")
      ->capture_default_str();
  rate.cmd->add_option("--per_unit", f->per_unit, "e.g. 2.50")
      ->capture_default_str();
  rate.cmd->add_option("--per_kg", f->per_kg, "e.g. 0.80")
      ->capture_default_str();
  rate.cmd->callback([o = rate.options, f, exit_code] {
    pb::SetFreightRateRequest req;
    pb::FreightRate* r = req.mutable_rate();
    r->set_origin(f->origin);
    r->set_province(f->province);
    r->set_city(f->city);
    if (!ToMoney(f->currency, f->per_order, "--per_order",
                 r->mutable_per_order()) ||
        !ToMoney(f->currency, f->per_unit, "--per_unit",
                 r->mutable_per_unit()) ||
        !ToMoney(f->currency, f->per_kg, "--per_kg", r->mutable_per_kg())) {
      *exit_code = 2;
      return;
    }
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::SetFreightRate, *stub, req,
                 [&o](const pb::FreightRate& out) { PrintResource(*o, out); });
  });

  ClientCommand list =
      NewClientCommand(freight, "rates", "the freight table (of one origin)");
  auto req = std::make_shared<pb::ListFreightRatesRequest>();
  list.cmd->add_option("--origin", *req->mutable_origin(),
                       "only this plant or base city");
  list.cmd->callback([o = list.options, req, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListFreightRates, *stub, *req,
                 [&o](const pb::ListFreightRatesResponse& r) {
                   PrintList(*o, r, "rates",
                             {"origin", "province", "city", "per_order",
                              "per_unit", "per_kg", "updated_by"});
                 });
  });
}

struct ZoneFlags {
  std::string zone;
  std::string currency = "CNY";
  std::string amount = "0";
  int64_t basis_points = 0;
};

void AddZones(CLI::App* freight, int* exit_code) {
  ClientCommand zone = NewClientCommand(
      freight, "zone",
      "set a pricing zone's surcharge: an amount per order plus basis "
      "points of the goods");
  auto f = std::make_shared<ZoneFlags>();
  zone.cmd->add_option("zone", f->zone, "pricing zone")->required();
  zone.cmd->add_option("--currency", f->currency, "ISO 4217")
      ->capture_default_str();
  zone.cmd->add_option("--amount", f->amount, "per order, e.g. 80.00")
      ->capture_default_str();
  zone.cmd
      ->add_option("--basis_points", f->basis_points,
                   "of the goods, 0..10000 (150 = 1.5%)")
      ->capture_default_str();
  zone.cmd->callback([o = zone.options, f, exit_code] {
    pb::SetZoneAdjustmentRequest req;
    pb::ZoneAdjustment* z = req.mutable_adjustment();
    z->set_zone(f->zone);
    z->set_basis_points(f->basis_points);
    if (!ToMoney(f->currency, f->amount, "--amount", z->mutable_amount())) {
      *exit_code = 2;
      return;
    }
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::SetZoneAdjustment, *stub, req,
                 [&o](const pb::ZoneAdjustment& r) { PrintResource(*o, r); });
  });

  ClientCommand list =
      NewClientCommand(freight, "zones", "every zone's surcharge");
  list.cmd->callback([o = list.options, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListZoneAdjustments, *stub,
                 pb::ListZoneAdjustmentsRequest(),
                 [&o](const pb::ListZoneAdjustmentsResponse& r) {
                   PrintList(*o, r, "adjustments",
                             {"zone", "amount", "basis_points", "updated_by"});
                 });
  });
}

}  // namespace

void AddFreightCommands(CLI::App* price, int* exit_code) {
  auto* freight = price->add_subcommand(
      "freight", "geographic pricing: delivery methods, freight, zones");
  freight->require_subcommand(1);
  AddAssign(freight, exit_code);
  AddRates(freight, exit_code);
  AddZones(freight, exit_code);
}

}  // namespace qudao::cli
