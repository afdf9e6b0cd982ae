// Keyset pagination at depth: fills the dealers table with --rows dealers
// (default 100,000) in one transaction, then times DealerStore::List pages
// taken at the start, middle and end of the table, next to the same page
// fetched with OFFSET for contrast. A keyset page should cost the same at
// any depth. --backend=postgres runs it on a PostgreSQL started for the run.
#include <cstdio>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_database.h"
#include "common/storage/migrations.h"
#include "common/testing/harness.h"
#include "services/customer_records/dealer_operations.h"

ABSL_FLAG(int, rows, 100000, "dealers in the table");
ABSL_FLAG(int, iterations, 200, "page fetches per measurement");
ABSL_FLAG(std::string, backend, "sqlite", "sqlite or postgres");

namespace qudao::bench {
namespace {

using storage::Transaction;
using storage::TransactionMode;

int Run() {
  auto bench_db = BenchDatabase::Create(absl::GetFlag(FLAGS_backend));
  if (!bench_db.ok()) {
    std::fprintf(stderr, "%s\n", bench_db.status().ToString().c_str());
    return 1;
  }
  auto db = storage::OpenDatabase((*bench_db)->url());
  if (!db.ok()) return 1;
  if (!storage::ApplyMigrations(**db, "customer_records",
                                customer::DealerStore::Migrations())
           .ok()) {
    return 1;
  }
  const int rows = absl::GetFlag(FLAGS_rows);
  const absl::Time fill_start = absl::Now();
  absl::Status filled = (*db)->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        for (int i = 0; i < rows; ++i) {
          auto r = tx.Execute(
              "INSERT INTO dealers (dealer_id, legal_name, province, city, "
              "sales_territory, channel_level, status, owner, brands, "
              "business_scope, create_time, update_time, version) VALUES "
              "($1, $2, $3, 'City', '', 3, $4, 'rep', '', '', 0, 0, 1)",
              {absl::StrFormat("dlr_%020d", i), absl::StrCat("Dealer ", i),
               i % 31 == 0 ? "Tibet" : "Zhejiang", int64_t{1 + i % 3}});
          if (!r.ok()) return r.status();
        }
        return absl::OkStatus();
      });
  if (!filled.ok()) {
    std::fprintf(stderr, "%s\n", filled.ToString().c_str());
    return 1;
  }
  std::printf("qudao storage_bench: backend=%s rows=%d (filled in %.1fs)\n\n",
              absl::GetFlag(FLAGS_backend).c_str(), rows,
              absl::ToDoubleSeconds(absl::Now() - fill_start));

  customer::DealerOperations dealers(db->get(), /*cache=*/nullptr,
                                     &Clock::Real());
  const int iterations = absl::GetFlag(FLAGS_iterations);
  std::printf("%-34s %12s %12s\n", "page of 50 at depth", "keyset us",
              "OFFSET us");
  for (double depth : {0.0, 0.5, 0.99}) {
    const int at = static_cast<int>(depth * rows);
    PageRequest page;
    page.limit = 50;
    page.after_key = at == 0 ? "" : absl::StrFormat("dlr_%020d", at);
    absl::Time start = absl::Now();
    for (int i = 0; i < iterations; ++i) {
      auto result = dealers.List(customer::DealerFilter(), page);
      if (!result.ok() || result->dealers.empty()) return 1;
    }
    const double keyset_us =
        absl::ToDoubleMicroseconds(absl::Now() - start) / iterations;
    start = absl::Now();
    for (int i = 0; i < iterations; ++i) {
      absl::Status s = (*db)->RunInTransaction(
          TransactionMode::kReadOnly, [&](Transaction& tx) {
            return tx
                .Query(
                    "SELECT dealer_id FROM dealers ORDER BY dealer_id LIMIT 51 "
                    "OFFSET $1",
                    {int64_t{at}})
                .status();
          });
      if (!s.ok()) return 1;
    }
    const double offset_us =
        absl::ToDoubleMicroseconds(absl::Now() - start) / iterations;
    std::printf("%-34s %12.1f %12.1f\n",
                absl::StrFormat("row %d (%.0f%%)", at, depth * 100).c_str(),
                keyset_us, offset_us);
  }
  // A filtered walk uses the (province, dealer_id) index the same way.
  customer::DealerFilter filter;
  filter.province = "Tibet";
  PageRequest page;
  page.limit = 50;
  const absl::Time start = absl::Now();
  int fetched = 0, pages = 0;
  while (true) {
    auto result = dealers.List(filter, page);
    if (!result.ok()) return 1;
    fetched += static_cast<int>(result->dealers.size());
    ++pages;
    if (result->next_page_token.empty()) break;
    page.after_key = result->dealers.back().id;
  }
  std::printf(
      "\nfiltered walk (province=Tibet): %d dealers in %d pages, "
      "%.1f us/page\n",
      fetched, pages, absl::ToDoubleMicroseconds(absl::Now() - start) / pages);
  return 0;
}

}  // namespace
}  // namespace qudao::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return qudao::bench::Run();
}
