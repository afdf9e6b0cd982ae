// The quote use cases of pricing: price a basket (nothing stored), store a
// quote, read quotes, and simulate a rule change over stored quotes. A
// basket is priced from the dealer's facts (customer records, through the
// DealerDirectory), the list prices and standard costs on the quote day
// with their versions, the active rules valid on the day, the dealer's
// freight terms, the VAT setting and, for each cumulative-volume rule, the
// dealer's invoiced volume in the rule's period (credit control, through
// the VolumeSource, which caches them: cached_volume_source.h). The reads
// run in one read-only transaction; the active rules come as a RuleBook
// reused while the rule-set version and the day stay the same
// (rule_book_cache.h), the catalogue facts from a cache kept while the
// catalogue version and the day do (catalogue_cache.h); a stored quote is
// written in one transaction.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/calendar/calendar.h"
#include "common/call/call_context.h"
#include "common/clock/clock.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "services/customer_records/client/dealer_directory.h"
#include "services/pricing/catalogue_cache.h"
#include "services/pricing/freight_store.h"
#include "services/pricing/order_store.h"
#include "services/pricing/price_list_store.h"
#include "services/pricing/price_rule_store.h"
#include "services/pricing/product_store.h"
#include "services/pricing/quote.h"
#include "services/pricing/quote_store.h"
#include "services/pricing/rule_book_cache.h"
#include "services/pricing/volume_source.h"
#include "services/pricing/waterfall.h"

namespace qudao::pricing {

// What a caller asks to price.
struct BasketRequest {
  std::string dealer_id;
  std::string currency;
  // Empty: the dealer's own province and city.
  std::string destination_province;
  std::string destination_city;
  PaymentTerm payment_term;
  struct Line {
    std::string sku;
    int64_t quantity = 0;
    int64_t unit_weight_grams = 0;
  };
  std::vector<Line> lines;
};

// A priced basket: what was priced, the answer, and where each input came
// from.
struct PricedBasket {
  BasketInput input;
  BasketResult result;
  // Per input line: the list price version and the standard cost (none:
  // nullopt) with its version.
  std::vector<int64_t> list_versions;
  std::vector<std::optional<StandardCost>> costs;
  // The rules that touched the basket (applied, or considered and not
  // applied, on some line; accruing; counting volume): id and version, by
  // id. Rules of other dealers and products are not listed.
  std::vector<std::pair<std::string, int64_t>> rules;
  // The version of the active rule set priced with (bumped by every rule
  // write).
  int64_t rule_set_version = 0;
};

// The difference a rule change makes to one line of a stored quote.
struct SimulatedLine {
  std::string quote_id;
  // Set when the line is an order's (quote_id is the order's quote).
  std::string order_id;
  int line = 0;
  std::string sku;
  Money old_net;
  Money new_net;
  Money difference;
  std::string new_failure_reason;
};
struct SimulatedDealerTotal {
  std::string dealer_id;
  Money old_goods;
  Money new_goods;
  Money difference;
};
struct Simulation {
  std::vector<SimulatedLine> lines;
  // By dealer and currency.
  std::vector<SimulatedDealerTotal> dealer_totals;
};

// At most this many quotes and orders per simulation.
inline constexpr size_t kMaxSimulatedQuotes = 100;

// Which of a quote's reads are kept between quotes; off, every quote reads
// and builds them (for measuring what each cache saves).
struct QuoteCaches {
  // The active rules' book (rule_book_cache.h).
  bool rule_books = true;
  // Prices, costs, groups and freight terms (catalogue_cache.h).
  bool catalogue = true;
};

class QuoteOperations {
 public:
  QuoteOperations(storage::Database* db, customer::DealerDirectory* dealers,
                  VolumeSource* volumes, const Clock* clock,
                  const BusinessCalendar* calendar, int vat_rate_bp,
                  QuoteCaches caches = {})
      : db_(db),
        dealers_(dealers),
        volumes_(volumes),
        clock_(clock),
        calendar_(calendar),
        vat_rate_bp_(vat_rate_bp),
        books_(caches.rule_books),
        catalogue_(prices_, products_, freight_, caches.catalogue) {}

