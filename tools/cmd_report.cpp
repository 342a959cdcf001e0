// `fsearch report`: the paper's tables from the database, as markdown with figures.
#include <filesystem>
#include <iostream>

#include "command.h"
#include "fsearch/core/error.h"
#include "fsearch/reports/report.h"

namespace fsearch::cli {
namespace {

struct ReportCommand {
  std::string db = "results/fsearch.db", tables = "1-7,14-16", out = "results/reports";
  bool no_figures = false;

  int run() const {
    if (!std::filesystem::exists(db)) {
      throw ConfigError("no database at " + db,
                        "run a table first: fsearch run --space configs/tables/table5.yaml");
    }
    reports::ReportOptions options;
    options.out_dir = out;
    options.tables = reports::parse_table_list(tables);
    options.figures = !no_figures;
    options.db_label = db;
    db::Database database(db);
    for (const auto& file : reports::write_reports(database, options)) std::cout << file << "\n";
    return 0;
  }
};

}  // namespace

Command register_report(CLI::App& app) {
  auto command = std::make_shared<ReportCommand>();
  CLI::App* sub = app.add_subcommand(
      "report",
      "Regenerate the paper's tables from the database: one markdown file per table, an index, figures");
  sub->add_option("--db", command->db, "SQLite database")->capture_default_str();
  sub->add_option("--tables", command->tables, "Tables to write, e.g. 1-7,14-16 or 5")->capture_default_str();
  sub->add_option("--out", command->out, "Output folder")->capture_default_str();
  sub->add_flag("--no-figures", command->no_figures, "Skip the gnuplot figures");
  return {sub, [command] { return command->run(); }};
}

}  // namespace fsearch::cli
