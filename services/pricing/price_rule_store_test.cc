// PriceRuleStore's contract on SQLite and on a real PostgreSQL: every rule
// type reads back as written (scopes, window, tiers in units and money,
// bundle, ending, floors), a stale version is ABORTED, revisions are
// append-only, and the active rules of a day are those whose window covers
// it.
#include "services/pricing/price_rule_store.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "common/testing/database_fixture.h"
#include "common/testing/status_matchers.h"
#include "gtest/gtest.h"
#include "services/pricing/product_store.h"
#include "services/pricing/rule_book_cache.h"

namespace qudao::pricing {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;
using ::testing::ElementsAre;

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

RuleRecord Record(PriceRule rule) {
  RuleRecord r;
  r.rule = std::move(rule);
  r.description = "规则";
  r.version = 1;
  r.created_by = "ana.pm";
  r.create_time = absl::FromUnixMicros(1795000000000001);
  r.updated_by = "ana.pm";
  r.update_time = r.create_time;
  return r;
}

// One rule of every type, each with the parameters of its type.
std::vector<PriceRule> EveryType() {
  std::vector<PriceRule> out;
  PriceRule base;
  base.valid_from = absl::CivilDay(2026, 11, 1);
  base.priority = 3;
  PriceRule r = base;
  r.rule_id = "CM";
  r.type = RuleType::kChannelMargin;
  r.dealer_scope = {DealerScopeKind::kChannelLevel, ChannelLevel::kWholesaler,
                    ""};
  r.basis_points = 1200;
  out.push_back(r);
  r = base;
  r.rule_id = "SEASON";
  r.type = RuleType::kSeasonal;
  r.valid_until = absl::CivilDay(2027, 3, 1);
  r.product_scope = {ProductScopeKind::kGroup, "PUMPS-CENTRIFUGAL"};
  r.basis_points = 500;
  out.push_back(r);
  r = base;
  r.rule_id = "QTY-ORDER";
  r.type = RuleType::kQuantity;
  r.quantity.basis = QuantityBasis::kOrderAmount;
  r.quantity.tiers = {{0, Cny(1000000), 100}, {0, Cny(5000000), 300}};
  out.push_back(r);
  r = base;
  r.rule_id = "VOL";
  r.type = RuleType::kCumulativeVolume;
  r.dealer_scope = {DealerScopeKind::kZone, ChannelLevel::kUnspecified, "EAST"};
  r.cumulative.measure = VolumeMeasure::kUnits;
  r.cumulative.period = VolumePeriod::kYear;
  r.cumulative.tiers = {{100, Money(), 200}, {500, Money(), 400}};
  out.push_back(r);
  r = base;
  r.rule_id = "BUNDLE";
  r.type = RuleType::kBundle;
  r.product_scope = {ProductScopeKind::kSku, "VALVE-7"};
  r.bundle = {"PUMP-100", 2, 1, 5000};
  out.push_back(r);
  r = base;
  r.rule_id = "END99";
  r.type = RuleType::kPriceEnding;
  r.ending = {100, 99};
  out.push_back(r);
  r = base;
  r.rule_id = "FLOOR-PRICE";
  r.type = RuleType::kFloor;
  r.dealer_scope = {DealerScopeKind::kDealer, ChannelLevel::kUnspecified,
                    "dlr_0190f3c2a1b24e8f0a1b"};
  r.floor = {FloorKind::kMinNetUnitPrice, Cny(50000), 0, FloorAction::kReject};
  out.push_back(r);
  r = base;
  r.rule_id = "FLOOR-MARGIN";
  r.type = RuleType::kFloor;
  r.floor = {FloorKind::kMinMarginOverCost, Money(), 1500, FloorAction::kClamp};
  out.push_back(r);
  r = base;
  r.rule_id = "REBATE";
  r.type = RuleType::kRebate;
  r.dealer_scope = {DealerScopeKind::kAbcClass, ChannelLevel::kUnspecified,
                    "A"};
  r.basis_points = 150;
  out.push_back(r);
  return out;
}

void ExpectSameTiers(const std::vector<Tier>& got,
                     const std::vector<Tier>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].min_quantity, want[i].min_quantity);
    EXPECT_EQ(got[i].min_amount, want[i].min_amount);
    EXPECT_EQ(got[i].basis_points, want[i].basis_points);
  }
}