  // Prices `basket` on today's business day under the active rules.
  // NOT_FOUND DEALER_NOT_FOUND; FAILED_PRECONDITION DEALER_TERMINATED; a
  // SKU without a list price on the day FAILED_PRECONDITION NO_LIST_PRICE
  // naming it; UNAVAILABLE when customer records or credit control cannot
  // be asked.
  absl::StatusOr<PricedBasket> Price(const CallContext& call,
                                     const BasketRequest& basket);
  // Prices `basket` and stores it as a quote by `created_by`, valid
  // `validity_days` (1..90). A basket with failed lines is
  // FAILED_PRECONDITION PRICE_BELOW_FLOOR naming them, nothing stored. A
  // repeat of `request` returns the first answer.
  absl::StatusOr<Quote> Create(const CallContext& call,
                               const std::string& created_by,
                               const BasketRequest& basket, int validity_days,
                               const storage::IdempotentRequest& request);
  // NOT_FOUND QUOTE_NOT_FOUND when there is none.
  absl::StatusOr<Quote> Get(const std::string& quote_id);
  absl::StatusOr<QuotePage> List(const std::string& dealer_id,
                                 const PageRequest& page);

  // Re-prices each stored quote's basket on its own day with its own list
  // prices and costs and the dealer facts it was priced for, under the
  // rules active on that day, and under those plus `drafts` (stored draft
  // ids) and `inline_rules`. Each of `order_ids` is re-priced as the quote
  // it was placed (or last re-priced) from, at what it still bills:
  // ordered − cancelled − returned (lines at zero left out; a REJECTED
  // order left out). A document named twice counts once. Line nets and goods
  // totals only (freight does not depend on rules). NOT_FOUND naming a
  // missing quote, order or draft; a stored rule named that is not a draft
  // FAILED_PRECONDITION RULE_NOT_DRAFT.
  absl::StatusOr<Simulation> Simulate(
      const CallContext& call, const std::vector<std::string>& drafts,
      std::vector<PriceRule> inline_rules,
      const std::vector<std::string>& quote_ids,
      const std::vector<std::string>& order_ids = {});

  absl::CivilDay Today() const { return calendar_->DayOf(clock_->Now()); }
  // Rule books built so far (one per rule-set version and day while the
  // cache is on).
  int64_t rule_book_builds() const { return books_.builds(); }
  // Catalogue reads made so far (catalogue_cache.h).
  int64_t catalogue_reads() const { return catalogue_.store_reads(); }

  // The pricing dealer of customer records' facts.
  static PricingDealer DealerOf(const customer::DealerFacts& facts);

 private:
  // The cumulative volume of each rule of `rules` that could apply to
  // `dealer` on `day`.
  absl::StatusOr<std::vector<PriorVolume>> Volumes(
      const CallContext& call, const PricingDealer& dealer,
      const std::vector<PriceRule>& rules, absl::CivilDay day,
      const std::string& currency);
  // Appends the volume of `rule` to `out` if it is an active cumulative
  // rule that could apply to `dealer` on `day`.
  absl::Status AddVolume(const CallContext& call, const PricingDealer& dealer,
                         const PriceRule& rule, absl::CivilDay day,
                         const std::string& currency,
                         std::vector<PriorVolume>& out);

  storage::Database* db_;
  customer::DealerDirectory* dealers_;
  VolumeSource* volumes_;
  const Clock* clock_;
  const BusinessCalendar* calendar_;
  int vat_rate_bp_;
  ProductStore products_;
  PriceListStore prices_;
  PriceRuleStore rules_;
  FreightStore freight_;
  QuoteStore quotes_;
  OrderStore orders_;
  RuleBookCache books_;
  CatalogueCache catalogue_;
};

}  // namespace qudao::pricing
