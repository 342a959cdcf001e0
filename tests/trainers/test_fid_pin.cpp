// A database's FIDs keep to one feature extractor: the id's parts and the check's verdicts.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "fsearch/core/error.h"
#include "fsearch/trainers/fid_pin.h"

namespace fsearch::trainers {
namespace {

TEST(FidPin, AnIdSplitsIntoRecipeAndWeights) {
  auto cnn = parse_extractor_id("cnn:418d289e/3af313c7 (test acc 84.9%)");
  EXPECT_EQ(cnn.recipe, "cnn:418d289e");
  EXPECT_EQ(cnn.weights, "3af313c7");
  auto script = parse_extractor_id("torchscript:inception.pt:1a2b3c4d");
  EXPECT_EQ(script.recipe, "torchscript:inception.pt");
  EXPECT_EQ(script.weights, "1a2b3c4d");
  EXPECT_EQ(parse_extractor_id("odd").recipe, "odd");
  EXPECT_EQ(parse_extractor_id("odd").weights, "");
}

const std::string kOurs = "cnn:418d289e/3af313c7 (test acc 84.9%)";
const std::string kTheirs = "cnn:418d289e/b8b1d530 (test acc 85.5%)";

TEST(FidPin, AnyExtractorMayStartADatabaseOrAnotherDataSet) {
  EXPECT_NO_THROW(check_extractor_pin(kOurs, {}, "r.db", "/cache"));
  // FIDs of another data set (another recipe) say nothing about this one's.
  EXPECT_NO_THROW(check_extractor_pin(kOurs, {{"cnn:99999999/b8b1d530 (test acc 40.0%)", 5}}, "r.db", "/cache"));
}

TEST(FidPin, TheDatabasesOwnExtractorContinuesItEvenBesideOthers) {
  EXPECT_NO_THROW(check_extractor_pin(kOurs, {{kOurs, 3}}, "r.db", "/cache"));
  EXPECT_NO_THROW(check_extractor_pin(kOurs, {{kTheirs, 9}, {kOurs, 1}}, "r.db", "/cache"));
}

TEST(FidPin, AnotherMachinesExtractorIsRefusedNamingBoth) {
  try {
    check_extractor_pin(kOurs, {{kTheirs, 2}}, "docs/results/r.db", "/root/.cache/fsearch");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("docs/results/r.db: its 2 FIDs were scored by the feature extractor " + kTheirs),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("would score with " + kOurs + " from /root/.cache/fsearch"), std::string::npos) << what;
    EXPECT_NE(e.hint().find("FSEARCH_CACHE_DIR"), std::string::npos) << e.hint();
    EXPECT_NE(e.hint().find("--any-fid-extractor"), std::string::npos) << e.hint();
  }
  try {
    check_extractor_pin(kOurs, {{kTheirs, 2}, {"cnn:418d289e/7340ec79 (test acc 85.1%)", 1}}, "r.db", "/c");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("its 3 FIDs were scored by the feature extractors "), std::string::npos) << what;
    EXPECT_NE(what.find(kTheirs + ": 2"), std::string::npos) << what;
    EXPECT_NE(what.find("7340ec79 (test acc 85.1%): 1"), std::string::npos) << what;
  }
}

TEST(FidPin, AWorkerChecksTheExtractorsTheRunHandsIt) {
  ::unsetenv(kFidPinVariable);
  EXPECT_NO_THROW(check_pinned_extractor(kOurs));  // not a worker of `fsearch run`, or a new database
  ::setenv(kFidPinVariable, fid_pin_text({{kTheirs, 4}}, "far/r.db").c_str(), 1);
  try {
    check_pinned_extractor(kOurs);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("far/r.db: its 4 FIDs were scored by the feature extractor " + kTheirs),
              std::string::npos)
        << e.what();
  }
  ::setenv(kFidPinVariable, fid_pin_text({{kTheirs, 4}, {kOurs, 1}}, "far/r.db").c_str(), 1);
  EXPECT_NO_THROW(check_pinned_extractor(kOurs));
  for (const char* bad : {"not json", "{\"db\": 3}", "{\"db\": \"r.db\", \"extractors\": {\"a\": \"b\"}}"}) {
    ::setenv(kFidPinVariable, bad, 1);
    try {
      check_pinned_extractor(kOurs);
      ADD_FAILURE() << "no error for " << bad;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("FSEARCH_FID_PIN"), std::string::npos) << e.what();
    }
  }
  ::unsetenv(kFidPinVariable);
}

TEST(FidPin, ARunPinsItsWorkersToTheDatabasesExtractorsOrItsOwn) {
  // A new database: the run's own extractor, with no FIDs yet.
  EXPECT_EQ(pin_extractors({kOurs}, {}, "r.db"), (std::map<std::string, int>{{kOurs, 0}}));
  // The database's own extractor: its count stays.
  EXPECT_EQ(pin_extractors({kOurs}, {{kOurs, 3}}, "r.db"), (std::map<std::string, int>{{kOurs, 3}}));
  // Another data set's FIDs stay pinned beside this one's first extractor.
  const std::string other = "cnn:99999999/b8b1d530 (test acc 40.0%)";
  EXPECT_EQ(pin_extractors({kOurs}, {{other, 5}}, "r.db"), (std::map<std::string, int>{{other, 5}, {kOurs, 0}}));
  EXPECT_THROW(pin_extractors({kOurs}, {{kTheirs, 2}}, "r.db"), ConfigError);
}

TEST(FidPin, AWorkerOfANewDatabaseKeepsToTheSchedulersExtractor) {
  ::setenv(kFidPinVariable, fid_pin_text(pin_extractors({kTheirs}, {}, "new.db"), "new.db").c_str(), 1);
  try {
    check_pinned_extractor(kOurs);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("new.db: this run keeps the database's first FIDs to the feature extractor " + kTheirs +
                        " (its scheduler's)"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("would score with " + kOurs), std::string::npos) << what;
    EXPECT_NE(e.hint().find("one FSEARCH_CACHE_DIR"), std::string::npos) << e.hint();
  }
  EXPECT_NO_THROW(check_pinned_extractor(kTheirs));  // the scheduler's own cache
  ::unsetenv(kFidPinVariable);
}

TEST(FidPin, JobsWithoutFidNeedNoExtractor) {
  jobs::JobSpec vit;  // a classifier: no FID, no extractor built, no data read
  vit.data.path = "/nonexistent";
  EXPECT_TRUE(fid_extractors_for({vit}).empty());
  jobs::JobSpec dit = vit;
  dit.model.proxy = "dit";
  EXPECT_THROW(fid_extractors_for({vit, dit}), ConfigError);  // its data is missing
}

}  // namespace
}  // namespace fsearch::trainers
