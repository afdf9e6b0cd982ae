// OrderStore SQL; see order_store.h.
#include "services/pricing/order_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/substitute.h"
#include "common/status/macros.h"
#include "common/status/status.h"

namespace qudao::pricing {
namespace {

using storage::Params;
using storage::Row;
using storage::Transaction;

// Money is minor units in the order's currency. Line lists of shipments
// and returns are "line:quantity;…" (written and read only here). $0 is
// the collation of id columns (keyset order): COLLATE "C" on PostgreSQL.
constexpr char kSchema[] = R"sql(
CREATE TABLE orders (
  order_id          TEXT $0NOT NULL PRIMARY KEY,
  quote_id          TEXT NOT NULL,
  dealer_id         TEXT NOT NULL,
  currency          TEXT NOT NULL,
  state             TEXT NOT NULL,
  goods_total_minor BIGINT NOT NULL,
  freight_minor     BIGINT NOT NULL,
  vat_basis_points  BIGINT NOT NULL,
  vat_minor         BIGINT NOT NULL,
  total_minor       BIGINT NOT NULL,
  net_days          BIGINT NOT NULL,
  discount_bp       BIGINT NOT NULL,
  discount_days     BIGINT NOT NULL,
  reservation_id    TEXT NOT NULL,
  credit_reasons    TEXT NOT NULL,
  cancel_reason     TEXT NOT NULL,
  release_pending   BIGINT NOT NULL,
  reprice_quote_id  TEXT NOT NULL,
  reprice_count     BIGINT NOT NULL,
  placed_by         TEXT NOT NULL,
  create_time       BIGINT NOT NULL,
  update_time       BIGINT NOT NULL,
  version           BIGINT NOT NULL
);
CREATE INDEX orders_by_dealer ON orders (dealer_id, order_id);
CREATE INDEX orders_by_dealer_state ON orders (dealer_id, state, order_id);
CREATE INDEX orders_by_state ON orders (state, update_time);
CREATE INDEX orders_by_reservation ON orders (reservation_id);
CREATE TABLE order_lines (
  order_id             TEXT NOT NULL REFERENCES orders (order_id),
  line                 BIGINT NOT NULL,
  sku                  TEXT NOT NULL,
  product_group        TEXT NOT NULL,
  quantity             BIGINT NOT NULL CHECK (quantity > 0),
  net_unit_price_minor BIGINT NOT NULL,
  net_amount_minor     BIGINT NOT NULL,
  unit_cost_minor      BIGINT NOT NULL,
  rebate_rule_id       TEXT NOT NULL,
  rebate_accrual_minor BIGINT NOT NULL,
  shipped              BIGINT NOT NULL,
  returned             BIGINT NOT NULL,
  cancelled            BIGINT NOT NULL,
  PRIMARY KEY (order_id, line),
  CHECK (shipped + cancelled <= quantity AND returned <= shipped)
);
CREATE TABLE order_shipments (
  order_id            TEXT NOT NULL REFERENCES orders (order_id),
  shipment_number     BIGINT NOT NULL,
  lines               TEXT NOT NULL,
  invoice_id          TEXT NOT NULL,
  invoice_total_minor BIGINT,
  shipped_by          TEXT NOT NULL,
  ship_time           BIGINT NOT NULL,
  PRIMARY KEY (order_id, shipment_number)
);
CREATE TABLE order_returns (
  order_id         TEXT NOT NULL REFERENCES orders (order_id),
  return_number    BIGINT NOT NULL,
  lines            TEXT NOT NULL,
  net_amount_minor BIGINT NOT NULL,
  reason           TEXT NOT NULL,
  returned_by      TEXT NOT NULL,
  return_time      BIGINT NOT NULL,
  PRIMARY KEY (order_id, return_number)
);
CREATE TABLE order_return_parts (
  order_id        TEXT NOT NULL,
  return_number   BIGINT NOT NULL,
  shipment_number BIGINT NOT NULL,
  lines           TEXT NOT NULL,
  credit_note_id  TEXT NOT NULL,
  PRIMARY KEY (order_id, return_number, shipment_number),
  FOREIGN KEY (order_id, return_number) REFERENCES order_returns
);
CREATE TABLE order_rebate_accruals (
  order_id        TEXT NOT NULL REFERENCES orders (order_id),
  shipment_number BIGINT NOT NULL,
  line            BIGINT NOT NULL,
  dealer_id       TEXT NOT NULL,
  rule_id         TEXT NOT NULL,
  currency        TEXT NOT NULL,
  amount_minor    BIGINT NOT NULL,
  period          TEXT NOT NULL,
  PRIMARY KEY (order_id, shipment_number, line)
);
CREATE INDEX order_rebate_accruals_by_period
  ON order_rebate_accruals (period, dealer_id, rule_id);
CREATE TABLE rebate_settlements (
  dealer_id      TEXT NOT NULL,
  rule_id        TEXT NOT NULL,
  period         TEXT NOT NULL,
  currency       TEXT NOT NULL,
  amount_minor   BIGINT NOT NULL,
  credit_note_id TEXT NOT NULL,
  settle_time    BIGINT NOT NULL,
  PRIMARY KEY (dealer_id, rule_id, period)
);
)sql";

std::string EncodeLines(const std::vector<LineQuantity>& lines) {
  return absl::StrJoin(lines, ";", [](std::string* out, const LineQuantity& q) {
    absl::StrAppend(out, q.line, ":", q.quantity);
  });
}

absl::StatusOr<std::vector<LineQuantity>> DecodeLines(const std::string& text) {
  std::vector<LineQuantity> out;
  if (text.empty()) return out;
  for (absl::string_view part : absl::StrSplit(text, ';')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(part, ':');
    LineQuantity q;
    if (!absl::SimpleAtoi(kv.first, &q.line) ||
        !absl::SimpleAtoi(kv.second, &q.quantity)) {
      return absl::DataLossError(absl::StrCat("bad stored line list: ", text));
    }
    out.push_back(q);
  }
  return out;
}

std::string EncodeReasons(const std::vector<CreditReason>& reasons) {
  return absl::StrJoin(
      reasons, "\n", [](std::string* out, const CreditReason& r) {
        absl::StrAppend(out, r.issue, "|",
                        absl::StrReplaceAll(r.detail, {{"\n", " "}}));
      });
}

std::vector<CreditReason> DecodeReasons(const std::string& text) {
  std::vector<CreditReason> out;
  if (text.empty()) return out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(line, absl::MaxSplits('|', 1));
    out.push_back({kv.first, kv.second});
  }
  return out;
}

