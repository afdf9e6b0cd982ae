// DealerStore SQL; see dealer_store.h.
#include "services/customer_records/dealer_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/storage/idempotency.h"

namespace qudao::customer {
namespace {

using storage::Params;
using storage::Row;
using storage::Transaction;
using storage::TransactionMode;

constexpr char kSchema[] = R"sql(
CREATE TABLE dealers (
  dealer_id        TEXT NOT NULL PRIMARY KEY,
  legal_name       TEXT NOT NULL,
  province         TEXT NOT NULL,
  city             TEXT NOT NULL,
  sales_territory  TEXT NOT NULL,
  channel_level    INTEGER NOT NULL,
  parent_dealer_id TEXT REFERENCES dealers (dealer_id),
  status           INTEGER NOT NULL,
  owner            TEXT NOT NULL,
  capital_currency TEXT,
  capital_minor    BIGINT,
  brands           TEXT NOT NULL,
  business_scope   TEXT NOT NULL,
  create_time      BIGINT NOT NULL,
  update_time      BIGINT NOT NULL,
  version          BIGINT NOT NULL
);
CREATE INDEX dealers_by_status ON dealers (status, dealer_id);
CREATE INDEX dealers_by_province ON dealers (province, dealer_id);
CREATE INDEX dealers_by_parent ON dealers (parent_dealer_id);
)sql";

constexpr char kColumns[] =
    "dealer_id, legal_name, province, city, sales_territory, channel_level, "
    "parent_dealer_id, status, owner, capital_currency, capital_minor, "
    "brands, business_scope, create_time, update_time, version";

// Brands are validated free of control characters, so a newline separates
// them safely.
std::string JoinBrands(const std::vector<std::string>& brands) {
  return absl::StrJoin(brands, "\n");
}

absl::StatusOr<Dealer> FromRow(const Row& r) {
  Dealer d;
  d.id = r.Text(0);
  d.legal_name = r.Text(1);
  d.region = {r.Text(2), r.Text(3), r.Text(4)};
  d.channel_level = static_cast<ChannelLevel>(r.Int(5));
  d.parent_dealer_id = r.IsNull(6) ? "" : r.Text(6);
  d.status = static_cast<DealerStatus>(r.Int(7));
  d.owner = r.Text(8);
  if (!r.IsNull(9)) {
    auto capital = MoneyFromStorage(r.Text(9), r.Int(10));
    if (!capital.ok()) return capital.status();
    d.registered_capital = *capital;
  }
  const std::string brands = r.Text(11);
  if (!brands.empty()) d.brands = absl::StrSplit(brands, '\n');
  d.business_scope = r.Text(12);
  d.create_time = storage::FromStoredTime(r.Int(13));
  d.update_time = storage::FromStoredTime(r.Int(14));
  d.version = r.Int(15);
  return d;
}

Params ToParams(const Dealer& d) {
  Params p = {d.id,
              d.legal_name,
              d.region.province,
              d.region.city,
              d.region.sales_territory,
              static_cast<int64_t>(d.channel_level),
              d.parent_dealer_id.empty() ? storage::Value()
                                         : storage::Value(d.parent_dealer_id),
              static_cast<int64_t>(d.status),
              d.owner,
              storage::Value(),
              storage::Value(),
              JoinBrands(d.brands),
              d.business_scope,
              storage::ToStoredTime(d.create_time),
              storage::ToStoredTime(d.update_time),
              d.version};
  if (d.registered_capital.has_value()) {
    p[9] = d.registered_capital->currency();
    p[10] = d.registered_capital->minor_units();
  }
  return p;
}

absl::StatusOr<int64_t> ActiveChildrenIn(Transaction& tx,
                                         const std::string& id) {
  auto rows = tx.Query(
      "SELECT COUNT(*) FROM dealers WHERE parent_dealer_id = $1 AND status "
      "<> $2",
      {id, static_cast<int64_t>(DealerStatus::kTerminated)});
  if (!rows.ok()) return rows.status();
  return (*rows)[0].Int(0);
}

DealerLookup LookupIn(Transaction& tx);

absl::StatusOr<Dealer> GetIn(Transaction& tx, const std::string& id) {
  auto rows = tx.Query(
      absl::StrCat("SELECT ", kColumns, " FROM dealers WHERE dealer_id = $1"),
      {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return absl::NotFoundError(absl::StrCat("dealer ", id, " does not exist"));
  }
  return FromRow((*rows)[0]);
}

DealerLookup LookupIn(Transaction& tx) {
  return DealerLookup{
      [&tx](const std::string& id) { return GetIn(tx, id); },
      [&tx](const std::string& id) { return ActiveChildrenIn(tx, id); }};
}

}  // namespace

std::string DealerFilter::Canonical() const {
  return absl::StrCat("status=", status ? static_cast<int>(*status) : 0,
                      ";province=", province);
}

const std::vector<storage::Migration>& DealerStore::Migrations() {
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "create_dealers", kSchema, kSchema},
  };
  return *migrations;
}

