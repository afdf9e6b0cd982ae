// PriceRuleStore SQL; see price_rule_store.h.
#include "services/pricing/price_rule_store.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/substitute.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/storage/migrations.h"
#include "common/storage/table_mapping.h"
#include "services/pricing/day_columns.h"
#include "services/pricing/product.h"

namespace qudao::pricing {
namespace {

using storage::Params;
using storage::Row;
using storage::Transaction;

// One column per field of a rule; the type parameters of every type have
// their columns (the others' stay at zero). The tiers of a quantity or
// cumulative rule are one TEXT column, "min_quantity:min_amount_minor:
// basis_points" joined by ";"; money_currency is the currency of the
// rule's money (RuleCurrency: tier amounts, a floor's minimum price), ""
// for a rule of percentages only. Enums are their C++ values. A revision
// row is the rule row as a change left it, plus the change.
constexpr char kColumns[] = R"sql(
  rule_id                    TEXT $0NOT NULL,
  rule_type                  BIGINT NOT NULL,
  state                      BIGINT NOT NULL,
  dealer_scope_kind          BIGINT NOT NULL,
  dealer_scope_level         BIGINT NOT NULL,
  dealer_scope_code          TEXT NOT NULL,
  product_scope_kind         BIGINT NOT NULL,
  product_scope_code         TEXT NOT NULL,
  valid_from                 BIGINT NOT NULL,
  valid_until                BIGINT,
  priority                   BIGINT NOT NULL,
  basis_points               BIGINT NOT NULL,
  quantity_basis             BIGINT NOT NULL,
  volume_measure             BIGINT NOT NULL,
  volume_period              BIGINT NOT NULL,
  tiers                      TEXT NOT NULL,
  money_currency             TEXT NOT NULL,
  bundle_trigger_sku         TEXT NOT NULL,
  bundle_trigger_quantity    BIGINT NOT NULL,
  bundle_discounted_quantity BIGINT NOT NULL,
  bundle_basis_points        BIGINT NOT NULL,
  ending_step                BIGINT NOT NULL,
  ending_value               BIGINT NOT NULL,
  floor_kind                 BIGINT NOT NULL,
  floor_min_price_minor      BIGINT NOT NULL,
  floor_min_margin_bp        BIGINT NOT NULL,
  floor_action               BIGINT NOT NULL,
  description                TEXT NOT NULL,
  version                    BIGINT NOT NULL CHECK (version > 0),
  created_by                 TEXT NOT NULL,
  create_time                BIGINT NOT NULL,
  updated_by                 TEXT NOT NULL,
  update_time                BIGINT NOT NULL,
  published_by               TEXT NOT NULL,
  publish_time               BIGINT,
  retired_by                 TEXT NOT NULL,
  retire_time                BIGINT,
  retire_reason              TEXT NOT NULL)sql";

// The flat row of a rule (and of a revision, with `change`).
struct RuleRow {
  RuleRecord r;
  int64_t dealer_scope_level = 0;
  std::string tiers;
  std::string money_currency;
  int64_t floor_min_price_minor = 0;
  std::string change;
};

std::string EncodeTiers(const std::vector<Tier>& tiers) {
  std::vector<std::string> parts;
  for (const Tier& t : tiers) {
    parts.push_back(absl::StrCat(
        t.min_quantity, ":", t.min_amount.minor_units(), ":", t.basis_points));
  }
  return absl::StrJoin(parts, ";");
}

absl::StatusOr<std::vector<Tier>> DecodeTiers(const std::string& text,
                                              const std::string& currency) {
  std::vector<Tier> out;
  if (text.empty()) return out;
  for (absl::string_view part : absl::StrSplit(text, ';')) {
    std::vector<absl::string_view> f = absl::StrSplit(part, ':');
    Tier t;
    int64_t minor = 0;
    if (f.size() != 3 || !absl::SimpleAtoi(f[0], &t.min_quantity) ||
        !absl::SimpleAtoi(f[1], &minor) ||
        !absl::SimpleAtoi(f[2], &t.basis_points)) {
      return absl::DataLossError(
          absl::StrCat("stored price rule tiers '", text, "' are malformed"));
    }
    if (!currency.empty()) {
      ASSIGN_OR_RETURN(t.min_amount, Money::Create(currency, minor));
    }
    out.push_back(t);
  }
  return out;
}

RuleRow ToRow(const RuleRecord& record, const std::string& change) {
  RuleRow row;
  row.r = record;
  row.change = change;
  const PriceRule& rule = record.rule;
  row.dealer_scope_level =
      static_cast<int64_t>(rule.dealer_scope.channel_level);
  row.money_currency = RuleCurrency(rule);
  row.tiers = EncodeTiers(rule.type == RuleType::kCumulativeVolume
                              ? rule.cumulative.tiers
                              : rule.quantity.tiers);
  row.floor_min_price_minor = rule.floor.min_net_unit_price.minor_units();
  return row;
}

absl::StatusOr<RuleRecord> FromRow(RuleRow row) {
  PriceRule& rule = row.r.rule;
  rule.dealer_scope.channel_level =
      static_cast<ChannelLevel>(row.dealer_scope_level);
  ASSIGN_OR_RETURN(std::vector<Tier> tiers,
                   DecodeTiers(row.tiers, row.money_currency));
  if (rule.type == RuleType::kCumulativeVolume) {
    rule.cumulative.tiers = std::move(tiers);
  } else if (rule.type == RuleType::kQuantity) {
    rule.quantity.tiers = std::move(tiers);
  }
  if (rule.type == RuleType::kFloor &&
      rule.floor.kind == FloorKind::kMinNetUnitPrice &&
      !row.money_currency.empty()) {
    ASSIGN_OR_RETURN(
        rule.floor.min_net_unit_price,
        Money::Create(row.money_currency, row.floor_min_price_minor));
  }
  return std::move(row.r);
}

std::vector<storage::Column<RuleRow>> RuleColumns() {
  namespace s = storage;
  using R = RuleRow;
  auto rule = [](auto& r) -> auto& { return r.r.rule; };
  return {
      s::Text<R>(
          "rule_id", [rule](auto& r) -> auto& { return rule(r).rule_id; })
          .InsertOnly(),
      s::Enum<R>(
          "rule_type", [rule](auto& r) -> auto& { return rule(r).type; }),
      s::Enum<R>(
          "state", [rule](auto& r) -> auto& { return rule(r).state; }),
      s::Enum<R>(
          "dealer_scope_kind",
          [rule](auto& r) -> auto& { return rule(r).dealer_scope.kind; }),
      s::Int<R>("dealer_scope_level", &R::dealer_scope_level),
      s::Text<R>(
          "dealer_scope_code",
          [rule](auto& r) -> auto& { return rule(r).dealer_scope.code; }),
      s::Enum<R>(
          "product_scope_kind",
          [rule](auto& r) -> auto& { return rule(r).product_scope.kind; }),
      s::Text<R>(
          "product_scope_code",
          [rule](auto& r) -> auto& { return rule(r).product_scope.code; }),
      Day<R>(
          "valid_from",
          [rule](auto& r) -> auto& { return rule(r).valid_from; }),
      OptionalDay<R>(
          "valid_until",
          [rule](auto& r) -> auto& { return rule(r).valid_until; }),
      s::Int<R>(
          "priority", [rule](auto& r) -> auto& { return rule(r).priority; }),
      s::Int<R>(
          "basis_points",
          [rule](auto& r) -> auto& { return rule(r).basis_points; }),
      s::Enum<R>(
          "quantity_basis",
          [rule](auto& r) -> auto& { return rule(r).quantity.basis; }),
      s::Enum<R>(
          "volume_measure",
          [rule](auto& r) -> auto& { return rule(r).cumulative.measure; }),
      s::Enum<R>(
          "volume_period",
          [rule](auto& r) -> auto& { return rule(r).cumulative.period; }),
      s::Text<R>("tiers", &R::tiers),
      s::Text<R>("money_currency", &R::money_currency),
      s::Text<R>(
          "bundle_trigger_sku",
          [rule](auto& r) -> auto& { return rule(r).bundle.trigger_sku; }),
      s::Int<R>(
          "bundle_trigger_quantity",
          [rule](auto& r) -> auto& { return rule(r).bundle.trigger_quantity; }),
      s::Int<R>(
          "bundle_discounted_quantity",
          [rule](auto& r) -> auto& {
            return rule(r).bundle.discounted_quantity;
          }),
      s::Int<R>(
          "bundle_basis_points",
          [rule](auto& r) -> auto& { return rule(r).bundle.basis_points; }),
      s::Int<R>(
          "ending_step",
          [rule](auto& r) -> auto& { return rule(r).ending.step; }),
      s::Int<R>(
          "ending_value",
          [rule](auto& r) -> auto& { return rule(r).ending.ending; }),
      s::Enum<R>(
          "floor_kind",
          [rule](auto& r) -> auto& { return rule(r).floor.kind; }),
      s::Int<R>("floor_min_price_minor", &R::floor_min_price_minor),
      s::Int<R>(
          "floor_min_margin_bp",
          [rule](auto& r) -> auto& {
            return rule(r).floor.min_margin_basis_points;
          }),
      s::Enum<R>(
          "floor_action",
          [rule](auto& r) -> auto& { return rule(r).floor.action; }),
      s::Text<R>(
          "description", [](auto& r) -> auto& { return r.r.description; }),
      s::Int<R>(
          "version", [](auto& r) -> auto& { return r.r.version; }),
      s::Text<R>(
          "created_by", [](auto& r) -> auto& { return r.r.created_by; })
          .InsertOnly(),
      s::Time<R>(
          "create_time", [](auto& r) -> auto& { return r.r.create_time; })
          .InsertOnly(),
      s::Text<R>(
          "updated_by", [](auto& r) -> auto& { return r.r.updated_by; }),
      s::Time<R>(
          "update_time", [](auto& r) -> auto& { return r.r.update_time; }),
      s::Text<R>(
          "published_by", [](auto& r) -> auto& { return r.r.published_by; }),
      s::OptionalTime<R>(
          "publish_time", [](auto& r) -> auto& { return r.r.publish_time; }),
      s::Text<R>(
          "retired_by", [](auto& r) -> auto& { return r.r.retired_by; }),
      s::OptionalTime<R>(
          "retire_time", [](auto& r) -> auto& { return r.r.retire_time; }),
      s::Text<R>(
          "retire_reason", [](auto& r) -> auto& { return r.r.retire_reason; }),
  };
}

const storage::TableMapping<RuleRow>& Rules() {
  static const auto* table =
      new storage::TableMapping<RuleRow>("price_rules", RuleColumns());
  return *table;
}

const storage::TableMapping<RuleRow>& RevisionTable() {
  static const auto* table = [] {
    auto columns = RuleColumns();
    columns.push_back(storage::Text<RuleRow>("change", &RuleRow::change));
    return new storage::TableMapping<RuleRow>("price_rule_revisions",
                                              std::move(columns));
  }();
  return *table;
}

absl::StatusOr<std::vector<RuleRecord>> ReadRules(
    const std::vector<Row>& rows) {
  ASSIGN_OR_RETURN(std::vector<RuleRow> read, Rules().ReadAll(rows));
  std::vector<RuleRecord> out;
  out.reserve(read.size());
  for (RuleRow& r : read) {
    ASSIGN_OR_RETURN(RuleRecord record, FromRow(std::move(r)));
    out.push_back(std::move(record));
  }
  return out;
}

absl::Status NotFound(const std::string& rule_id) {
  return Refusal(
      absl::StatusCode::kNotFound, kReasonRuleNotFound,
      absl::StrCat("price rule ", QuoteInput(rule_id), " does not exist"));
}

}  // namespace

