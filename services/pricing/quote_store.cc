// QuoteStore SQL; see quote_store.h.
#include "services/pricing/quote_store.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/storage/migrations.h"
#include "common/storage/table_mapping.h"
#include "services/pricing/day_columns.h"

namespace qudao::pricing {
namespace {

using storage::Params;
using storage::Row;
using storage::Transaction;

// Amounts are minor units in the quote's currency (the currency column of
// each table). The explanation is the serialized waterfall, stored as
// base64 text so both backends keep arbitrary bytes. A quote's lines are
// never updated or deleted. $0 collates ids "C" on PostgreSQL so keyset
// order matches SQLite's bytewise order.
constexpr char kSchema[] = R"sql(
CREATE TABLE quotes (
  quote_id                TEXT $0NOT NULL PRIMARY KEY,
  dealer_id               TEXT $0NOT NULL,
  currency                TEXT NOT NULL,
  destination_province    TEXT NOT NULL,
  destination_city        TEXT NOT NULL,
  net_days                BIGINT NOT NULL,
  discount_basis_points   BIGINT NOT NULL,
  discount_days           BIGINT NOT NULL,
  quote_day               BIGINT NOT NULL,
  create_time             BIGINT NOT NULL,
  expire_time             BIGINT NOT NULL CHECK (expire_time > create_time),
  created_by              TEXT NOT NULL,
  line_count              BIGINT NOT NULL CHECK (line_count BETWEEN 1 AND 500),
  goods_total_minor       BIGINT NOT NULL,
  freight_minor           BIGINT NOT NULL,
  zone_adjustment_minor   BIGINT NOT NULL,
  vat_basis_points        BIGINT NOT NULL,
  vat_minor               BIGINT NOT NULL,
  total_minor             BIGINT NOT NULL,
  rebate_total_minor      BIGINT NOT NULL,
  explanation             TEXT NOT NULL
);
CREATE INDEX quotes_by_dealer ON quotes (dealer_id, quote_id);
CREATE TABLE quote_lines (
  quote_id              TEXT $0NOT NULL REFERENCES quotes (quote_id),
  line_index            BIGINT NOT NULL CHECK (line_index >= 0),
  currency              TEXT NOT NULL,
  sku                   TEXT $0NOT NULL,
  product_group         TEXT NOT NULL,
  quantity              BIGINT NOT NULL CHECK (quantity > 0),
  list_price_minor      BIGINT NOT NULL,
  list_version          BIGINT NOT NULL,
  net_amount_minor      BIGINT NOT NULL,
  net_unit_price_minor  BIGINT NOT NULL,
  standard_cost_minor   BIGINT,
  cost_version          BIGINT NOT NULL,
  rebate_rule_id        TEXT NOT NULL,
  rebate_accrual_minor  BIGINT NOT NULL,
  PRIMARY KEY (quote_id, line_index)
);
)sql";

// The header row. The line count is written from the lines; reads leave
// `lines` empty.
struct QuoteRow {
  Quote quote;
  int64_t line_count = 0;
  std::string explanation_base64;
};

const storage::TableMapping<QuoteRow>& Quotes() {
  namespace s = storage;
  using R = QuoteRow;
  static const auto* table = new s::TableMapping<R>(
      "quotes",
      {s::Text<R>(
           "quote_id", [](auto& r) -> auto& { return r.quote.quote_id; })
           .InsertOnly(),
       s::Text<R>(
           "dealer_id", [](auto& r) -> auto& { return r.quote.dealer_id; }),
       s::Text<R>(
           "currency", [](auto& r) -> auto& { return r.quote.currency; }),
       s::Text<R>(
           "destination_province",
           [](auto& r) -> auto& { return r.quote.destination_province; }),
       s::Text<R>(
           "destination_city",
           [](auto& r) -> auto& { return r.quote.destination_city; }),
       s::Int<R>(
           "net_days",
           [](auto& r) -> auto& { return r.quote.payment_term.net_days; }),
       s::Int<R>(
           "discount_basis_points", [](auto& r) -> auto& {
             return r.quote.payment_term.discount_basis_points;
           }),
       s::Int<R>(
           "discount_days",
           [](auto& r) -> auto& { return r.quote.payment_term.discount_days; }),
       Day<R>(
           "quote_day", [](auto& r) -> auto& { return r.quote.quote_day; }),
       s::Time<R>(
           "create_time", [](auto& r) -> auto& { return r.quote.create_time; }),
       s::Time<R>(
           "expire_time", [](auto& r) -> auto& { return r.quote.expire_time; }),
       s::Text<R>(
           "created_by", [](auto& r) -> auto& { return r.quote.created_by; }),
       s::Int<R>("line_count", &R::line_count),
       s::MinorUnitsIn<R>(
           "goods_total_minor", "currency",
           [](auto& r) -> auto& { return r.quote.goods_total; }),
       s::MinorUnitsIn<R>(
           "freight_minor", "currency",
           [](auto& r) -> auto& { return r.quote.freight; }),
       s::MinorUnitsIn<R>(
           "zone_adjustment_minor", "currency",
           [](auto& r) -> auto& { return r.quote.zone_adjustment; }),
       s::Int<R>(
           "vat_basis_points",
           [](auto& r) -> auto& { return r.quote.vat_basis_points; }),
       s::MinorUnitsIn<R>(
           "vat_minor", "currency",
           [](auto& r) -> auto& { return r.quote.vat; }),
       s::MinorUnitsIn<R>(
           "total_minor", "currency",
           [](auto& r) -> auto& { return r.quote.total; }),
       s::MinorUnitsIn<R>(
           "rebate_total_minor", "currency",
           [](auto& r) -> auto& { return r.quote.rebate_total; }),
       s::Text<R>("explanation", &R::explanation_base64)});
  return *table;
}

struct QuoteLineRow {
  std::string quote_id;
  std::string currency;
  QuoteLine line;
};

const storage::TableMapping<QuoteLineRow>& Lines() {
  namespace s = storage;
  using R = QuoteLineRow;
  static const auto* table = new s::TableMapping<R>(
      "quote_lines",
      {s::Text<R>("quote_id", &R::quote_id),
       s::Int<R>(
           "line_index", [](auto& r) -> auto& { return r.line.line; }),
       s::Text<R>("currency", &R::currency),
       s::Text<R>(
           "sku", [](auto& r) -> auto& { return r.line.sku; }),
       s::Text<R>(
           "product_group",
           [](auto& r) -> auto& { return r.line.product_group; }),
       s::Int<R>(
           "quantity", [](auto& r) -> auto& { return r.line.quantity; }),
       s::MinorUnitsIn<R>(
           "list_price_minor", "currency",
           [](auto& r) -> auto& { return r.line.list_price; }),
       s::Int<R>(
           "list_version",
           [](auto& r) -> auto& { return r.line.list_version; }),
       s::MinorUnitsIn<R>(
           "net_amount_minor", "currency",
           [](auto& r) -> auto& { return r.line.net_amount; }),
       s::MinorUnitsIn<R>(
           "net_unit_price_minor", "currency",
           [](auto& r) -> auto& { return r.line.net_unit_price; }),
       s::OptionalMinorUnitsIn<R>(
           "standard_cost_minor", "currency",
           [](auto& r) -> auto& { return r.line.standard_cost; }),
       s::Int<R>(
           "cost_version",
           [](auto& r) -> auto& { return r.line.cost_version; }),
       s::Text<R>(
           "rebate_rule_id",
           [](auto& r) -> auto& { return r.line.rebate_rule_id; }),
       s::MinorUnitsIn<R>(
           "rebate_accrual_minor", "currency",
           [](auto& r) -> auto& { return r.line.rebate_accrual; })});
  return *table;
}

absl::StatusOr<Quote> ReadHeader(const Row& row) {
  ASSIGN_OR_RETURN(QuoteRow r, Quotes().Read(row));
  if (!absl::Base64Unescape(r.explanation_base64, &r.quote.explanation)) {
    return absl::DataLossError(absl::StrCat(
        "quote ", r.quote.quote_id, ": stored explanation is not base64"));
  }
  return std::move(r.quote);
}

}  // namespace