absl::StatusOr<Money> Minor(const std::string& currency, int64_t minor) {
  return Money::Create(currency, minor);
}

Params HeaderParams(const Order& o) {
  return {o.order_id,
          o.quote_id,
          o.dealer_id,
          o.currency,
          std::string(OrderStateName(o.state)),
          o.goods_total.minor_units(),
          o.freight.minor_units(),
          o.vat_basis_points,
          o.vat.minor_units(),
          o.total.minor_units(),
          o.payment_term.net_days,
          o.payment_term.discount_basis_points,
          o.payment_term.discount_days,
          o.reservation_id,
          EncodeReasons(o.credit_reasons),
          o.cancel_reason,
          o.release_pending,
          o.reprice_quote_id,
          o.reprice_count,
          o.placed_by,
          storage::ToStoredTime(o.create_time),
          storage::ToStoredTime(o.update_time),
          o.version,
          static_cast<int64_t>(HasUnfinishedStep(o) ? 1 : 0)};
}

constexpr char kHeaderColumns[] =
    "order_id, quote_id, dealer_id, currency, state, goods_total_minor, "
    "freight_minor, vat_basis_points, vat_minor, total_minor, net_days, "
    "discount_bp, discount_days, reservation_id, credit_reasons, "
    "cancel_reason, release_pending, reprice_quote_id, reprice_count, "
    "placed_by, create_time, update_time, version, unfinished";

