// Tables as data: configs/tables/*.yaml's `table:` sections, compiled in, and a researcher's own
// table file, read with errors that name the file, line and field, and rendered with its findings.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "fixture.h"
#include "fsearch/core/error.h"
#include "fsearch/reports/fidelity.h"
#include "fsearch/reports/report.h"
#include "paths.h"

namespace fsearch::reports {
namespace {

std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(FSEARCH_SOURCE_DIR) + "/" + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The message of the ConfigError that reading `text` throws ("" when it reads).
std::string error_of(const std::string& text) {
  try {
    parse_table(text, "own.yaml");
  } catch (const ConfigError& e) {
    return std::string(e.what()) + " | " + e.hint();
  }
  return "";
}

TEST(TableFiles, TheRepositorysTablesAreTheFilesInConfigs) {
  std::vector<int> numbers;
  for (const auto& t : paper_tables()) {
    numbers.push_back(t.number);
    EXPECT_EQ(t.source, "configs/tables/table" + std::to_string(t.number) + ".yaml");
    EXPECT_EQ(t.sweep, "table" + std::to_string(t.number));
    // The compiled-in copy is the file as it is now (CMake re-embeds a changed file).
    auto from_file = parse_table(read_source_file(t.source), t.source);
    EXPECT_EQ(from_file.header, t.header) << t.source;
    ASSERT_EQ(from_file.rows.size(), t.rows.size()) << t.source;
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      for (std::size_t c = 0; c < t.rows[r].cells.size(); ++c) {
        const auto &a = from_file.rows[r].cells[c], &b = t.rows[r].cells[c];
        EXPECT_EQ(a.function, b.function);
        EXPECT_EQ(a.paper_diverged, b.paper_diverged);
        EXPECT_TRUE(a.paper == b.paper || (std::isnan(a.paper) && std::isnan(b.paper))) << t.source;
      }
    }
  }
  EXPECT_EQ(numbers, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 22, 23}));
}

TEST(TableFiles, FindingsExpandToTheCellsThePaperCompares) {
  // Table 1: along each of 6 rows, from the lambda = 0 column outwards to the right and to the left.
  const auto& t1 = table(1);
  ASSERT_EQ(t1.findings.size(), 1u);
  ASSERT_EQ(t1.findings[0].sequences.size(), 12u);
  const auto& right = t1.findings[0].sequences[0];
  const auto& left = t1.findings[0].sequences[1];
  ASSERT_EQ(right.size(), 5u);
  EXPECT_EQ(right.front().column, 4u);  // "0"
  EXPECT_EQ(right.back().column, 8u);   // "+2"
  ASSERT_EQ(left.size(), 5u);
  EXPECT_EQ(left.back().column, 0u);  // "-2"
  // Table 14: each row compares with s against without s, for accuracy and for FID, row by row.
  const auto& t14 = table(14);
  ASSERT_EQ(t14.findings.size(), 12u);
  EXPECT_EQ(t14.findings[0].name, "s helps: erf(x) (ViT)");
  EXPECT_EQ(t14.findings[1].name, "s helps: erf(x) (DiT-B FID)");
  EXPECT_EQ(t14.findings[2].name, "s helps: tanh(x) (ViT)");
  EXPECT_EQ(t14.findings[1].pairs[0].first.column, 3u);
  EXPECT_EQ(t14.findings[1].pairs[0].second.column, 2u);
  // Table 16: each column, named after it.
  EXPECT_EQ(table(16).findings.size(), 8u);
  EXPECT_EQ(table(16).findings[2].name, "tanh(1.205x) >= tanh (ViT-L top-1)");
  // Table 7: erf first among the point-wise functions: every row but erf's and LayerNorm's below.
  const auto& first = table(7).findings.back();
  EXPECT_EQ(first.kind, FindingKind::Above);
  EXPECT_EQ(first.above.size(), 1u);
  EXPECT_EQ(first.below.size(), 15u);
  // Table 4: the paper's three trained cells and its two failures.
  EXPECT_EQ(table(4).findings[0].above.size(), 3u);
  EXPECT_EQ(table(4).findings[0].below.size(), 2u);
  // Table 2: every clipped cell against its column's unclipped one.
  EXPECT_EQ(table(2).findings[0].pairs.size(), 18u);
}

