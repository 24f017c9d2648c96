// How the reporters show a layer's receptive field (check --rf): table cells, the lines under
// the table, and the JSON member "rf" (docs/receptive_field.md).
#pragma once
#include <array>
#include <nlohmann/json.hpp>
#include <string>

#include "json_text.hpp"
#include "netshape/receptive_field.hpp"

namespace netshape {

// RF, jump and start: "22x22", "6x6", "10.5, 10.5"; "-" after the grid ends, "?" when unknown.
std::array<std::string, 3> rf_cells(const LayerField& f);
// Under the table: where the grid ends, why a field is unknown (each reason once, in order).
std::string rf_footer(const ReceptiveFields& rf);
// {"size": [...], "jump": [...], "start": [...]}, or null; both writers give the same text.
nlohmann::ordered_json rf_json(const LayerField& f);
void write_rf(JsonText& j, const LayerField& f);

}  // namespace netshape