absl::StatusOr<Order> ReadHeader(const Row& row) {
  Order o;
  o.order_id = row.Text("order_id");
  o.quote_id = row.Text("quote_id");
  o.dealer_id = row.Text("dealer_id");
  o.currency = row.Text("currency");
  std::optional<OrderState> state = OrderStateFromName(row.Text("state"));
  if (!state.has_value()) {
    return absl::DataLossError(
        absl::StrCat("order ", o.order_id, " has an unknown state"));
  }
  o.state = *state;
  ASSIGN_OR_RETURN(o.goods_total,
                   Minor(o.currency, row.Int("goods_total_minor")));
  ASSIGN_OR_RETURN(o.freight, Minor(o.currency, row.Int("freight_minor")));
  o.vat_basis_points = row.Int("vat_basis_points");
  ASSIGN_OR_RETURN(o.vat, Minor(o.currency, row.Int("vat_minor")));
  ASSIGN_OR_RETURN(o.total, Minor(o.currency, row.Int("total_minor")));
  o.payment_term.net_days = static_cast<int>(row.Int("net_days"));
  o.payment_term.discount_basis_points =
      static_cast<int>(row.Int("discount_bp"));
  o.payment_term.discount_days = static_cast<int>(row.Int("discount_days"));
  o.reservation_id = row.Text("reservation_id");
  o.credit_reasons = DecodeReasons(row.Text("credit_reasons"));
  o.cancel_reason = row.Text("cancel_reason");
  o.release_pending = row.Int("release_pending") != 0;
  o.reprice_quote_id = row.Text("reprice_quote_id");
  o.reprice_count = static_cast<int>(row.Int("reprice_count"));
  o.placed_by = row.Text("placed_by");
  o.create_time = storage::FromStoredTime(row.Int("create_time"));
  o.update_time = storage::FromStoredTime(row.Int("update_time"));
  o.version = row.Int("version");
  o.step_attempts = static_cast<int>(row.Int("step_attempts"));
  o.step_failures = static_cast<int>(row.Int("step_failures"));
  o.last_step_error = row.Text("last_step_error");
  o.next_attempt_time = storage::FromStoredTime(row.Int("next_attempt_time"));
  return o;
}

// Lines, shipments and returns of `o` (its header read).
absl::Status ReadChildren(Transaction& tx, Order& o) {
  ASSIGN_OR_RETURN(auto lines,
                   tx.Query("SELECT * FROM order_lines WHERE order_id = $1 "
                            "ORDER BY line",
                            {o.order_id}));
  for (const Row& r : lines) {
    OrderLine l;
    l.line = static_cast<int>(r.Int("line"));
    l.sku = r.Text("sku");
    l.product_group = r.Text("product_group");
    l.quantity = r.Int("quantity");
    ASSIGN_OR_RETURN(l.net_unit_price,
                     Minor(o.currency, r.Int("net_unit_price_minor")));
    ASSIGN_OR_RETURN(l.net_amount,
                     Minor(o.currency, r.Int("net_amount_minor")));
    ASSIGN_OR_RETURN(l.unit_cost, Minor(o.currency, r.Int("unit_cost_minor")));
    l.rebate_rule_id = r.Text("rebate_rule_id");
    ASSIGN_OR_RETURN(l.rebate_accrual,
                     Minor(o.currency, r.Int("rebate_accrual_minor")));
    l.shipped = r.Int("shipped");
    l.returned = r.Int("returned");
    l.cancelled = r.Int("cancelled");
    o.lines.push_back(std::move(l));
  }
  ASSIGN_OR_RETURN(auto shipments,
                   tx.Query("SELECT * FROM order_shipments WHERE order_id = $1 "
                            "ORDER BY shipment_number",
                            {o.order_id}));
  for (const Row& r : shipments) {
    Shipment s;
    s.number = static_cast<int>(r.Int("shipment_number"));
    ASSIGN_OR_RETURN(s.lines, DecodeLines(r.Text("lines")));
    s.invoice_id = r.Text("invoice_id");
    if (!r.IsNull("invoice_total_minor")) {
      ASSIGN_OR_RETURN(s.invoice_total,
                       Minor(o.currency, r.Int("invoice_total_minor")));
    }
    s.shipped_by = r.Text("shipped_by");
    s.ship_time = storage::FromStoredTime(r.Int("ship_time"));
    o.shipments.push_back(std::move(s));
  }
  ASSIGN_OR_RETURN(auto returns,
                   tx.Query("SELECT * FROM order_returns WHERE order_id = $1 "
                            "ORDER BY return_number",
                            {o.order_id}));
  ASSIGN_OR_RETURN(
      auto parts,
      tx.Query("SELECT * FROM order_return_parts WHERE order_id = $1 "
               "ORDER BY return_number, shipment_number",
               {o.order_id}));
  for (const Row& r : returns) {
    OrderReturn ret;
    ret.number = static_cast<int>(r.Int("return_number"));
    ASSIGN_OR_RETURN(ret.lines, DecodeLines(r.Text("lines")));
    ASSIGN_OR_RETURN(ret.net_amount,
                     Minor(o.currency, r.Int("net_amount_minor")));
    ret.reason = r.Text("reason");
    ret.returned_by = r.Text("returned_by");
    ret.return_time = storage::FromStoredTime(r.Int("return_time"));
    for (const Row& p : parts) {
      if (p.Int("return_number") != ret.number) continue;
      ReturnPart part;
      part.shipment = static_cast<int>(p.Int("shipment_number"));
      ASSIGN_OR_RETURN(part.lines, DecodeLines(p.Text("lines")));
      part.credit_note_id = p.Text("credit_note_id");
      ret.parts.push_back(std::move(part));
    }
    o.returns.push_back(std::move(ret));
  }
  return absl::OkStatus();
}