// The worked example in docs/tables.md reads, with the findings it describes.
TEST(TableFiles, TheDocumentedExampleReads) {
  const std::string doc = read_source_file("docs/tables.md");
  const auto begin = doc.find("```yaml\n"), end = doc.find("```\n", begin + 8);
  ASSERT_NE(begin, std::string::npos);
  auto example = parse_table(doc.substr(begin + 8, end - begin - 8), "docs/tables.md");
  EXPECT_EQ(example.number, 101);
  EXPECT_EQ(example.rows.size(), 5u);
  EXPECT_EQ(example.rows[2].cells[1].shift, "vector");
  EXPECT_TRUE(std::isnan(example.rows[2].cells[1].paper));
  ASSERT_EQ(example.findings.size(), 3u + 5u);  // three named, one per row for "each"
  EXPECT_EQ(example.findings[3].name, "vector s no worse: LayerNorm");
}

constexpr const char* kOwnTable = R"yaml(name: my-ablation
primitives: ["erf(x)", "tanh(x)", "linear(x)"]
table:
  number: 101
  title: "A follow-up's ablation"
  caption: Does boundedness matter on a new data set?
  proxy: vit-tiny
  shift: none
  best: per-column
  columns: [top-1]
  rows:
    - {label: "erf(x)", function: "erf(x)", paper: 82.6}
    - {label: "tanh(x)", function: "tanh(x)", paper: 82.5}
    - {label: "linear(x)", function: "linear(x)", paper: x}
  findings:
    - {name: "erf > tanh", better: ["erf(x)", "top-1"], than: ["tanh(x)", "top-1"]}
    - {name: "linear fails, the bounded train", as_paper: all}
    - name: "bounded above unbounded"
      above: [["*", "top-1"]]
      below: [["linear(x)", "top-1"]]
      except: ["linear(x)"]
)yaml";

TEST(TableFiles, AnOwnTableRendersFromItsSweepWithItsFindings) {
  auto own = parse_table(kOwnTable, "own.yaml");
  EXPECT_EQ(own.number, 101);
  EXPECT_EQ(own.sweep, "my-ablation");
  ASSERT_EQ(own.findings.size(), 3u);
  EXPECT_EQ(own.findings[2].above.size(), 2u);  // erf and tanh; linear is excepted
  Fixture fx;
  auto add = [&](const std::string& f, double acc) {
    fx.jobs("my-ablation", "fp:" + f, f, "none", "vit-tiny", {acc});
  };
  add("erf(x)", 80.0);
  add("tanh(x)", 78.0);
  add("linear(x)", 81.0);  // the proxy trains what the paper could not
  auto md = render_table(fx.db(), own, "fixture.db");
  EXPECT_NE(md.find("# Table 101: A follow-up's ablation"), std::string::npos) << md;
  EXPECT_NE(md.find("| erf(x) | 80.0% (82.6%) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| linear(x) | **81.0%** (x) |"), std::string::npos) << md;
  auto f = table_fidelity(fx.db(), own);
  ASSERT_EQ(f.checks.size(), 3u);
  EXPECT_EQ(f.checks[0].status, CheckStatus::Pass);  // 80 > 78
  EXPECT_EQ(f.checks[1].status, CheckStatus::Fail);  // linear trained
  EXPECT_NE(f.checks[1].detail.find("linear(x) trained"), std::string::npos) << f.checks[1].detail;
  EXPECT_EQ(f.checks[2].status, CheckStatus::Fail);  // 81 > 80
  EXPECT_EQ(f.compared(), 3);
  EXPECT_EQ(f.failure_agree(), 2);
}

