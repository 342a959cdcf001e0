// Reading a table's `table:` section (docs/tables.md) into a TableSpec: its columns, rows with the
// paper's numbers, and its findings resolved to cells. Every error names the file, line and field.
#include <algorithm>
#include <map>
#include <optional>

#include "fsearch/core/names.h"
#include "fsearch/core/yaml.h"
#include "fsearch/functions/norm_spec.h"
#include "fsearch/functions/parse.h"
#include "fsearch/reports/tables.h"

namespace fsearch::reports {
namespace {

constexpr const char* kFormatHint = "the table format is in docs/tables.md";

std::string at(const YamlMap& m, const YAML::Node& node, const std::string& field) {
  return m.where(node) + ": " + m.qualified(field);
}

// What a cell is made of. The table sets defaults; a column and a row may each set a field, never
// both (a cell defined twice would be a silent guess).
struct Fields {
  std::optional<std::string> proxy, shift, function, baseline;
  std::optional<Metric> metric;
  std::optional<double> lr;
};

// `cells`: function and baseline may be given (a column or a row, not the table's defaults).
Fields read_fields(YamlMap& m, bool cells) {
  Fields f;
  if (m.has("proxy")) f.proxy = m.get<std::string>("proxy", "");
  if (auto node = m.node("shift")) {
    f.shift = m.get<std::string>("shift", "");
    if (*f.shift != "none" && *f.shift != "scalar" && *f.shift != "vector")
      throw ConfigError(at(m, *node, "shift") + ": unknown shift '" + *f.shift + "'",
                        "use none, scalar or vector");
  }
  if (auto node = m.node("metric")) {
    try {
      f.metric = parse_metric(m.get<std::string>("metric", ""));
    } catch (const ConfigError& e) {
      throw ConfigError(at(m, *node, "metric") + ": " + e.what(), e.hint());
    }
  }
  if (m.has("lr")) f.lr = m.get<double>("lr", NAN);
  if (!cells) return f;
  if (auto node = m.node("function")) {
    f.function = m.get<std::string>("function", "");
    try {
      functions::parse(*f.function);
    } catch (const ConfigError& e) {
      throw ConfigError(at(m, *node, "function") + ": " + e.what(), e.hint());
    }
  }
  if (auto node = m.node("baseline")) {
    f.baseline = m.get<std::string>("baseline", "");
    const auto& names = functions::baseline_names();
    if (std::find(names.begin(), names.end(), *f.baseline) == names.end())
      throw ConfigError(at(m, *node, "baseline") + ": unknown baseline '" + *f.baseline + "'",
                        did_you_mean(*f.baseline, names));
  }
  return f;
}

struct ColumnSpec {
  std::string title;
  Fields fields;
  std::optional<YAML::Node> delta;  // [column title, column title]: this column shows their difference
};

std::vector<ColumnSpec> read_columns(YamlMap& table) {
  auto node = table.node("columns");
  if (!node || !node->IsSequence() || node->size() == 0)
    throw ConfigError(table.where(node ? *node : YAML::Node()) + ": " + table.qualified("columns") +
                          ": expected a list of column titles or {title: ..., proxy: ..., metric: ...}",
                      kFormatHint);
  std::vector<ColumnSpec> out;
  for (std::size_t i = 0; i < node->size(); ++i) {
    const std::string path = table.qualified("columns[" + std::to_string(i) + "]");
    ColumnSpec c;
    YAML::Node item = (*node)[i];
    if (item.IsScalar()) {
      c.title = item.Scalar();
    } else {
      YamlMap m(item, table.file(), path);
      c.title = m.require<std::string>("title");
      c.fields = read_fields(m, true);
      c.delta = m.node("delta");
      m.finish();
    }
    for (const auto& other : out) {
      if (other.title == c.title)
        throw ConfigError(table.where(item) + ": " + path + ": a second column titled '" + c.title + "'",
                          "findings name columns by title: make them unique");
    }
    out.push_back(c);
  }
  return out;
}

// The paper's value: a number, x (training failed) or ~ (none printed).
void read_paper(const YamlMap& m, const YAML::Node& node, const std::string& field, CellSpec& cell) {
  if (node.IsNull()) return;
  if (node.IsScalar() && node.Scalar() == "x") {
    cell.paper_diverged = true;
    return;
  }
  try {
    cell.paper = node.as<double>();
  } catch (const YAML::Exception&) {
    throw ConfigError(at(m, node, field) + ": expected the paper's number, x (failed) or ~ (none), got '" +
                      (node.IsScalar() ? node.Scalar() : std::string("a list or map")) + "'");
  }
}

// A list with one entry per column (a single value stands in a one-column table).
std::vector<YAML::Node> per_column(YamlMap& row, const std::string& key, std::size_t columns) {
  auto node = *row.node(key);
  std::vector<YAML::Node> out;
  if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) out.push_back(node[i]);
  } else if (columns == 1) {
    out.assign(columns, node);
  }
  if (out.size() != columns) {
    throw ConfigError(
        at(row, node, key) + ": " +
            (node.IsSequence() ? std::to_string(out.size()) + " entries" : std::string("one value")) +
            " for " + std::to_string(columns) + " columns",
        "one per column, ~ where the paper has no cell");
  }
  return out;
}