// Writes the children of `o`, replacing what was stored.
absl::Status WriteChildren(Transaction& tx, const Order& o) {
  for (const char* table : {"order_return_parts", "order_returns",
                            "order_shipments", "order_lines"}) {
    RETURN_IF_ERROR(
        tx.Execute(absl::StrCat("DELETE FROM ", table, " WHERE order_id = $1"),
                   {o.order_id})
            .status());
  }
  for (const OrderLine& l : o.lines) {
    RETURN_IF_ERROR(
        tx.Execute(
              "INSERT INTO order_lines (order_id, line, sku, product_group, "
              "quantity, net_unit_price_minor, net_amount_minor, "
              "unit_cost_minor, rebate_rule_id, rebate_accrual_minor, "
              "shipped, returned, cancelled) VALUES ($1, $2, $3, $4, $5, $6, "
              "$7, $8, $9, $10, $11, $12, $13)",
              {o.order_id, l.line, l.sku, l.product_group, l.quantity,
               l.net_unit_price.minor_units(), l.net_amount.minor_units(),
               l.unit_cost.minor_units(), l.rebate_rule_id,
               l.rebate_accrual.minor_units(), l.shipped, l.returned,
               l.cancelled})
            .status());
  }
  for (const Shipment& s : o.shipments) {
    std::optional<int64_t> total;
    if (s.invoice_total.has_value()) total = s.invoice_total->minor_units();
    RETURN_IF_ERROR(
        tx.Execute("INSERT INTO order_shipments (order_id, shipment_number, "
                   "lines, invoice_id, invoice_total_minor, shipped_by, "
                   "ship_time) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   {o.order_id, s.number, EncodeLines(s.lines), s.invoice_id,
                    total, s.shipped_by, storage::ToStoredTime(s.ship_time)})
            .status());
  }
  for (const OrderReturn& r : o.returns) {
    RETURN_IF_ERROR(
        tx.Execute("INSERT INTO order_returns (order_id, return_number, "
                   "lines, net_amount_minor, reason, returned_by, "
                   "return_time) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   {o.order_id, r.number, EncodeLines(r.lines),
                    r.net_amount.minor_units(), r.reason, r.returned_by,
                    storage::ToStoredTime(r.return_time)})
            .status());
    for (const ReturnPart& p : r.parts) {
      RETURN_IF_ERROR(
          tx.Execute("INSERT INTO order_return_parts (order_id, "
                     "return_number, shipment_number, lines, credit_note_id) "
                     "VALUES ($1, $2, $3, $4, $5)",
                     {o.order_id, r.number, p.shipment, EncodeLines(p.lines),
                      p.credit_note_id})
              .status());
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string OrderListFilter(const std::string& dealer_id,
                            std::optional<OrderState> state) {
  return absl::StrCat("orders;dealer=", dealer_id, ";state=",
                      state.has_value() ? OrderStateName(*state) : "");
}

// Pricing migration 5: what returns claw back of accrued rebates; the
// reconciler's attempts at an order's unconfirmed step (backoff); rebate
// settlements kept per currency too (a dealer may earn under one rule in
// two currencies).
constexpr char kClawbackSchema[] = R"sql(
CREATE TABLE order_rebate_clawbacks (
  order_id        TEXT NOT NULL REFERENCES orders (order_id),
  return_number   BIGINT NOT NULL,
  shipment_number BIGINT NOT NULL,
  line            BIGINT NOT NULL,
  dealer_id       TEXT NOT NULL,
  rule_id         TEXT NOT NULL,
  currency        TEXT NOT NULL,
  amount_minor    BIGINT NOT NULL CHECK (amount_minor <= 0),
  period          TEXT NOT NULL,
  PRIMARY KEY (order_id, return_number, shipment_number, line)
);
CREATE INDEX order_rebate_clawbacks_by_period
  ON order_rebate_clawbacks (period, dealer_id, rule_id);
ALTER TABLE orders ADD COLUMN step_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN step_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN last_step_error TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN next_attempt_time BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN unfinished BIGINT NOT NULL DEFAULT 0;
UPDATE orders SET unfinished = 1 WHERE state IN ('PENDING', 'HELD') OR
  release_pending <> 0 OR reprice_quote_id <> '' OR
  EXISTS (SELECT 1 FROM order_shipments s WHERE s.order_id =
          orders.order_id AND s.invoice_id = '') OR
  EXISTS (SELECT 1 FROM order_return_parts p WHERE p.order_id =
          orders.order_id AND p.credit_note_id = '');
CREATE INDEX orders_unfinished_by_next_attempt
  ON orders (unfinished, next_attempt_time);
CREATE TABLE rebate_settlements_by_currency (
  dealer_id      TEXT NOT NULL,
  rule_id        TEXT NOT NULL,
  period         TEXT NOT NULL,
  currency       TEXT NOT NULL,
  amount_minor   BIGINT NOT NULL CHECK (amount_minor > 0),
  credit_note_id TEXT NOT NULL,
  settle_time    BIGINT NOT NULL,
  PRIMARY KEY (dealer_id, rule_id, period, currency)
);
INSERT INTO rebate_settlements_by_currency SELECT dealer_id, rule_id, period,
  currency, amount_minor, credit_note_id, settle_time FROM rebate_settlements;
DROP TABLE rebate_settlements;
ALTER TABLE rebate_settlements_by_currency RENAME TO rebate_settlements;
CREATE INDEX rebate_settlements_unissued
  ON rebate_settlements (credit_note_id, period);
)sql";