void ExpectSameRule(const PriceRule& got, const PriceRule& want) {
  SCOPED_TRACE(want.rule_id);
  EXPECT_EQ(got.rule_id, want.rule_id);
  EXPECT_EQ(got.type, want.type);
  EXPECT_EQ(got.state, want.state);
  EXPECT_EQ(got.dealer_scope.kind, want.dealer_scope.kind);
  EXPECT_EQ(got.dealer_scope.channel_level, want.dealer_scope.channel_level);
  EXPECT_EQ(got.dealer_scope.code, want.dealer_scope.code);
  EXPECT_EQ(got.product_scope.kind, want.product_scope.kind);
  EXPECT_EQ(got.product_scope.code, want.product_scope.code);
  EXPECT_EQ(got.valid_from, want.valid_from);
  EXPECT_EQ(got.valid_until, want.valid_until);
  EXPECT_EQ(got.priority, want.priority);
  EXPECT_EQ(got.basis_points, want.basis_points);
  if (want.type == RuleType::kQuantity) {
    EXPECT_EQ(got.quantity.basis, want.quantity.basis);
    ExpectSameTiers(got.quantity.tiers, want.quantity.tiers);
  }
  if (want.type == RuleType::kCumulativeVolume) {
    EXPECT_EQ(got.cumulative.measure, want.cumulative.measure);
    EXPECT_EQ(got.cumulative.period, want.cumulative.period);
    ExpectSameTiers(got.cumulative.tiers, want.cumulative.tiers);
  }
  EXPECT_EQ(got.bundle.trigger_sku, want.bundle.trigger_sku);
  EXPECT_EQ(got.bundle.trigger_quantity, want.bundle.trigger_quantity);
  EXPECT_EQ(got.bundle.discounted_quantity, want.bundle.discounted_quantity);
  EXPECT_EQ(got.bundle.basis_points, want.bundle.basis_points);
  EXPECT_EQ(got.ending.step, want.ending.step);
  EXPECT_EQ(got.ending.ending, want.ending.ending);
  EXPECT_EQ(got.floor.kind, want.floor.kind);
  EXPECT_EQ(got.floor.min_net_unit_price, want.floor.min_net_unit_price);
  EXPECT_EQ(got.floor.min_margin_basis_points,
            want.floor.min_margin_basis_points);
  EXPECT_EQ(got.floor.action, want.floor.action);
}

template <typename B>
class PriceRuleStoreTest : public testing::DatabaseTest<B> {
 protected:
  void SetUp() override {
    this->OpenDatabase("pricing", ProductStore::Migrations());
  }

  absl::Status Write(
      const std::function<absl::Status(storage::Transaction&)>& write) {
    return this->db_->RunInTransaction(storage::TransactionMode::kReadWrite,
                                       write);
  }

  template <typename T>
  absl::StatusOr<T> Read(
      const std::function<absl::StatusOr<T>(storage::Transaction&)>& read) {
    absl::StatusOr<T> out;
    absl::Status s = this->db_->RunInTransaction(
        storage::TransactionMode::kReadOnly,
        [&](storage::Transaction& tx) -> absl::Status {
          out = read(tx);
          return out.status();
        });
    if (!s.ok()) return s;
    return out;
  }

  PriceRuleStore store_;
};
TYPED_TEST_SUITE(PriceRuleStoreTest, testing::BothBackends);

