// `fsearch cancel`: cancel a sweep's jobs on Slurm (scancel). The scheduler, running now or at the
// next `fsearch run`, records them as cancelled; they are not retried.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "command.h"
#include "fsearch/core/defaults.h"
#include "fsearch/core/error.h"
#include "fsearch/db/database.h"
#include "fsearch/search/slurm.h"

namespace fsearch::cli {
namespace {

struct CancelCommand {
  std::string db = kDefaultDatabase, sweep;

  int run() const {
    if (!std::filesystem::exists(db)) throw ConfigError("no database at " + db);
    db::Database database(db);
    bool found = false;
    for (const auto& [id, name] : database.sweeps()) {
      if (!sweep.empty() && name != sweep) continue;
      found = true;
      auto ids = search::cancel_slurm_jobs(database, id);
      std::string list;
      for (const auto& i : ids) list += " " + i;
      std::cout << fmt::format("sweep {}: {} Slurm job(s) cancelled{}\n", name, ids.size(), list);
    }
    if (!found)
      throw ConfigError("no sweep named '" + sweep + "' in " + db, "fsearch status lists the sweeps");
    return 0;
  }
};

}  // namespace

Command register_cancel(CLI::App& app) {
  auto command = std::make_shared<CancelCommand>();
  CLI::App* sub = app.add_subcommand(
      "cancel", "Cancel a sweep's Slurm jobs (scancel); they are recorded as cancelled and not retried");
  sub->add_option("--db", command->db, "SQLite database")->capture_default_str();
  sub->add_option("--sweep", command->sweep, "Only this sweep (default: every sweep in the database)");
  return {sub, [command] { return command->run(); }};
}

}  // namespace fsearch::cli