std::string RuleFilter::Canonical() const {
  std::string out = "rules";
  if (state) absl::StrAppend(&out, ";state=", static_cast<int>(*state));
  if (type) absl::StrAppend(&out, ";type=", static_cast<int>(*type));
  if (dealer_scope) {
    absl::StrAppend(&out, ";dealer=", static_cast<int>(dealer_scope->kind), "/",
                    static_cast<int>(dealer_scope->channel_level), "/",
                    dealer_scope->code);
  }
  if (product_scope) {
    absl::StrAppend(&out, ";product=", static_cast<int>(product_scope->kind),
                    "/", product_scope->code);
  }
  return out;
}

std::string PriceRuleStore::Schema(storage::Backend backend) {
  const std::string columns = absl::Substitute(
      kColumns, backend == storage::Backend::kPostgres ? "COLLATE \"C\" " : "");
  return absl::StrCat(
      "CREATE TABLE price_rules (", columns, ",\n  PRIMARY KEY (rule_id));\n",
      "CREATE INDEX price_rules_by_state ON price_rules (state, rule_id);\n",
      "CREATE TABLE price_rule_revisions (", columns,
      ",\n  change TEXT NOT NULL,\n  PRIMARY KEY (rule_id, version));\n",
      storage::AppendOnlyGuard(backend, "price_rule_revisions"),
      storage::TruncateGuard(backend, "price_rule_revisions"));
}