// A column's delta: [a, b] -> the indices of two columns of jobs (not deltas themselves).
std::pair<int, int> resolve_delta(const YamlMap& table, const ColumnSpec& column,
                                  const std::vector<ColumnSpec>& columns, std::size_t index) {
  const YAML::Node& node = *column.delta;
  const std::string field = "columns[" + std::to_string(index) + "].delta";
  if (!node.IsSequence() || node.size() != 2 || !node[0].IsScalar() || !node[1].IsScalar())
    throw ConfigError(at(table, node, field) +
                      ": expected [column title, column title] (the first minus the second)");
  std::vector<std::string> titles;
  for (const auto& c : columns) titles.push_back(c.title);
  int ends[2];
  for (int k = 0; k < 2; ++k) {
    auto it = std::find(titles.begin(), titles.end(), node[k].Scalar());
    if (it == titles.end() || columns[it - titles.begin()].delta)
      throw ConfigError(at(table, node[k], field + "[" + std::to_string(k) + "]") + ": '" + node[k].Scalar() +
                            "' is not a column of results in this table",
                        did_you_mean(node[k].Scalar(), titles));
    ends[k] = static_cast<int>(it - titles.begin());
  }
  return {ends[0], ends[1]};
}

template <class T>
void merge(std::optional<T>& into, const std::optional<T>& column, const std::optional<T>& row,
           const std::string& key, const std::string& where, const std::string& title) {
  if (column && row)
    throw ConfigError(where + ": " + key + " is set both by column '" + title + "' and by this row",
                      "set it in one place");
  if (column) into = column;
  if (row) into = row;
}

