"""The preview views' logic without CKAN: column detection, totals, series, chart and map
layout (the views themselves are tested on loaded tables in tests/rawdata/test_views.py)."""
import pytest

from ckanext.migration import worldmap
from ckanext.migration.resource_views import aggregate, columns, mapframe, svgchart


def _fields(*names):
    return [{"id": "_id", "type": "int"}] + [{"id": n, "type": "text"} for n in names]


@pytest.mark.parametrize("cell, expected", [
    ("2021", "2021"), ("2021-Q3", "2021-Q3"), ("2021q3", "2021Q3"), ("2021-03", "2021-03"),
    ("2021-03-04", "2021-03-04"), ("2021-03-04T00:00:00", "2021-03-04"),
    ("2021-M03", "2021-M03"), ("Annual", None), ("", None), ("12750", None), (None, None)])
def test_period(cell, expected):
    assert columns.period(cell) == expected


@pytest.mark.parametrize("cell, expected", [
    ("12750", 12750.0), (" 3.5 ", 3.5), (":", None), ("-", None), ("", None), ("n/a", None),
    ("12 750", None), (7, 7.0), ("nan", None), (True, None)])
def test_number(cell, expected):
    assert columns.number(cell) == expected


def test_detect_sdmx_csv_columns():
    rows = [{"geo": g, "Geopolitical entity (reporting)": n, "unit": "PER", "sex": "T",
             "TIME_PERIOD": str(y), "Time": "", "OBS_VALUE": str(y - 2000), "OBS_FLAG": "bd"}
            for g, n in (("DE", "Germany"), ("FR", "France"), ("EL", "Greece"))
            for y in (2020, 2021)]
    found = columns.detect(_fields(*rows[0]), rows)
    assert (found.time, found.value, found.country) == ("TIME_PERIOD", "OBS_VALUE", "geo")
    # PER (persons) is not Peru, bd (a flag) not Bangladesh
    assert found.countries == ["geo", "Geopolitical entity (reporting)"]
    assert "Time" not in (found.time, found.value)


def test_detect_prefers_a_value_column_and_skips_codes():
    rows = [{"yr": "2019", "m49": "840", "count": "3", "iso": "USA"}]
    found = columns.detect(_fields("yr", "m49", "count", "iso"), rows)
    assert (found.time, found.value, found.country) == ("yr", "count", "iso")
    only_codes = columns.detect(_fields("m49", "note"), [{"m49": "840", "note": "x"}])
    assert (only_codes.time, only_codes.value) == (None, None)


def test_totals_of_a_breakdown_are_kept_and_others_summed():
    rows = [{"y": "2020", "sex": s, "flag": f, "v": v}
            for s, f, v in (("T", "", "10"), ("F", "", "4"), ("M", "p", "6"))] + \
        [{"y": "2021", "sex": "T", "flag": "", "v": ":"}, {"y": "2021", "sex": "T",
                                                            "flag": "p", "v": "2"}]
    agg = aggregate.aggregate(rows, "v", "y", dimensions=["sex", "flag"])
    assert agg.sums == {("2020", None): 10.0, ("2021", None): 2.0}
    assert agg.kept == {"sex": ["T"]}
    assert agg.rows_used == 2


def test_series_by_key_drop_what_the_key_refuses():
    rows = [{"y": "2020", "c": c, "v": v} for c, v in
            (("DE", "5"), ("Germany", "1"), ("EU27_2020", "100"), ("FR", "3"))]
    agg = aggregate.aggregate(rows, "v", "y", "c",
                              key=lambda cell: {"DE": "DEU", "Germany": "DEU",
                                                "FR": "FRA"}.get(cell))
    assert agg.sums == {("2020", "DEU"): 6.0, ("2020", "FRA"): 3.0}
    assert agg.dropped == ["EU27_2020"]
    assert aggregate.top_series(agg, 1) == ["DEU"]
    assert aggregate.latest(agg) == ("2020", {"DEU": 6.0, "FRA": 3.0})


def test_chart_layout_ticks_gaps_and_labels():
    periods = [str(y) for y in range(2000, 2030)]
    values = {p: float(i * 1000) for i, p in enumerate(periods) if p != "2010"}
    drawn = svgchart.layout(periods, [("A", values), ("B", {"2000": 5.0})])
    assert [t["label"] for t in drawn["y_ticks"]] == ["0", "10k", "20k", "30k"]
    assert len(drawn["lines"][0]["paths"]) == 2  # the missing 2010 breaks the line
    assert len(drawn["x_labels"]) <= svgchart.MAX_X_LABELS
    assert drawn["lines"][0]["colour"] != drawn["lines"][1]["colour"]
    assert drawn["lines"][0]["dash"] != drawn["lines"][1]["dash"]
    assert not drawn["slanted"]
    assert svgchart.layout(["2020-01-01", "2020-02-01"], [("A", {"2020-01-01": 1})])["slanted"]
    assert svgchart.fmt(2667191.0) == "2,667,191" and svgchart.fmt(2.5) == "2.5"
    negative = svgchart.nice_ticks(-3, 7)
    assert negative[0] <= -3 and negative[-1] >= 7 and 0 in negative


def test_map_frame_fits_the_countries_largest_pieces():
    shapes = {iso3: d for iso3, _, d in worldmap.shapes()}
    full = (0, 0, worldmap.WIDTH, worldmap.HEIGHT)
    assert mapframe.frame([], worldmap.WIDTH, worldmap.HEIGHT) == full
    assert mapframe.frame([shapes["CAN"], shapes["RUS"], shapes["AUS"]], worldmap.WIDTH,
                          worldmap.HEIGHT)[2] > 0.8 * worldmap.WIDTH
    x, y, w, h = mapframe.frame([shapes["FRA"], shapes["DEU"]], worldmap.WIDTH,
                                worldmap.HEIGHT)
    # Europe, not the Atlantic to French Guiana
    assert w < worldmap.WIDTH / 3 and x > worldmap.WIDTH / 3
    assert round(w / h, 2) == round(worldmap.WIDTH / worldmap.HEIGHT, 2)
