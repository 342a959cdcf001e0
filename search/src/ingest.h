// What every scheduler backend does with a run directory: read its new events into curve points,
// and ingest result.json into the database when the job finished. Workers never write the
// database; the scheduler that watches them does, through these functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fsearch/db/database.h"

namespace fsearch::search::detail {


// The last `bytes` of a log file, with terminal progress lines (carriage returns) collapsed.
std::string tail_of(const std::filesystem::path& file, std::size_t bytes = 2000);
// The last "error: ..." line a worker wrote to its log (with its hint line), or "" when there is
// none: what a failed job's status shows, rather than the last bytes of a backtrace.
std::string error_line(const std::filesystem::path& log);

// Reads complete new lines of events.jsonl from `offset` into curve points; advances `offset`.
std::vector<db::CurvePoint> read_events(const std::string& key, const std::filesystem::path& file,
                                        std::uintmax_t& offset);

db::ResultRow result_row(const std::string& key, const std::filesystem::path& file);

// A finished job's run directory decides its state: result.json means done, diverged, rejected,
// or paused at a successive-halving rung (recorded as a rung, its result.json moved aside to
// rung-STEP.json so that it is never read as the job's result). Returns false (and records
// nothing) when there is no result.json or its status is unknown.
bool ingest_result(db::Database& db, const db::JobRow& job);
// Moves a paused job's result.json aside (rung-STEP.json), if it is still there.
void set_aside_rung_result(const db::JobRow& job);

}  // namespace fsearch::search::detail