RowSpec read_row(YamlMap& m, const std::vector<ColumnSpec>& columns,
                 const std::vector<std::pair<int, int>>& deltas, const Fields& defaults) {
  RowSpec row;
  row.label = m.require<std::string>("label");
  const std::string here =
      m.where(m.node("label").value()) + ": " + m.qualified("label") + " '" + row.label + "'";
  const Fields own = read_fields(m, true);
  std::vector<YAML::Node> functions;
  if (m.has("functions")) functions = per_column(m, "functions", columns.size());
  std::vector<YAML::Node> paper(columns.size(), YAML::Node(YAML::NodeType::Null));
  if (m.has("paper")) paper = per_column(m, "paper", columns.size());
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const auto& column = columns[c];
    const std::string paper_field = "paper[" + std::to_string(c) + "]";
    const std::string function_field = "functions[" + std::to_string(c) + "]";
    CellSpec cell;
    if (column.delta) {  // computed from two other cells of the row; no jobs of its own
      cell.empty = true;
      std::tie(cell.delta_a, cell.delta_b) = deltas[c];
      if (!functions.empty() && !functions[c].IsNull())
        throw ConfigError(at(m, functions[c], function_field) + ": column '" + column.title +
                          "' is a difference of two others: give ~");
      if (!paper[c].IsNull())
        throw ConfigError(at(m, paper[c], paper_field) + ": column '" + column.title +
                          "' is a difference of two others: give ~ (the paper's is computed)");
      row.cells.push_back(cell);
      continue;
    }
    Fields f = defaults;
    merge(f.proxy, column.fields.proxy, own.proxy, "proxy", here, column.title);
    merge(f.shift, column.fields.shift, own.shift, "shift", here, column.title);
    merge(f.metric, column.fields.metric, own.metric, "metric", here, column.title);
    merge(f.lr, column.fields.lr, own.lr, "lr", here, column.title);
    std::optional<std::string> listed;
    if (!functions.empty()) {
      if (!functions[c].IsNull() && !functions[c].IsScalar())
        throw ConfigError(at(m, functions[c], function_field) + ": expected an expression or ~ (no cell)");
      if (functions[c].IsScalar()) {
        listed = functions[c].Scalar();
        try {
          functions::parse(*listed);
        } catch (const ConfigError& e) {
          throw ConfigError(at(m, functions[c], function_field) + ": " + e.what(), e.hint());
        }
      }
    }
    const int given = column.fields.function.has_value() + column.fields.baseline.has_value() +
                      own.function.has_value() + own.baseline.has_value() + !functions.empty();
    if (given != 1) {
      throw ConfigError(here + ", column '" + column.title + "': " +
                            (given == 0 ? "no function or baseline" : "a function or baseline given twice") +
                            ": give exactly one of function (every column), functions (one per column) or "
                            "baseline, in the row or in the column",
                        kFormatHint);
    }
    cell.empty = !functions.empty() && !listed;
    cell.function = listed ? *listed : own.function ? *own.function : column.fields.function.value_or("");
    cell.baseline = own.baseline ? *own.baseline : column.fields.baseline.value_or("");
    cell.proxy = f.proxy.value_or("");
    cell.shift = cell.baseline.empty() ? f.shift.value_or("") : "";
    cell.metric = f.metric.value_or(Metric::TestAcc);
    cell.lr = f.lr.value_or(NAN);
    read_paper(m, paper[c], paper_field, cell);
    if (cell.empty && (cell.paper_diverged || !std::isnan(cell.paper))) {
      throw ConfigError(at(m, paper[c], paper_field) + ": a paper value for a column with no cell (" +
                        function_field + " is ~)");
    }
    row.cells.push_back(cell);
  }
  m.finish();
  return row;
}

// ---- findings -----------------------------------------------------------------------------------

class CellIndex {
 public:
  CellIndex(const TableSpec& table, const std::vector<ColumnSpec>& columns) : table_(table) {
    for (const auto& c : columns) titles_.push_back(c.title);
    for (const auto& r : table.rows) labels_.push_back(r.label);
  }
  std::size_t row(const YamlMap& m, const YAML::Node& node, const std::string& field) const {
    return find(m, node, field, labels_, "row label");
  }
  std::size_t column(const YamlMap& m, const YAML::Node& node, const std::string& field) const {
    return find(m, node, field, titles_, "column title");
  }
  bool exists(CellAt c) const { return !table_.rows[c.row].cells[c.column].empty; }
  std::size_t rows() const { return labels_.size(); }
  std::size_t columns() const { return titles_.size(); }
  const TableSpec& table() const { return table_; }

 private:
  static std::size_t find(const YamlMap& m, const YAML::Node& node, const std::string& field,
                          const std::vector<std::string>& names, const std::string& what) {
    const std::string name = node.IsScalar() ? node.Scalar() : "";
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      throw ConfigError(at(m, node, field) + ": no " + what + " '" + name + "' in this table",
                        did_you_mean(name, names));
    }
    return static_cast<std::size_t>(it - names.begin());
  }
  const TableSpec& table_;
  std::vector<std::string> titles_, labels_;
};