std::string OrderStore::ClawbackSchema(storage::Backend) {
  return kClawbackSchema;
}

std::string OrderStore::Schema(storage::Backend backend) {
  return absl::Substitute(
      kSchema, backend == storage::Backend::kPostgres ? "COLLATE \"C\" " : "");
}

absl::Status OrderStore::Insert(Transaction& tx, const Order& order) const {
  std::vector<std::string> placeholders;
  for (int i = 1; i <= 24; ++i) placeholders.push_back(absl::StrCat("$", i));
  absl::Status s =
      tx.Execute(
            absl::StrCat("INSERT INTO orders (", kHeaderColumns, ") VALUES (",
                         absl::StrJoin(placeholders, ", "), ")"),
            HeaderParams(order))
          .status();
  if (absl::IsAlreadyExists(s)) {
    return absl::AlreadyExistsError(
        absl::StrCat("order ", order.order_id, " exists"));
  }
  RETURN_IF_ERROR(s);
  return WriteChildren(tx, order);
}

absl::StatusOr<std::optional<Order>> OrderStore::Find(
    Transaction& tx, const std::string& order_id) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT * FROM orders WHERE order_id = $1", {order_id}));
  if (rows.empty()) return std::optional<Order>();
  ASSIGN_OR_RETURN(Order o, ReadHeader(rows.front()));
  RETURN_IF_ERROR(ReadChildren(tx, o));
  return std::optional<Order>(std::move(o));
}