absl::Status PriceRuleStore::Insert(Transaction& tx, const RuleRecord& record,
                                    const std::string& change) const {
  ASSIGN_OR_RETURN(auto existing,
                   tx.Query("SELECT 1 FROM price_rules WHERE rule_id = $1",
                            {record.rule.rule_id}));
  if (!existing.empty()) {
    return absl::AlreadyExistsError(
        absl::StrCat("price rule ", record.rule.rule_id,
                     " already exists; choose another id"));
  }
  const RuleRow row = ToRow(record, change);
  absl::Status inserted = Rules().Insert(tx, row);
  if (absl::IsAlreadyExists(inserted)) {
    return absl::AlreadyExistsError(
        absl::StrCat("price rule ", record.rule.rule_id,
                     " already exists; choose another id"));
  }
  RETURN_IF_ERROR(inserted);
  RETURN_IF_ERROR(RevisionTable().Insert(tx, row));
  return absl::OkStatus();
}

absl::Status PriceRuleStore::Update(Transaction& tx, const RuleRecord& record,
                                    int64_t expected_version,
                                    const std::string& change) const {
  const RuleRow row = ToRow(record, change);
  ASSIGN_OR_RETURN(const int64_t changed,
                   Rules().Update(tx, row,
                                  {{"rule_id", record.rule.rule_id},
                                   {"version", expected_version}}));
  if (changed == 0) {
    return Refusal(absl::StatusCode::kAborted, kReasonEtagMismatch,
                   absl::StrCat("price rule ", record.rule.rule_id,
                                " was changed by someone else; read it again "
                                "and reapply your change"));
  }
  RETURN_IF_ERROR(RevisionTable().Insert(tx, row));
  return absl::OkStatus();
}