// [row label, column title]; "*" (when allowed) stands for every row or column with a cell.
std::vector<CellAt> read_cells(const YamlMap& m, const YAML::Node& node, const std::string& field,
                               const CellIndex& index, bool wildcards) {
  if (!node.IsSequence() || node.size() != 2 || !node[0].IsScalar() || !node[1].IsScalar()) {
    throw ConfigError(at(m, node, field) + ": expected a cell as [row label, column title]",
                      "e.g. [\"erf(x)\", \"ViT top-1\"]");
  }
  const bool any_row = wildcards && node[0].Scalar() == "*",
             any_column = wildcards && node[1].Scalar() == "*";
  const std::size_t row = any_row ? 0 : index.row(m, node[0], field + "[0]");
  const std::size_t column = any_column ? 0 : index.column(m, node[1], field + "[1]");
  std::vector<CellAt> out;
  for (std::size_t r = 0; r < index.rows(); ++r) {
    for (std::size_t c = 0; c < index.columns(); ++c) {
      if ((any_row || r == row) && (any_column || c == column) && index.exists({r, c})) out.push_back({r, c});
    }
  }
  if (out.empty() && !any_row && !any_column) {
    throw ConfigError(at(m, node, field) + ": row '" + node[0].Scalar() + "' has no cell in column '" +
                      node[1].Scalar() + "'");
  }
  return out;
}

// A list of cells; `except` row labels are left out of every "*" row.
std::vector<CellAt> read_cell_list(YamlMap& m, const std::string& key, const CellIndex& index,
                                   const std::vector<std::size_t>& except) {
  auto node = m.node(key);
  if (!node || !node->IsSequence())
    throw ConfigError(m.where(node ? *node : YAML::Node()) + ": " + m.qualified(key) +
                      ": expected a list of [row label, column title]");
  std::vector<CellAt> out;
  for (std::size_t i = 0; i < node->size(); ++i) {
    const YAML::Node item = (*node)[i];
    const bool any_row =
        item.IsSequence() && item.size() == 2 && item[0].IsScalar() && item[0].Scalar() == "*";
    for (auto c : read_cells(m, item, key + "[" + std::to_string(i) + "]", index, true)) {
      if (any_row && std::find(except.begin(), except.end(), c.row) != except.end()) continue;
      out.push_back(c);
    }
  }
  return out;
}