absl::StatusOr<Dealer> DealerStore::Create(
    const Dealer& dealer, const std::string& request_id,
    const std::string& request_fingerprint,
    const std::function<absl::Status(const DealerLookup&)>& check) {
  absl::StatusOr<std::string> id = storage::RunIdempotent(
      *db_, "qudao.customer.v1.CustomerRecordsService/CreateDealer", request_id,
      request_fingerprint, storage::ToStoredTime(dealer.create_time),
      [&](Transaction& tx) -> absl::StatusOr<std::string> {
        if (absl::Status s = check(LookupIn(tx)); !s.ok()) return s;
        auto inserted = tx.Execute(
            absl::StrCat("INSERT INTO dealers (", kColumns,
                         ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                         "$11, $12, $13, $14, $15, $16)"),
            ToParams(dealer));
        if (!inserted.ok()) return inserted.status();
        return dealer.id;
      });
  if (!id.ok()) return id.status();
  return Get(*id);
}

absl::StatusOr<Dealer> DealerStore::Get(const std::string& dealer_id) {
  absl::StatusOr<Dealer> dealer;
  absl::Status s = db_->RunInTransaction(TransactionMode::kReadOnly,
                                         [&](Transaction& tx) -> absl::Status {
                                           dealer = GetIn(tx, dealer_id);
                                           return dealer.status();
                                         });
  if (!s.ok()) return s;
  return dealer;
}

absl::StatusOr<DealerPage> DealerStore::List(const DealerFilter& filter,
                                             const storage::PageRequest& page) {
  std::string sql =
      absl::StrCat("SELECT ", kColumns, " FROM dealers WHERE dealer_id > $1");
  Params params = {page.after_key};
  if (filter.status.has_value()) {
    params.push_back(static_cast<int64_t>(*filter.status));
    absl::StrAppend(&sql, " AND status = $", params.size());
  }
  if (!filter.province.empty()) {
    params.push_back(filter.province);
    absl::StrAppend(&sql, " AND province = $", params.size());
  }
  params.push_back(static_cast<int64_t>(page.limit + 1));
  absl::StrAppend(&sql, " ORDER BY dealer_id LIMIT $", params.size());

  DealerPage result;
  absl::Status s = db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        auto rows = tx.Query(sql, params);
        if (!rows.ok()) return rows.status();
        result.dealers.clear();
        for (const Row& r : *rows) {
          auto dealer = FromRow(r);
          if (!dealer.ok()) return dealer.status();
          result.dealers.push_back(*std::move(dealer));
        }
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  if (static_cast<int>(result.dealers.size()) > page.limit) {
    result.dealers.pop_back();
    result.next_page_token =
        storage::MakePageToken(result.dealers.back().id, filter.Canonical());
  }
  return result;
}

absl::StatusOr<Dealer> DealerStore::Update(
    const std::string& dealer_id, int64_t expected_version, absl::Time now,
    const std::function<absl::Status(Dealer&, const DealerLookup&)>& mutate) {
  Dealer updated;
  absl::Status s = db_->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        absl::StatusOr<Dealer> current = GetIn(tx, dealer_id);
        if (!current.ok()) return current.status();
        if (expected_version > 0 && current->version != expected_version) {
          return absl::AbortedError(absl::StrCat(
              "dealer ", dealer_id, " was changed by someone else (etag ",
              EtagOf(*current), "); read it again and reapply your change"));
        }
        updated = *current;
        if (absl::Status m = mutate(updated, LookupIn(tx)); !m.ok()) return m;
        updated.id = current->id;
        updated.create_time = current->create_time;
        updated.update_time = now;
        updated.version = current->version + 1;
        // ToParams order: $1 id ... $14 create_time, $15 update_time,
        // $16 version. create_time never changes, so it is not bound (an
        // unreferenced parameter is an error in PostgreSQL).
        Params p = ToParams(updated);
        p.erase(p.begin() + 13);
        p.push_back(current->version);
        auto n = tx.Execute(
            "UPDATE dealers SET legal_name = $2, province = $3, city = $4, "
            "sales_territory = $5, channel_level = $6, parent_dealer_id = $7, "
            "status = $8, owner = $9, capital_currency = $10, capital_minor = "
            "$11, brands = $12, business_scope = $13, update_time = $14, "
            "version = $15 WHERE dealer_id = $1 AND version = $16",
            p);
        if (!n.ok()) return n.status();
        if (*n != 1) {
          return storage::RetryableConflict("dealer changed concurrently");
        }
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  return updated;
}

}  // namespace qudao::customer