absl::StatusOr<RuleRecord> PriceRuleStore::Get(
    Transaction& tx, const std::string& rule_id) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query(Rules().Select("WHERE rule_id = $1"), {rule_id}));
  if (rows.empty()) return NotFound(rule_id);
  ASSIGN_OR_RETURN(std::vector<RuleRecord> rules, ReadRules(rows));
  return std::move(rules.front());
}

absl::StatusOr<std::vector<RuleRevision>> PriceRuleStore::Revisions(
    Transaction& tx, const std::string& rule_id) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(RevisionTable().Select("WHERE rule_id = $1 ORDER BY version"),
               {rule_id}));
  ASSIGN_OR_RETURN(std::vector<RuleRow> read, RevisionTable().ReadAll(rows));
  std::vector<RuleRevision> out;
  for (RuleRow& r : read) {
    RuleRevision revision;
    revision.change = r.change;
    ASSIGN_OR_RETURN(revision.record, FromRow(std::move(r)));
    out.push_back(std::move(revision));
  }
  return out;
}

absl::StatusOr<RulePage> PriceRuleStore::List(Transaction& tx,
                                              const RuleFilter& filter,
                                              const PageRequest& page) const {
  std::string where = "WHERE rule_id > $1";
  Params params = {page.after_key};
  auto add = [&](const char* column, storage::Value v) {
    params.push_back(std::move(v));
    absl::StrAppend(&where, " AND ", column, " = $", params.size());
  };
  if (filter.state) add("state", static_cast<int64_t>(*filter.state));
  if (filter.type) add("rule_type", static_cast<int64_t>(*filter.type));
  if (filter.dealer_scope) {
    add("dealer_scope_kind", static_cast<int64_t>(filter.dealer_scope->kind));
    if (filter.dealer_scope->kind == DealerScopeKind::kChannelLevel) {
      add("dealer_scope_level",
          static_cast<int64_t>(filter.dealer_scope->channel_level));
    } else if (filter.dealer_scope->kind != DealerScopeKind::kAllDealers) {
      add("dealer_scope_code", filter.dealer_scope->code);
    }
  }
  if (filter.product_scope) {
    add("product_scope_kind", static_cast<int64_t>(filter.product_scope->kind));
    if (filter.product_scope->kind != ProductScopeKind::kAllProducts) {
      add("product_scope_code", filter.product_scope->code);
    }
  }
  params.push_back(static_cast<int64_t>(page.limit + 1));
  absl::StrAppend(&where, " ORDER BY rule_id LIMIT $", params.size());
  ASSIGN_OR_RETURN(auto rows, tx.Query(Rules().Select(where), params));
  RulePage result;
  ASSIGN_OR_RETURN(result.rules, ReadRules(rows));
  result.next_page_token =
      TrimToPage(result.rules, page, filter.Canonical(),
                 [](const RuleRecord& r) { return r.rule.rule_id; });
  return result;
}

absl::StatusOr<std::vector<RuleRecord>> PriceRuleStore::ActiveOn(
    Transaction& tx, absl::CivilDay day, int margin_days) const {
  // valid_from <= day + margin, valid_until > day - margin (exclusive end).
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(Rules().Select("WHERE state = $1 AND valid_from <= $2 AND "
                              "(valid_until IS NULL OR valid_until > $3) "
                              "ORDER BY rule_id"),
               {static_cast<int64_t>(RuleState::kActive),
                DayNumber(day + margin_days), DayNumber(day - margin_days)}));
  return ReadRules(rows);
}

}  // namespace qudao::pricing