TEST(TableFiles, AnOwnTableWritesItsPageBesideThePapers) {
  Fixture fx;
  fx.jobs("my-ablation", "fp:erf(x)", "erf(x)", "none", "vit-tiny", {80.0});
  fsearch::testing::TempDir dir("own-table");
  ReportOptions options;
  options.out_dir = dir.path().string();
  options.tables = {4};
  options.figures = false;
  options.own_tables.push_back(parse_table(kOwnTable, "own.yaml"));
  write_reports(fx.db(), options);
  std::ifstream page(dir.path() / "table101.md"), index_file(dir.path() / "index.md");
  std::stringstream md, index;
  md << page.rdbuf();
  index << index_file.rdbuf();
  EXPECT_NE(md.str().find("| erf(x) | **80.0%** (82.6%) |"), std::string::npos) << md.str();
  EXPECT_NE(index.str().find("[Table 101: A follow-up's ablation](table101.md)"), std::string::npos)
      << index.str();
  EXPECT_EQ(index.str().find("sweep-my-ablation.md"), std::string::npos)
      << "a table's sweep gets no sweep page";
  // A number the paper uses is refused, naming both files.
  auto clash =
      parse_table(std::string(kOwnTable).replace(std::string(kOwnTable).find("101"), 3, "7"), "own.yaml");
  options.own_tables = {clash};
  try {
    report_tables(options);
    ADD_FAILURE() << "table 7 twice";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("own.yaml: table number 7 is already configs/tables/table7.yaml's"),
              std::string::npos)
        << e.what();
  }
}

std::string with(const std::string& from, const std::string& to) {
  std::string text = kOwnTable;
  auto pos = text.find(from);
  if (pos == std::string::npos) throw std::runtime_error("no '" + from + "' in the table");
  return text.replace(pos, from.size(), to);
}

TEST(TableFiles, MistakesNameTheFileLineAndField) {
  EXPECT_EQ(error_of(kOwnTable), "");
  // A finding naming a column that does not exist: line 16, the field, and the nearest title.
  auto e = error_of(with(R"x(["erf(x)", "top-1"], than)x", R"x(["erf(x)", "top1"], than)x"));
  EXPECT_NE(e.find("own.yaml:16:"), std::string::npos) << e;
  EXPECT_NE(e.find("table.findings[0].better[1]: no column title 'top1' in this table"), std::string::npos)
      << e;
  EXPECT_NE(e.find("top-1"), std::string::npos) << e;
  // A row label a finding cannot find.
  e = error_of(with(R"x(than: ["tanh(x)")x", R"x(than: ["tanh")x"));
  EXPECT_NE(e.find("table.findings[0].than[0]: no row label 'tanh'"), std::string::npos) << e;
  // One paper value too many.
  e = error_of(with("paper: 82.5}", "paper: [82.5, 81.0]}"));
  EXPECT_NE(e.find("own.yaml:13:"), std::string::npos) << e;
  EXPECT_NE(e.find("table.rows[1].paper: 2 entries for 1 columns"), std::string::npos) << e;
  // A paper value that is not a number, x or ~.
  e = error_of(with("paper: x}", "paper: fails}"));
  EXPECT_NE(
      e.find("table.rows[2].paper[0]: expected the paper's number, x (failed) or ~ (none), got 'fails'"),
      std::string::npos)
      << e;
  // A misspelt key in a row.
  e = error_of(with("paper: 82.6}", "papr: 82.6}"));
  EXPECT_NE(e.find("papr"), std::string::npos) << e;
  EXPECT_NE(e.find("own.yaml:12:"), std::string::npos) << e;
  // An expression that does not parse: the field, and the parser's own message.
  e = error_of(with(R"x(function: "tanh(x)")x", R"x(function: "tanh(x")x"));
  EXPECT_NE(e.find("table.rows[1].function: "), std::string::npos) << e;
  EXPECT_NE(e.find("missing ')'"), std::string::npos) << e;
  // Unknown metric, bold rule and check.
  e = error_of(with("shift: none", "shift: none\n  metric: accuracy"));
  EXPECT_NE(e.find("table.metric: unknown metric 'accuracy'"), std::string::npos) << e;
  e = error_of(with("best: per-column", "best: per-col"));
  EXPECT_NE(e.find("table.best: unknown value 'per-col'"), std::string::npos) << e;
  e = error_of(with("as_paper: all", "as_paper: some"));
  EXPECT_NE(e.find("table.findings[1].as_paper: expected all, got 'some'"), std::string::npos) << e;
  // Two rows with one label, and a file with no table at all.
  e = error_of(with(R"x(label: "tanh(x)")x", R"x(label: "erf(x)")x"));
  EXPECT_NE(e.find("a second row labelled 'erf(x)'"), std::string::npos) << e;
  e = error_of("name: table9\nprimitives: [erf]\n");
  EXPECT_NE(e.find("own.yaml: no table: section"), std::string::npos) << e;
}

// Functions in the columns, proxies in the rows, and differences (Tables 8, 9, 13, 22, 23).
constexpr const char* kByColumn = R"yaml(name: mine
table:
  number: 108
  title: Columns
  labels: [model]
  columns:
    - {title: LN, baseline: layernorm}
    - {title: Derf, function: "erf(x)", shift: scalar}
    - {title: "Δ LN", delta: [Derf, LN]}
  rows:
    - {label: ViT-B, proxy: vit-tiny, paper: [82.3, 82.8, ~]}
)yaml";