std::string QuoteListFilter(const std::string& dealer_id) {
  return absl::StrCat("quotes;dealer_id=", dealer_id);
}

std::string QuoteStore::Schema(storage::Backend backend) {
  return absl::StrCat(
      absl::Substitute(kSchema, backend == storage::Backend::kPostgres
                                    ? "COLLATE \"C\" "
                                    : ""),
      storage::AppendOnlyGuard(backend, "quote_lines"),
      storage::TruncateGuard(backend, "quote_lines"));
}

absl::Status QuoteStore::Insert(Transaction& tx, const Quote& quote) const {
  RETURN_IF_ERROR(CheckQuoteInvariants(quote));
  ASSIGN_OR_RETURN(
      auto existing,
      tx.Query("SELECT 1 FROM quotes WHERE quote_id = $1", {quote.quote_id}));
  if (!existing.empty()) {
    return absl::AlreadyExistsError(
        absl::StrCat("quote ", quote.quote_id, " already exists"));
  }
  QuoteRow header;
  header.quote = quote;
  header.quote.lines.clear();
  header.line_count = static_cast<int64_t>(quote.lines.size());
  header.explanation_base64 = absl::Base64Escape(quote.explanation);
  RETURN_IF_ERROR(Quotes().Insert(tx, header));
  for (const QuoteLine& line : quote.lines) {
    RETURN_IF_ERROR(
        Lines().Insert(tx, QuoteLineRow{quote.quote_id, quote.currency, line}));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Quote>> QuoteStore::Find(
    Transaction& tx, const std::string& quote_id) const {
  ASSIGN_OR_RETURN(
      auto rows, tx.Query(Quotes().Select("WHERE quote_id = $1"), {quote_id}));
  if (rows.empty()) return std::optional<Quote>();
  ASSIGN_OR_RETURN(Quote quote, ReadHeader(rows.front()));
  ASSIGN_OR_RETURN(
      auto line_rows,
      tx.Query(Lines().Select("WHERE quote_id = $1 ORDER BY line_index"),
               {quote_id}));
  ASSIGN_OR_RETURN(std::vector<QuoteLineRow> lines, Lines().ReadAll(line_rows));
  for (QuoteLineRow& l : lines) quote.lines.push_back(std::move(l.line));
  return std::optional<Quote>(std::move(quote));
}

absl::StatusOr<QuotePage> QuoteStore::ListForDealer(
    Transaction& tx, const std::string& dealer_id,
    const PageRequest& page) const {
  std::string where = "WHERE dealer_id = $1";
  Params params = {dealer_id};
  if (!page.after_key.empty()) {
    params.push_back(page.after_key);
    absl::StrAppend(&where, " AND quote_id < $", params.size());
  }
  params.push_back(static_cast<int64_t>(page.limit + 1));
  absl::StrAppend(&where, " ORDER BY quote_id DESC LIMIT $", params.size());
  ASSIGN_OR_RETURN(auto rows, tx.Query(Quotes().Select(where), params));
  QuotePage result;
  for (const Row& row : rows) {
    ASSIGN_OR_RETURN(Quote quote, ReadHeader(row));
    quote.explanation.clear();
    result.quotes.push_back(std::move(quote));
  }
  result.next_page_token =
      TrimToPage(result.quotes, page, QuoteListFilter(dealer_id),
                 [](const Quote& q) { return q.quote_id; });
  return result;
}

}  // namespace qudao::pricing