absl::Status OrderStore::Update(Transaction& tx, Order& order) const {
  Params params = HeaderParams(order);
  // $23 is the version read; the row gets $23 + 1.
  ASSIGN_OR_RETURN(
      const int64_t changed,
      tx.Execute(
          "UPDATE orders SET quote_id = $2, dealer_id = $3, currency = $4, "
          "state = $5, goods_total_minor = $6, freight_minor = $7, "
          "vat_basis_points = $8, vat_minor = $9, total_minor = $10, "
          "net_days = $11, discount_bp = $12, discount_days = $13, "
          "reservation_id = $14, credit_reasons = $15, cancel_reason = $16, "
          "release_pending = $17, reprice_quote_id = $18, "
          "reprice_count = $19, placed_by = $20, create_time = $21, "
          "update_time = $22, version = $23 + 1, step_attempts = 0, "
          "step_failures = 0, last_step_error = '', next_attempt_time = 0, "
          "unfinished = $24 "
          "WHERE order_id = $1 AND version = $23",
          params));
  if (changed == 0) {
    return storage::RetryableConflict(
        absl::StrCat("order ", order.order_id, " changed meanwhile"));
  }
  ++order.version;
  return WriteChildren(tx, order);
}

absl::StatusOr<OrderPage> OrderStore::List(Transaction& tx,
                                           const std::string& dealer_id,
                                           std::optional<OrderState> state,
                                           const PageRequest& page) const {
  std::string where = "WHERE dealer_id = $1";
  Params params = {dealer_id};
  if (state.has_value()) {
    params.push_back(std::string(OrderStateName(*state)));
    absl::StrAppend(&where, " AND state = $", params.size());
  }
  if (!page.after_key.empty()) {
    params.push_back(page.after_key);
    absl::StrAppend(&where, " AND order_id < $", params.size());
  }
  params.push_back(static_cast<int64_t>(page.limit + 1));
  absl::StrAppend(&where, " ORDER BY order_id DESC LIMIT $", params.size());
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT * FROM orders ", where), params));
  OrderPage result;
  for (const Row& row : rows) {
    ASSIGN_OR_RETURN(Order o, ReadHeader(row));
    RETURN_IF_ERROR(ReadChildren(tx, o));
    result.orders.push_back(std::move(o));
  }
  result.next_page_token =
      TrimToPage(result.orders, page, OrderListFilter(dealer_id, state),
                 [](const Order& o) { return o.order_id; });
  return result;
}

absl::StatusOr<std::vector<std::string>> OrderStore::Unfinished(
    Transaction& tx, absl::Time before, absl::Time now, int limit) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT order_id FROM orders WHERE unfinished = 1 AND "
               "next_attempt_time <= $3 AND update_time < $1 "
               "ORDER BY next_attempt_time, update_time LIMIT $2",
               {storage::ToStoredTime(before), static_cast<int64_t>(limit),
                storage::ToStoredTime(now)}));
  std::vector<std::string> out;
  for (const Row& r : rows) out.push_back(r.Text(0));
  return out;
}

absl::Status OrderStore::RecordAttempt(Transaction& tx, const Order& order,
                                       int attempts, int failures,
                                       const std::string& error,
                                       absl::Time next_attempt) const {
  return tx
      .Execute(
          "UPDATE orders SET step_attempts = $3, step_failures = $4, "
          "last_step_error = $5, next_attempt_time = $6 WHERE order_id = $1 "
          "AND version = $2",
          {order.order_id, order.version, static_cast<int64_t>(attempts),
           static_cast<int64_t>(failures), error,
           storage::ToStoredTime(next_attempt)})
      .status();
}

absl::StatusOr<std::optional<std::string>> OrderStore::FindByReservation(
    Transaction& tx, const std::string& reservation_id) const {
  ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT order_id FROM orders WHERE "
                                       "reservation_id = $1",
                                       {reservation_id}));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows.front().Text(0));
}