TEST(TableFiles, ColumnsMayHoldTheFunctionsAndDifferences) {
  auto t = parse_table(kByColumn, "own.yaml");
  ASSERT_EQ(t.rows[0].cells.size(), 3u);
  EXPECT_EQ(t.rows[0].cells[0].baseline, "layernorm");
  EXPECT_EQ(t.rows[0].cells[1].function, "erf(x)");
  EXPECT_EQ(t.rows[0].cells[1].proxy, "vit-tiny");
  EXPECT_EQ(t.rows[0].cells[2].delta_a, 1);
  EXPECT_EQ(t.rows[0].cells[2].delta_b, 0);
  EXPECT_TRUE(t.rows[0].cells[2].empty);  // no jobs of its own
  Fixture fx;
  fx.jobs("mine", "", "", "", "vit-tiny", {80.0, 80.4}, "layernorm");
  fx.jobs("mine", "fp:erf(x)", "erf(x)", "scalar", "vit-tiny", {80.9});
  auto md = render_table(fx.db(), t, "fixture.db");
  EXPECT_NE(md.find("| ViT-B | 80.2 ± 0.3% (82.3%) | **80.9%** (82.8%) | ↑0.7% (↑0.5%) |"), std::string::npos)
      << md;

  auto error = [](const std::string& from, const std::string& to) {
    std::string text = kByColumn;
    return error_of(text.replace(text.find(from), from.size(), to));
  };
  auto e = error("{label: ViT-B, proxy", "{label: ViT-B, function: \"tanh(x)\", proxy");
  EXPECT_NE(e.find("own.yaml:11:"), std::string::npos) << e;
  EXPECT_NE(e.find("column 'LN': a function or baseline given twice"), std::string::npos) << e;
  e = error("{title: Derf, function: \"erf(x)\", shift: scalar}",
            "{title: Derf, function: \"erf(x)\", shift: scalar, proxy: vit-small}");
  EXPECT_NE(e.find("proxy is set both by column 'Derf' and by this row"), std::string::npos) << e;
  e = error("delta: [Derf, LN]", "delta: [Derf, Ln]");
  EXPECT_NE(e.find("table.columns[2].delta[1]: 'Ln' is not a column of results in this table"),
            std::string::npos)
      << e;
  e = error("paper: [82.3, 82.8, ~]", "paper: [82.3, 82.8, 0.5]");
  EXPECT_NE(e.find("table.rows[0].paper[2]: column 'Δ LN' is a difference of two others"), std::string::npos)
      << e;
  e = error("{title: LN, baseline: layernorm}", "{title: LN, baseline: batchnorm}");
  EXPECT_NE(e.find("table.columns[0].baseline: unknown baseline 'batchnorm'"), std::string::npos) << e;
}

}  // namespace
}  // namespace fsearch::reports