TYPED_TEST(PriceRuleStoreTest, EveryTypeReadsBackAsWritten) {
  for (const PriceRule& rule : EveryType()) {
    ASSERT_THAT(CheckPriceRule("rule", rule, ""), IsOk()) << rule.rule_id;
    ASSERT_THAT(this->Write([&](storage::Transaction& tx) {
      return this->store_.Insert(tx, Record(rule), "created");
    }),
                IsOk());
    auto got = this->template Read<RuleRecord>([&](storage::Transaction& tx) {
      return this->store_.Get(tx, rule.rule_id);
    });
    ASSERT_THAT(got.status(), IsOk());
    ExpectSameRule(got->rule, rule);
    EXPECT_EQ(got->description, "规则");
    EXPECT_EQ(got->version, 1);
    EXPECT_EQ(got->create_time, Record(rule).create_time);
    EXPECT_FALSE(got->publish_time.has_value());
  }
  EXPECT_THAT(this->Write([&](storage::Transaction& tx) {
    return this->store_.Insert(tx, Record(EveryType()[0]), "created");
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  auto missing = this->template Read<RuleRecord>(
      [&](storage::Transaction& tx) { return this->store_.Get(tx, "NOPE"); });
  EXPECT_THAT(missing.status(),
              StatusIs(absl::StatusCode::kNotFound, kReasonRuleNotFound));
}

TYPED_TEST(PriceRuleStoreTest, ChangesAreVersionedAndRevisionsKept) {
  RuleRecord r = Record(EveryType()[0]);
  ASSERT_THAT(this->Write([&](storage::Transaction& tx) {
    return this->store_.Insert(tx, r, "created");
  }),
              IsOk());
  r.rule.state = RuleState::kActive;
  r.version = 2;
  r.published_by = "bo.pm";
  r.publish_time = absl::FromUnixSeconds(1795100000);
  ASSERT_THAT(this->Write([&](storage::Transaction& tx) {
    return this->store_.Update(tx, r, 1, "published");
  }),
              IsOk());
  // A writer that read version 1 comes too late.
  EXPECT_THAT(this->Write([&](storage::Transaction& tx) {
    return this->store_.Update(tx, r, 1, "published");
  }),
              StatusIs(absl::StatusCode::kAborted, kReasonEtagMismatch));
  auto revisions = this->template Read<std::vector<RuleRevision>>(
      [&](storage::Transaction& tx) {
        return this->store_.Revisions(tx, "CM");
      });
  ASSERT_THAT(revisions.status(), IsOk());
  ASSERT_EQ(revisions->size(), 2u);
  EXPECT_EQ((*revisions)[0].change, "created");
  EXPECT_EQ((*revisions)[0].record.rule.state, RuleState::kDraft);
  EXPECT_EQ((*revisions)[1].change, "published");
  EXPECT_EQ((*revisions)[1].record.published_by, "bo.pm");
  EXPECT_EQ((*revisions)[1].record.publish_time, r.publish_time);
  for (const char* sql : {"UPDATE price_rule_revisions SET priority = 9",
                          "DELETE FROM price_rule_revisions"}) {
    EXPECT_FALSE(this->Write([&](storage::Transaction& tx) {
                       return tx.Execute(sql).status();
                     })
                     .ok())
        << sql;
  }
}

// Every rule write bumps the rule-set version in its transaction; a write
// that fails leaves it.
TYPED_TEST(PriceRuleStoreTest, EveryRuleWriteBumpsTheRuleSetVersion) {
  auto version = [&] {
    auto v = this->template Read<int64_t>(
        [&](storage::Transaction& tx) { return RuleSetCounter().Read(tx); });
    EXPECT_THAT(v.status(), IsOk());
    return v.ok() ? *v : -1;
  };
  EXPECT_EQ(version(), 0);
  RuleRecord r = Record(EveryType()[0]);
  ASSERT_THAT(this->Write([&](storage::Transaction& tx) {
    return this->store_.Insert(tx, r, "created");
  }),
              IsOk());
  EXPECT_EQ(version(), 1);
  r.rule.state = RuleState::kActive;
  r.version = 2;
  ASSERT_THAT(this->Write([&](storage::Transaction& tx) {
    return this->store_.Update(tx, r, 1, "published");
  }),
              IsOk());
  EXPECT_EQ(version(), 2);
  EXPECT_FALSE(this->Write([&](storage::Transaction& tx) {
                     return this->store_.Update(tx, r, 1, "published");
                   })
                   .ok());
  EXPECT_FALSE(this->Write([&](storage::Transaction& tx) {
                     return this->store_.Insert(tx, r, "created");
                   })
                   .ok());
  EXPECT_EQ(version(), 2);
}

// The book of the active rules is built once per rule-set version and day,
// and rebuilt when either moves; a disabled cache builds on every read.
TYPED_TEST(PriceRuleStoreTest, TheRuleBookIsReusedWhileTheVersionHolds) {
  const absl::CivilDay day(2026, 11, 27);
  auto active = [&](RuleBookCache& cache, absl::CivilDay on) {
    auto got = this->template Read<std::shared_ptr<const ActiveRules>>(
        [&](storage::Transaction& tx) {
          return cache.ActiveOn(tx, this->store_, on);
        });
    EXPECT_THAT(got.status(), IsOk());
    return got.ok() ? *got : nullptr;
  };
  RuleBookCache cache;
  RuleBookCache uncached(false);
  auto first = active(cache, day);
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(first->book.rules().empty());
  EXPECT_EQ(active(cache, day), first);
  EXPECT_EQ(cache.builds(), 1);

  // A cumulative-volume rule (a quote asks its volumes when in window).
  const std::vector<PriceRule> every = EveryType();
  RuleRecord r =
      Record(*std::find_if(every.begin(), every.end(), [](const PriceRule& p) {
        return p.type == RuleType::kCumulativeVolume;
      }));
  r.rule.state = RuleState::kActive;
  r.rule.valid_from = absl::CivilDay(2026, 11, 1);
  r.rule.valid_until = std::nullopt;
  ASSERT_THAT(this->Write([&](storage::Transaction& tx) {
    return this->store_.Insert(tx, r, "created");
  }),
              IsOk());
  auto second = active(cache, day);
  ASSERT_NE(second, nullptr);
  ASSERT_EQ(second->book.rules().size(), 1u);
  EXPECT_EQ(second->versions[0].first, r.rule.rule_id);
  EXPECT_THAT(second->cumulative, ElementsAre(0u));
  EXPECT_EQ(active(cache, day), second);
  EXPECT_EQ(cache.builds(), 2);
  // Before the rule's window: another book, with the rule (for quotes to
  // list OUT_OF_WINDOW) from 30 days before its window begins, and no
  // cumulative volume to ask for; earlier, without it.
  auto before = active(cache, absl::CivilDay(2026, 10, 2));
  ASSERT_NE(before, nullptr);
  ASSERT_EQ(before->book.rules().size(), 1u);
  EXPECT_FALSE(InWindow(before->book.rules()[0], before->day));
  EXPECT_TRUE(before->cumulative.empty());
  auto long_before = active(cache, absl::CivilDay(2026, 10, 1));
  ASSERT_NE(long_before, nullptr);
  EXPECT_TRUE(long_before->book.rules().empty());

  active(uncached, day);
  active(uncached, day);
  EXPECT_EQ(uncached.builds(), 2);
}

TYPED_TEST(PriceRuleStoreTest, TheActiveRulesOfADayAreThoseCoveringIt) {
  for (PriceRule rule : EveryType()) {
    rule.state =
        rule.rule_id == "REBATE" ? RuleState::kDraft : RuleState::kActive;
    ASSERT_THAT(this->Write([&](storage::Transaction& tx) {
      return this->store_.Insert(tx, Record(rule), "created");
    }),
                IsOk());
  }
  auto ids_on = [&](absl::CivilDay day, int margin = 0) {
    std::vector<std::string> ids;
    auto active = this->template Read<std::vector<RuleRecord>>(
        [&](storage::Transaction& tx) {
          return this->store_.ActiveOn(tx, day, margin);
        });
    EXPECT_THAT(active.status(), IsOk());
    if (active.ok()) {
      for (const RuleRecord& r : *active) ids.push_back(r.rule.rule_id);
    }
    return ids;
  };
  EXPECT_TRUE(ids_on(absl::CivilDay(2026, 10, 31)).empty());
  EXPECT_EQ(ids_on(absl::CivilDay(2026, 11, 1)).size(), 8u);  // no draft
  const std::vector<std::string> spring = ids_on(absl::CivilDay(2027, 3, 1));
  EXPECT_EQ(spring.size(), 7u);  // the seasonal window has ended
  EXPECT_EQ(std::count(spring.begin(), spring.end(), "SEASON"), 0);
  // With a margin of 30 days: from 30 days before valid_from (2026-11-01)
  // to 30 days after the last valid day (2027-02-28; valid_until is
  // exclusive), and no further.
  EXPECT_TRUE(ids_on(absl::CivilDay(2026, 10, 1), 30).empty());
  EXPECT_EQ(ids_on(absl::CivilDay(2026, 10, 2), 30).size(), 8u);
  const std::vector<std::string> late = ids_on(absl::CivilDay(2027, 3, 30), 30);
  EXPECT_EQ(std::count(late.begin(), late.end(), "SEASON"), 1);
  const std::vector<std::string> later =
      ids_on(absl::CivilDay(2027, 3, 31), 30);
  EXPECT_EQ(std::count(later.begin(), later.end(), "SEASON"), 0);
  EXPECT_EQ(later.size(), 7u);
  // Listing by state and scope.
  RuleFilter filter;
  filter.state = RuleState::kDraft;
  auto drafts = this->template Read<RulePage>([&](storage::Transaction& tx) {
    return this->store_.List(tx, filter, PageRequest{});
  });
  ASSERT_THAT(drafts.status(), IsOk());
  ASSERT_EQ(drafts->rules.size(), 1u);
  EXPECT_EQ(drafts->rules[0].rule.rule_id, "REBATE");
  RuleFilter zone;
  zone.dealer_scope =
      DealerScope{DealerScopeKind::kZone, ChannelLevel::kUnspecified, "EAST"};
  auto zoned = this->template Read<RulePage>([&](storage::Transaction& tx) {
    return this->store_.List(tx, zone, PageRequest{});
  });
  ASSERT_THAT(zoned.status(), IsOk());
  ASSERT_EQ(zoned->rules.size(), 1u);
  EXPECT_EQ(zoned->rules[0].rule.rule_id, "VOL");
}

}  // namespace
}  // namespace qudao::pricing
