// Quote and waterfall proto conversion: the explanation a stored quote
// keeps (a serialized Waterfall message), the quote messages the API
// answers, and the codec CreateQuote's idempotency record uses.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/idempotency.h"
#include "qudao/pricing/v1/quote.pb.h"
#include "services/pricing/quote.h"
#include "services/pricing/quote_operations.h"

namespace qudao::pricing {

namespace v1 = ::qudao::pricing::v1;

// The waterfall of a priced basket: with its words (step notes, rules not
// applied and why, clamp explanations) when `with_words`, else the amounts
// alone (WATERFALL_VIEW_BASIC). Built in place: `out` may live on the
// call's arena.
void WaterfallToProto(const PricedBasket& priced, bool with_words,
                      v1::Waterfall* out);
// It serialized: a stored quote's explanation.
std::string EncodeExplanation(const PricedBasket& priced);

// What a simulation needs back from a stored explanation.
struct StoredExplanation {
  v1::Waterfall waterfall;
  PricingDealer dealer;
  // The volumes the quote counted (prior volumes given).
  std::vector<PriorVolume> volumes;
};
absl::StatusOr<StoredExplanation> DecodeExplanation(const std::string& bytes);

// A stored quote; its waterfall decoded from the explanation if
// `with_waterfall`.
v1::Quote QuoteToProto(const Quote& quote, bool with_waterfall);
// The same, filled into `out`, a fresh message (on its arena: a served
// answer is built in place, not copied).
void QuoteToProto(const Quote& quote, bool with_waterfall, v1::Quote* out);
// A priced basket that is not stored (PriceBasket): no id or times.
// Built in place, as WaterfallToProto.
void PricedBasketToProto(const PricedBasket& priced, bool with_words,
                         v1::Quote* out);

// Stored as the Quote message with its waterfall; decoded back with its
// lines from the waterfall's.
const storage::ResponseCodec<Quote>& QuoteCodec();

// Removes standard costs from a quote message (callers who may not read
// costs).
void StripCosts(v1::Quote& quote);

// Removes from a quote message's lines the rules listed as not in force
// on its day (OUT_OF_WINDOW, DRAFT): what a partner sees — an upcoming
// promotion is not announced to dealers by their quotes. Nothing else
// names them (Waterfall.rules lists only rules in force) and they changed
// no amount.
void StripRulesNotInForce(v1::Quote& quote);

}  // namespace qudao::pricing