bool same(CellAt a, CellAt b) {
  return a.row == b.row && a.column == b.column;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

// {each: row | column, compare: [{name, better | at_least: title, than: title}]}: in every row
// (column), compare the cells under two column titles (row labels), where both cells exist.
void read_each(YamlMap& m, const CellIndex& index, std::vector<FindingSpec>& out) {
  const std::string each = m.require<std::string>("each");
  if (each != "row" && each != "column")
    throw ConfigError(at(m, *m.node("each"), "each") + ": expected row or column, got '" + each + "'");
  const bool by_row = each == "row";
  auto list = m.node("compare");
  if (!list || !list->IsSequence())
    throw ConfigError(m.where(m.node("each").value()) + ": " + m.qualified("compare") +
                          ": expected a list of {name, better | at_least, than}",
                      kFormatHint);
  std::vector<std::tuple<std::string, bool, std::size_t, std::size_t>> compares;  // name, strict, a, b
  for (std::size_t i = 0; i < list->size(); ++i) {
    YamlMap c((*list)[i], m.file(), m.qualified("compare[" + std::to_string(i) + "]"));
    const std::string name = c.require<std::string>("name");
    const bool strict = c.has("better");
    if (strict == c.has("at_least"))
      throw ConfigError(c.where((*list)[i]) + ": " + c.qualified("name") +
                        ": give one of better or at_least");
    const std::string key = strict ? "better" : "at_least";
    const YAML::Node a = *c.node(key);
    const auto b = c.node("than");
    if (!b) throw ConfigError(c.where((*list)[i]) + ": " + c.qualified("than") + ": missing required field");
    auto pos = [&](const YAML::Node& n, const std::string& f) {
      return by_row ? index.column(c, n, f) : index.row(c, n, f);
    };
    compares.emplace_back(name, strict, pos(a, key), pos(*b, "than"));
    c.finish();
  }
  const std::size_t lines = by_row ? index.rows() : index.columns();
  for (std::size_t line = 0; line < lines; ++line) {
    for (const auto& [name, strict, a, b] : compares) {
      CellAt first = by_row ? CellAt{line, a} : CellAt{a, line};
      CellAt second = by_row ? CellAt{line, b} : CellAt{b, line};
      if (!index.exists(first) || !index.exists(second)) continue;
      FindingSpec f;
      f.kind = strict ? FindingKind::Better : FindingKind::AtLeast;
      f.name = by_row
                   ? replace_all(name, "{row}", index.table().rows[line].label)
                   : replace_all(name, "{column}",
                                 index.table().header[index.table().header.size() - index.columns() + line]);
      f.pairs.push_back({first, second});
      out.push_back(f);
    }
  }
}

void read_finding(YamlMap& m, const CellIndex& index, std::vector<FindingSpec>& out) {
  if (m.has("each")) {
    read_each(m, index, out);
    m.finish();
    return;
  }
  FindingSpec f;
  f.name = m.require<std::string>("name");
  const std::vector<std::string> kinds = {"better",        "at_least", "non_increasing",
                                          "no_worse_than", "above",    "as_paper"};
  std::vector<std::string> given;
  for (const auto& k : kinds)
    if (m.has(k)) given.push_back(k);
  if (given.size() != 1) {
    throw ConfigError(
        m.where(m.node("name").value()) + ": " + m.qualified("name") + " '" + f.name +
            "': give exactly one check of better, at_least, non_increasing, no_worse_than, above, "
            "as_paper, or each",
        kFormatHint);
  }
  const std::string kind = given[0];
  const auto& table = index.table();
  if (kind == "better" || kind == "at_least") {
    f.kind = kind == "better" ? FindingKind::Better : FindingKind::AtLeast;
    auto than = m.node("than");
    if (!than)
      throw ConfigError(m.where(m.node("name").value()) + ": " + m.qualified("than") +
                        ": missing required field");
    f.pairs.push_back(
        {read_cells(m, *m.node(kind), kind, index, false)[0], read_cells(m, *than, "than", index, false)[0]});
  } else if (kind == "non_increasing") {
    f.kind = FindingKind::NonIncreasing;
    const std::string along = m.get<std::string>("non_increasing", "");
    if (along != "rows" && along != "columns")
      throw ConfigError(at(m, *m.node(kind), kind) + ": expected rows or columns, got '" + along + "'");
    auto from = m.node("from");
    if (!from)
      throw ConfigError(
          m.where(*m.node(kind)) + ": " + m.qualified("from") + ": missing required field",
          "the column title (along rows) or row label (along columns) of the unmodified function");
    const bool rows = along == "rows";
    const std::size_t start = rows ? index.column(m, *from, "from") : index.row(m, *from, "from");
    const std::size_t lines = rows ? index.rows() : index.columns(),
                      length = rows ? index.columns() : index.rows();
    for (std::size_t line = 0; line < lines; ++line) {
      auto cell = [&](std::size_t i) { return rows ? CellAt{line, i} : CellAt{i, line}; };
      std::vector<CellAt> outward, inward;
      for (std::size_t i = start; i < length; ++i)
        if (index.exists(cell(i))) outward.push_back(cell(i));
      for (std::size_t i = start + 1; i-- > 0;)
        if (index.exists(cell(i))) inward.push_back(cell(i));
      f.sequences.push_back(outward);
      f.sequences.push_back(inward);
    }
  } else if (kind == "no_worse_than") {
    f.kind = FindingKind::NoWorseThan;
    const std::size_t reference = index.row(m, *m.node(kind), kind);
    f.counting = m.get<std::string>("counting", "cells");
    for (std::size_t c = 0; c < index.columns(); ++c) {
      for (std::size_t r = 0; r < index.rows(); ++r) {
        if (r == reference || !index.exists({r, c}) || !index.exists({reference, c})) continue;
        f.pairs.push_back({{r, c}, {reference, c}});
      }
    }
  } else if (kind == "above") {
    f.kind = FindingKind::Above;
    std::vector<std::size_t> except;  // rows left out of every "*"
    if (auto node = m.node("except")) {
      for (std::size_t i = 0; i < (node->IsSequence() ? node->size() : 1); ++i)
        except.push_back(
            index.row(m, node->IsSequence() ? (*node)[i] : *node, "except[" + std::to_string(i) + "]"));
    }
    f.above = read_cell_list(m, "above", index, except);
    for (auto c : read_cell_list(m, "below", index, except)) {
      if (std::none_of(f.above.begin(), f.above.end(), [&](CellAt a) { return same(a, c); }))
        f.below.push_back(c);
    }
  } else {
    f.kind = FindingKind::AsPaper;
    const std::string which = m.get<std::string>("as_paper", "");
    if (which != "all") throw ConfigError(at(m, *m.node(kind), kind) + ": expected all, got '" + which + "'");
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      for (std::size_t c = 0; c < table.rows[r].cells.size(); ++c) {
        const auto& cell = table.rows[r].cells[c];
        if (cell.empty) continue;
        if (cell.paper_diverged)
          f.below.push_back({r, c});
        else if (!std::isnan(cell.paper))
          f.above.push_back({r, c});
      }
    }
  }
  m.finish();
  out.push_back(f);
}