absl::Status OrderStore::InsertAccrual(Transaction& tx,
                                       const StoredAccrual& a) const {
  if (a.return_number > 0) {
    return tx
        .Execute(
            "INSERT INTO order_rebate_clawbacks (order_id, return_number, "
            "shipment_number, line, dealer_id, rule_id, currency, "
            "amount_minor, period) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
            "$9) ON CONFLICT (order_id, return_number, shipment_number, line) "
            "DO NOTHING",
            {a.order_id, a.return_number, a.shipment, a.line, a.dealer_id,
             a.rule_id, a.amount.currency(), a.amount.minor_units(), a.period})
        .status();
  }
  return tx
      .Execute(
          "INSERT INTO order_rebate_accruals (order_id, shipment_number, "
          "line, dealer_id, rule_id, currency, amount_minor, period) VALUES "
          "($1, $2, $3, $4, $5, $6, $7, $8) "
          "ON CONFLICT (order_id, shipment_number, line) DO NOTHING",
          {a.order_id, a.shipment, a.line, a.dealer_id, a.rule_id,
           a.amount.currency(), a.amount.minor_units(), a.period})
      .status();
}

absl::StatusOr<std::vector<RebateTotal>> OrderStore::RebateTotals(
    Transaction& tx, const std::string& period) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT dealer_id, rule_id, currency, SUM(amount_minor) AS "
               "amount FROM (SELECT dealer_id, rule_id, currency, "
               "amount_minor FROM order_rebate_accruals WHERE period <= $1 "
               "UNION ALL SELECT dealer_id, rule_id, currency, amount_minor "
               "FROM order_rebate_clawbacks WHERE period <= $1 "
               "UNION ALL SELECT dealer_id, rule_id, currency, -amount_minor "
               "FROM rebate_settlements WHERE period <= $1) AS owed "
               "GROUP BY dealer_id, rule_id, currency "
               "ORDER BY dealer_id, rule_id, currency",
               {period}));
  std::vector<RebateTotal> out;
  for (const Row& r : rows) {
    ASSIGN_OR_RETURN(Money amount, Minor(r.Text("currency"), r.Int("amount")));
    out.push_back({r.Text("dealer_id"), r.Text("rule_id"), amount});
  }
  return out;
}

absl::StatusOr<std::optional<std::string>> OrderStore::FindSettlement(
    Transaction& tx, const RebateTotal& total,
    const std::string& period) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(
          "SELECT credit_note_id FROM rebate_settlements "
          "WHERE dealer_id = $1 AND rule_id = $2 AND period = $3 AND "
          "currency = $4",
          {total.dealer_id, total.rule_id, period, total.amount.currency()}));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows.front().Text(0));
}

absl::Status OrderStore::InsertSettlement(Transaction& tx,
                                          const RebateTotal& total,
                                          const std::string& period,
                                          const std::string& credit_note_id,
                                          absl::Time now) const {
  return tx
      .Execute(
          "INSERT INTO rebate_settlements (dealer_id, rule_id, period, "
          "currency, amount_minor, credit_note_id, settle_time) VALUES ($1, "
          "$2, $3, $4, $5, $6, $7) ON CONFLICT (dealer_id, rule_id, period, "
          "currency) DO NOTHING",
          {total.dealer_id, total.rule_id, period, total.amount.currency(),
           total.amount.minor_units(), credit_note_id,
           storage::ToStoredTime(now)})
      .status();
}

absl::StatusOr<std::vector<UnpaidSettlement>> OrderStore::UnpaidSettlements(
    Transaction& tx) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT dealer_id, rule_id, period, currency, amount_minor "
               "FROM rebate_settlements WHERE credit_note_id = '' "
               "ORDER BY period, dealer_id, rule_id, currency"));
  std::vector<UnpaidSettlement> out;
  for (const Row& r : rows) {
    ASSIGN_OR_RETURN(Money amount,
                     Minor(r.Text("currency"), r.Int("amount_minor")));
    out.push_back(
        {{r.Text("dealer_id"), r.Text("rule_id"), amount}, r.Text("period")});
  }
  return out;
}

absl::Status OrderStore::RecordSettlementNote(
    Transaction& tx, const UnpaidSettlement& settlement,
    const std::string& credit_note_id) const {
  return tx
      .Execute(
          "UPDATE rebate_settlements SET credit_note_id = $5 WHERE "
          "dealer_id = $1 AND rule_id = $2 AND period = $3 AND currency = $4 "
          "AND credit_note_id = ''",
          {settlement.total.dealer_id, settlement.total.rule_id,
           settlement.period, settlement.total.amount.currency(),
           credit_note_id})
      .status();
}

}  // namespace qudao::pricing
