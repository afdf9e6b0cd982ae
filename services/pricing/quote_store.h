// Persistence of stored quotes: the quote header (quotes) and its lines
// (quote_lines, append-only), inside the caller's transaction. The same SQL
// runs on SQLite and PostgreSQL; the tables are migration 2 of the pricing
// service (ProductStore::Migrations()).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "services/pricing/quote.h"

namespace qudao::pricing {

// The canonical filter of a dealer's quote listing (page tokens are bound
// to it).
std::string QuoteListFilter(const std::string& dealer_id);

struct QuotePage {
  // Newest first; headers only (no lines, no explanation).
  std::vector<Quote> quotes;
  std::string next_page_token;
};

class QuoteStore {
 public:
  // The DDL of the quote tables on `backend` (pricing migration 2).
  static std::string Schema(storage::Backend backend);

  // Writes the quote and its lines; CheckQuoteInvariants must hold
  // (INTERNAL otherwise, nothing written). ALREADY_EXISTS when the id is
  // taken.
  absl::Status Insert(storage::Transaction& tx, const Quote& quote) const;
  // The quote with its lines and explanation; nullopt when there is none.
  absl::StatusOr<std::optional<Quote>> Find(storage::Transaction& tx,
                                            const std::string& quote_id) const;
  // The dealer's quotes, newest first, keyset-paginated on the id.
  absl::StatusOr<QuotePage> ListForDealer(storage::Transaction& tx,
                                          const std::string& dealer_id,
                                          const PageRequest& page) const;
};

}  // namespace qudao::pricing