Best read_best(YamlMap& m) {
  const std::string best = m.get<std::string>("best", "per-row");
  if (best == "per-row") return Best::PerRow;
  if (best == "per-column") return Best::PerColumn;
  if (best == "none") return Best::None;
  throw ConfigError(at(m, *m.node("best"), "best") + ": unknown value '" + best + "'",
                    did_you_mean(best, {"per-row", "per-column", "none"}) + " (which cells are bold)");
}

}  // namespace

TableSpec parse_table(const std::string& text, const std::string& source) {
  if (!is_valid_utf8(text)) throw ConfigError(source + ": not valid UTF-8 text", "save the file as UTF-8");
  auto root = YamlMap::load_string(text, source);
  TableSpec t;
  t.source = source;
  t.sweep = root.require<std::string>("name");
  if (!root.has("table")) {
    throw ConfigError(source + ": no table: section, so there is no table to render",
                      "add one (docs/tables.md), or run the file as a space: fsearch run --space " + source);
  }
  auto m = root.map("table");
  t.number = m.require<int>("number");
  if (t.number <= 0) throw ConfigError(at(m, *m.node("number"), "number") + ": expected a positive number");
  t.title = m.require<std::string>("title");
  t.caption = m.get<std::string>("caption", "");
  t.best = read_best(m);
  t.figure_functions = m.get_list<std::string>("figure", {});
  const Fields defaults = read_fields(m, false);
  t.header = m.get_list<std::string>("labels", {"function"});
  const auto columns = read_columns(m);
  std::vector<std::pair<int, int>> deltas(columns.size(), {-1, -1});
  for (std::size_t c = 0; c < columns.size(); ++c) {
    t.header.push_back(columns[c].title);
    if (columns[c].delta) deltas[c] = resolve_delta(m, columns[c], columns, c);
  }
  auto rows = m.node("rows");
  if (!rows || !rows->IsSequence() || rows->size() == 0)
    throw ConfigError(
        m.where(rows ? *rows : YAML::Node()) + ": " + m.qualified("rows") + ": expected a list of rows",
        kFormatHint);
  for (std::size_t i = 0; i < rows->size(); ++i) {
    YamlMap row((*rows)[i], source, m.qualified("rows[" + std::to_string(i) + "]"));
    t.rows.push_back(read_row(row, columns, deltas, defaults));
    for (std::size_t j = 0; j + 1 < t.rows.size(); ++j) {
      if (t.rows[j].label == t.rows.back().label)
        throw ConfigError(row.where((*rows)[i]) + ": " + row.qualified("label") +
                              ": a second row labelled '" + t.rows.back().label + "'",
                          "findings name rows by label: make them unique");
    }
  }
  if (auto findings = m.node("findings")) {
    if (!findings->IsSequence())
      throw ConfigError(at(m, *findings, "findings") + ": expected a list of checks", kFormatHint);
    CellIndex index(t, columns);
    for (std::size_t i = 0; i < findings->size(); ++i) {
      YamlMap f((*findings)[i], source, m.qualified("findings[" + std::to_string(i) + "]"));
      read_finding(f, index, t.findings);
    }
  }
  m.finish();
  return t;
}

}  // namespace fsearch::reports
